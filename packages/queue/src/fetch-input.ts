import { JobError } from './errors.js';

/** Limits on what a worker downloads for one URL job. */
export interface FetchLimits {
  /** Largest body accepted, in bytes (default 512 MiB). */
  maxBytes?: number;
  /** Whole download, in milliseconds (default 120 s). */
  timeoutMs?: number;
}

export const DEFAULT_FETCH_LIMITS: Required<FetchLimits> = { maxBytes: 512 * 1024 * 1024, timeoutMs: 120_000 };

/** Statuses worth another try later (the rest of 4xx will not change). */
const TRANSIENT_STATUS = new Set([408, 425, 429]);

/**
 * Downloads an http(s) URL into memory, refusing bodies over `maxBytes`
 * (by Content-Length up front, and by counting while reading) and giving up
 * after `timeoutMs`. Failures are {@link JobError}s: permanent for a bad URL,
 * a 4xx answer or a body too large; transient (retried) for network errors,
 * timeouts, 5xx, 408 and 429.
 *
 * @example
 * ```ts
 * const bytes = await fetchInput('https://example.org/song.ogg', { maxBytes: 50e6, timeoutMs: 30_000 });
 * ```
 */
export async function fetchInput(url: string, limits: FetchLimits = {}): Promise<Uint8Array> {
  const { maxBytes, timeoutMs } = { ...DEFAULT_FETCH_LIMITS, ...limits };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new JobError('bad-url', `${url}: not a valid URL; expected an http(s) URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new JobError('bad-url', `${url}: only http and https URLs are fetched`);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(parsed, { signal, redirect: 'follow' });
    if (!response.ok) {
      const permanent = response.status < 500 && !TRANSIENT_STATUS.has(response.status);
      await response.body?.cancel();
      throw new JobError(permanent ? 'http-status' : 'fetch-failed', `${url}: HTTP ${response.status} ${response.statusText}`.trim());
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw tooLarge(url, maxBytes, `declares ${declared} bytes`);
    }
    const parts: Uint8Array[] = [];
    let total = 0;
    if (response.body) {
      for await (const part of response.body as AsyncIterable<Uint8Array>) {
        total += part.length;
        if (total > maxBytes) {
          await response.body.cancel().catch(() => undefined);
          throw tooLarge(url, maxBytes, 'sent more');
        }
        parts.push(part);
      }
    }
    return Buffer.concat(parts, total);
  } catch (error) {
    if (error instanceof JobError) throw error;
    const reason = signal.aborted ? `no complete answer within ${timeoutMs} ms` : describeFetchError(error);
    throw new JobError('fetch-failed', `${url}: ${reason}`);
  }
}

function tooLarge(url: string, maxBytes: number, what: string): JobError {
  return new JobError('too-large', `${url}: larger than the ${maxBytes}-byte limit (the server ${what})`);
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
