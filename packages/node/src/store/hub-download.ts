import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ModelFileSource } from '@refractor/core';
import { ModelStoreError } from './errors.js';
import { hashFileInto, regularFileSize } from './file-check.js';
import { resolveStoreOptions, type DownloadProgress, type StoreOptions } from './options.js';

/** How {@link downloadFile} reaches the hub; `cacheDir` plays no part, progress is per file. */
export interface DownloadOptions extends Omit<StoreOptions, 'cacheDir' | 'onProgress'> {
  /** Called when the download starts (at the kept part's size), per chunk, and once with `done: true`. */
  onProgress?: (progress: DownloadProgress) => void;
}

/** The hub's CDN redirect is one hop; ten leaves room for mirrors without looping forever. */
const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * The URL the hub serves a file at: `{endpoint}/{repo}/resolve/{revision}/{path}`.
 * The revision is encoded as one segment (so `refs/pr/1` works, as in
 * `huggingface_hub`); each path segment is encoded on its own.
 *
 * @example
 * ```ts
 * hubFileUrl('https://huggingface.co', { repo: 'refractor-test/tiny-cdm', revision: 'main', path: 'refractor_cdm.onnx' });
 * // 'https://huggingface.co/refractor-test/tiny-cdm/resolve/main/refractor_cdm.onnx'
 * ```
 */
export function hubFileUrl(endpoint: string, file: Pick<ModelFileSource, 'repo' | 'revision' | 'path'>): string {
  const path = file.path.split('/').map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/+$/, '')}/${file.repo}/resolve/${encodeURIComponent(file.revision)}/${path}`;
}

/**
 * Downloads one hub file to `destination`, resumably and verified:
 *
 * - bytes go to `<destination>.part`; a part left by an interrupted run is
 *   resumed with `Range: bytes=N-` (if the server answers 200 instead of 206,
 *   the download starts over);
 * - redirects are followed (the hub sends file bodies from a CDN); the token
 *   goes to the endpoint's origin only;
 * - size and sha256, when the manifest gives them, are checked over the whole
 *   file, kept part included; on a mismatch the part is deleted and a
 *   `size`/`checksum` {@link ModelStoreError} thrown;
 * - only a complete, verified file is renamed to `destination`, so readers
 *   never see a half-written or wrong file;
 * - a second call for the same destination while one runs in this process
 *   waits for it instead of writing the same part (other processes are not
 *   coordinated with: a clash ends in a checksum error, never a bad file).
 *
 * Throws {@link ModelStoreError}: `offline`, `unauthorized` (401/403),
 * `not-found` (404), `network` (the part is kept and resumes next time),
 * `size`, `checksum`. An abort through `signal` rejects with the signal's
 * reason and keeps the part.
 *
 * @example
 * ```ts
 * await downloadFile(
 *   { repo: 'refractor-test/tiny-cdm', revision: 'main', path: 'refractor_cdm.onnx', size: 4096, sha256: 'ab12…' },
 *   cachedPath(cacheDir, file),
 *   { onProgress: ({ loaded, total }) => console.error(`${loaded}/${total ?? '?'} bytes`) },
 * );
 * ```
 */
export async function downloadFile(file: ModelFileSource, destination: string, options: DownloadOptions = {}): Promise<void> {
  // Two downloads appending to one part would corrupt it: a second call for the same file joins the first.
  const key = resolve(destination);
  const running = downloadsInFlight.get(key);
  if (running) {
    await running;
    const size = (await regularFileSize(destination)) ?? 0;
    options.onProgress?.({ loaded: size, total: size, done: true });
    return;
  }
  const download = downloadOnce(file, destination, options);
  downloadsInFlight.set(key, download);
  try {
    await download;
  } finally {
    downloadsInFlight.delete(key);
  }
}

/** Downloads of this process by absolute destination. (Other processes are not coordinated with.) */
const downloadsInFlight = new Map<string, Promise<void>>();

async function downloadOnce(file: ModelFileSource, destination: string, options: DownloadOptions): Promise<void> {
  const settings = resolveStoreOptions(options);
  const url = hubFileUrl(settings.endpoint, file);
  if (settings.offline) {
    throw new ModelStoreError(
      'offline',
      `${describeFile(file)} is not cached at ${destination} and offline mode is on (REFRACTOR_OFFLINE=1 or HF_HUB_OFFLINE=1), ` +
        `so it was not downloaded from ${url}. Run once with network access to cache it.`,
      url,
    );
  }
  const transfer: Transfer = {
    file,
    url,
    destination,
    partPath: `${destination}.part`,
    settings,
    report: (loaded, total, done) => options.onProgress?.({ loaded, total, done }),
  };
  await mkdir(dirname(destination), { recursive: true });

  let start = (await regularFileSize(transfer.partPath)) ?? 0;
  if (file.size !== undefined && start > file.size) start = await discardPart(transfer);
  if (file.size !== undefined && start === file.size && start > 0) {
    // The previous run got every byte but stopped before the rename: no need to ask the server again.
    if (await completePartIfValid(transfer, start)) return;
    start = await discardPart(transfer);
  }

  // Normally one request; two when a resume is refused (then the second starts from byte 0).
  for (let attempt = 1; ; attempt++) {
    const response = await requestFile(transfer, start);
    const plan = await planTransfer(transfer, response, start);
    if (plan.kind === 'stream') return streamToPart(transfer, response, plan);
    if (plan.kind === 'complete' && (await completePartIfValid(transfer, start))) return;
    if (start === 0 || attempt >= 2) {
      // Starting over cannot help a server that answers a plain GET with a partial range.
      const range = response.headers.get('content-range') ?? 'no Content-Range';
      throw await networkError(transfer, response, `the server answered a request for bytes ${start}- with ${response.status} (${range})`);
    }
    start = await discardPart(transfer);
  }
}

/** Everything one download needs, passed between its steps. */
interface Transfer {
  file: ModelFileSource;
  url: string;
  destination: string;
  partPath: string;
  settings: ReturnType<typeof resolveStoreOptions>;
  report: (loaded: number, total: number | undefined, done: boolean) => void;
}

type TransferPlan =
  /** Append the body to the part from byte `start`. */
  | { kind: 'stream'; start: number; total: number | undefined }
  /** Delete the part and ask again from byte 0. */
  | { kind: 'restart' }
  /** The server says the part already holds the whole file. */
  | { kind: 'complete' };

/** GET with manual redirects, so the token is only ever sent to the endpoint's origin. */
async function requestFile(transfer: Transfer, start: number): Promise<Response> {
  const { settings } = transfer;
  const endpointOrigin = new URL(settings.endpoint).origin;
  let url = transfer.url;
  for (let hops = 0; ; hops++) {
    // identity: byte ranges and the manifest's sizes are about the file's bytes, not a gzipped stream of them.
    const headers: Record<string, string> = { 'Accept-Encoding': 'identity' };
    if (start > 0) headers.Range = `bytes=${start}-`;
    if (settings.token && new URL(url).origin === endpointOrigin) headers.Authorization = `Bearer ${settings.token}`;
    let response: Response;
    try {
      response = await settings.fetch(url, { headers, redirect: 'manual', signal: settings.signal });
    } catch (error) {
      if (settings.signal?.aborted) throw error;
      throw await networkError(transfer, url, `the connection failed (${describeCause(error)})`, error);
    }
    if (!REDIRECT_STATUSES.has(response.status)) return response;
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (!location) throw await networkError(transfer, url, `the server answered ${response.status} without a Location header`);
    if (hops >= MAX_REDIRECTS) throw await networkError(transfer, url, `the server redirected more than ${MAX_REDIRECTS} times`);
    url = new URL(location, url).href;
  }
}

/** Decides, from the status, whether to stream this response, start over, or finish from the part alone. */
async function planTransfer(transfer: Transfer, response: Response, start: number): Promise<TransferPlan> {
  const { file } = transfer;
  if (response.status === 416 && start > 0) {
    // We asked for bytes past the end: the part may already be whole (when the manifest gives no size).
    await response.body?.cancel();
    const total = parseUnsatisfiedRangeTotal(response.headers.get('content-range'));
    return total === start ? { kind: 'complete' } : { kind: 'restart' };
  }
  let served: { start: number; total: number | undefined };
  if (response.status === 206) {
    const range = parseContentRange(response.headers.get('content-range'));
    if (!range || range.start !== start) {
      // A range we did not ask for cannot be appended to the part.
      await response.body?.cancel();
      return { kind: 'restart' };
    }
    served = range;
  } else if (response.status === 200) {
    // 200 to a Range request means the server sends the whole file: start over with this very response.
    const length = response.headers.get('content-length');
    const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
    // A compressed body's Content-Length is not the file's size, so it cannot be checked against the manifest.
    served = { start: 0, total: length === null || encoded ? undefined : Number(length) };
  } else {
    await response.body?.cancel();
    throw await statusError(transfer, response);
  }
  if (file.size !== undefined && served.total !== undefined && served.total !== file.size) {
    await response.body?.cancel();
    if (served.start > 0) return { kind: 'restart' }; // the part may belong to an older version of the file
    await rm(transfer.partPath, { force: true });
    throw new ModelStoreError(
      'size',
      `${describeFile(file)}: ${transfer.url} serves ${served.total} bytes, but the manifest expects ${file.size}. ` +
        'The file on the hub changed (pin a commit as the revision) or the manifest is out of date; nothing was downloaded.',
      transfer.url,
    );
  }
  return { kind: 'stream', start: served.start, total: file.size ?? served.total };
}

/**
 * Appends the body to the part while hashing, then verifies and renames. A
 * failed read keeps the part (everything received is flushed first) so the
 * next call resumes; a wrong size or hash deletes it.
 */
async function streamToPart(transfer: Transfer, response: Response, { start, total }: { start: number; total: number | undefined }): Promise<void> {
  const { file, partPath } = transfer;
  const hash = await partHash(transfer, start);
  const body = response.body;
  if (!body) throw await networkError(transfer, response, 'the server answered without a body');
  const handle = await open(partPath, start === 0 ? 'w' : 'a');
  let written = start;
  let overflowed = false;
  let readFailure: unknown;
  transfer.report(written, total, false);
  try {
    const reader = body.getReader();
    for (;;) {
      let chunk: Uint8Array;
      try {
        const next = await reader.read();
        if (next.done) break;
        chunk = next.value;
      } catch (error) {
        readFailure = error;
        break;
      }
      if (file.size !== undefined && written + chunk.byteLength > file.size) {
        overflowed = true;
        await reader.cancel();
        break;
      }
      await handle.write(chunk);
      hash?.update(chunk);
      written += chunk.byteLength;
      transfer.report(written, total, false);
    }
    // Durable before the rename, so a crash cannot leave a renamed file with missing bytes.
    if (readFailure === undefined && !overflowed) await handle.sync();
  } finally {
    await handle.close();
  }

  if (readFailure !== undefined) {
    if (transfer.settings.signal?.aborted) throw readFailure;
    throw await networkError(transfer, response, `the transfer broke off (${describeCause(readFailure)})`, readFailure);
  }
  if (overflowed) {
    await rm(partPath, { force: true });
    throw sizeError(transfer, `more than ${file.size} bytes`);
  }
  if (total !== undefined && written < total) {
    // The server closed cleanly but early: resumable, like any interrupted transfer.
    throw await networkError(transfer, response, `the server stopped sending after ${written} of ${total} bytes`);
  }
  await finishPart(transfer, written, hash);
}

/** A hash primed with the bytes already in the part, or undefined when there is no sha256 to check. */
async function partHash(transfer: Transfer, start: number): Promise<Hash | undefined> {
  if (transfer.file.sha256 === undefined) return undefined;
  const hash = createHash('sha256');
  return start > 0 ? hashFileInto(hash, transfer.partPath) : hash;
}

/** Verifies a part that already holds every byte and renames it; false (part untouched) when it is wrong. */
async function completePartIfValid(transfer: Transfer, size: number): Promise<boolean> {
  if (transfer.file.size !== undefined && size !== transfer.file.size) return false;
  const hash = await partHash(transfer, size);
  if (hash !== undefined && hash.digest('hex') !== transfer.file.sha256) return false;
  await rename(transfer.partPath, transfer.destination);
  transfer.report(size, size, true);
  return true;
}

/** Checks size and hash; renames into place when right, deletes the part and throws when wrong. */
async function finishPart(transfer: Transfer, written: number, hash: Hash | undefined): Promise<void> {
  const { file, partPath } = transfer;
  if (file.size !== undefined && written !== file.size) {
    await rm(partPath, { force: true });
    throw sizeError(transfer, `${written} bytes`);
  }
  const actual = hash?.digest('hex');
  if (actual !== undefined && actual !== file.sha256) {
    await rm(partPath, { force: true });
    throw new ModelStoreError(
      'checksum',
      `Downloaded ${describeFile(file)} (${transfer.url}), but its SHA-256 is ${actual}, not ${file.sha256} as the manifest says, ` +
        'so it was deleted and the cache left as it was. The file on the hub changed (pin a commit as the revision) ' +
        'or the transfer was corrupted: try again.',
      transfer.url,
    );
  }
  await rename(partPath, transfer.destination);
  transfer.report(written, file.size ?? written, true);
}

async function discardPart(transfer: Transfer): Promise<0> {
  await rm(transfer.partPath, { force: true });
  return 0;
}

function sizeError(transfer: Transfer, got: string): ModelStoreError {
  return new ModelStoreError(
    'size',
    `Downloaded ${describeFile(transfer.file)} (${transfer.url}), but it came to ${got}, not ${transfer.file.size} as the manifest says, ` +
      'so it was deleted and the cache left as it was. The file on the hub changed (pin a commit as the revision) or the manifest is out of date.',
    transfer.url,
  );
}

async function statusError(transfer: Transfer, response: Response): Promise<ModelStoreError> {
  const { file, url, settings } = transfer;
  // The hub explains refusals in this header (e.g. "Access to model … is restricted").
  const hubMessage = response.headers.get('x-error-message');
  const said = `GET ${url} answered ${response.status}${hubMessage ? ` (${hubMessage})` : ''}`;
  if (response.status === 401 || response.status === 403) {
    const advice = settings.token
      ? 'The access token (HF_TOKEN) was refused: check that it is valid and has read access to the repository'
      : 'The repository may be private or gated: set HF_TOKEN to a Hugging Face access token with read access (https://huggingface.co/settings/tokens)';
    // The hub answers 401 rather than 404 for a repository that does not exist, so as not to reveal private ones.
    const orMissing = response.status === 401 ? ' The hub also answers 401 when the repository does not exist: check its name in the manifest.' : '';
    return new ModelStoreError(
      'unauthorized',
      `Not allowed to download ${describeFile(file)}: ${said}. ${advice}, and accept the model's terms on ${settings.endpoint}/${file.repo} ` +
        `if it is gated.${orMissing}`,
      url,
    );
  }
  if (response.status === 404) {
    return new ModelStoreError(
      'not-found',
      `${describeFile(file)} was not found: ${said}. Check the repo, revision and path in the model manifest` +
        `${settings.endpoint === 'https://huggingface.co' ? '' : `, and HF_ENDPOINT (${settings.endpoint})`}.`,
      url,
    );
  }
  return networkError(transfer, response, `the server answered ${response.status} ${response.statusText}${hubMessage ? ` (${hubMessage})` : ''}`);
}

/**
 * A `network` error that names the hub URL (and the redirect target that
 * failed, if any), and says whether a part is kept (it will resume) or what
 * to check.
 */
async function networkError(transfer: Transfer, failed: string | Response, what: string, cause?: unknown): Promise<ModelStoreError> {
  // fetch sets `url` to the last URL of a response; an injected fetch may leave it empty.
  const failedUrl = (typeof failed === 'string' ? failed : failed.url) || transfer.url;
  const from = failedUrl === transfer.url ? transfer.url : `${transfer.url} (redirected to ${failedUrl})`;
  const kept = (await regularFileSize(transfer.partPath)) ?? 0;
  const next =
    kept > 0
      ? `The partial download (${kept} bytes) is kept at ${transfer.partPath} and will resume on the next try.`
      : 'Check the network connection (and HF_ENDPOINT, if you use a mirror) and try again.';
  return new ModelStoreError('network', `Downloading ${describeFile(transfer.file)} from ${from} failed: ${what}. ${next}`, transfer.url, { cause });
}

/** `fetch` hides the useful part ("connect ECONNREFUSED …", "other side closed") in `cause`. */
function describeCause(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error.cause as { message?: string; code?: string } | undefined) : undefined;
  const detail = cause?.message || cause?.code;
  return detail && detail !== message ? `${message}: ${detail}` : message;
}

/** `bytes 100-4095/4096` → start 100, total 4096 (total undefined for `*`). */
function parseContentRange(header: string | null): { start: number; total: number | undefined } | undefined {
  const match = header?.match(/^bytes (\d+)-(\d+)\/(\d+|\*)$/);
  if (!match) return undefined;
  return { start: Number(match[1]), total: match[3] === '*' ? undefined : Number(match[3]) };
}

/** `bytes *\/4096` (the form a 416 carries) → 4096. */
function parseUnsatisfiedRangeTotal(header: string | null): number | undefined {
  const match = header?.match(/^bytes \*\/(\d+)$/);
  return match ? Number(match[1]) : undefined;
}

/** `"onnx/model.onnx" from org/repo (revision main)`: how every message names a file. */
export function describeFile(file: Pick<ModelFileSource, 'repo' | 'revision' | 'path'>): string {
  return `"${file.path}" from ${file.repo} (revision ${file.revision})`;
}
