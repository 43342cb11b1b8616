import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { sha256OfFile } from '../../store/file-check.js';

/** What identifies an input's content: its size and SHA-256. */
export interface InputFingerprint {
  size: number;
  sha256: string;
}

/**
 * The fingerprint of a file (streamed, so any size) or of bytes in memory.
 *
 * @example
 * ```ts
 * await fingerprint('song.wav'); // { size: 5292044, sha256: '9f86d0…' }
 * ```
 */
export async function fingerprint(input: string | Uint8Array): Promise<InputFingerprint> {
  if (typeof input !== 'string') return { size: input.length, sha256: createHash('sha256').update(input).digest('hex') };
  const { size } = await stat(input);
  return { size, sha256: await sha256OfFile(input) };
}

/** JSON with keys sorted at every level, so equal settings always give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * A short, stable digest of the settings that decide a result (models,
 * concept, target, chunking, crop, seed, …; never the batch size or thread
 * count, which do not change results): two runs with equal digests give
 * equal records, which is what `--resume` relies on.
 *
 * @example
 * ```ts
 * settingsDigest({ command: 'score', models: 'tiny', crop: 'start', seed: 0 }); // '3b1f…' (16 hex digits)
 * ```
 */
export function settingsDigest(settings: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 16);
}

/**
 * The resume key of one input: path, content and settings together.
 *
 * @example
 * ```ts
 * const key = resumeKey('a.wav', await fingerprint('a.wav'), settingsDigest(settings));
 * ```
 */
export function resumeKey(file: string, input: InputFingerprint | undefined, settings: string): string {
  return JSON.stringify([file, input?.size ?? null, input?.sha256 ?? null, settings]);
}
