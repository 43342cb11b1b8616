import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { canonicalJson } from '@refractor/node';

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
  const hash = createHash('sha256');
  if (typeof input !== 'string') return { size: input.length, sha256: hash.update(input).digest('hex') };
  const { size } = await stat(input);
  for await (const chunk of createReadStream(input)) hash.update(chunk as Buffer);
  return { size, sha256: hash.digest('hex') };
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

/** The resume key of one input: path, content and settings together. */
export function resumeKey(file: string, input: InputFingerprint | undefined, settings: string): string {
  return JSON.stringify([file, input?.size ?? null, input?.sha256 ?? null, settings]);
}
