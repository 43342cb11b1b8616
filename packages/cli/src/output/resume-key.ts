import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { InputFingerprint } from '@refractor/node';

export type { InputFingerprint } from '@refractor/node';

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

// The settings digest lives in the library, so every door's records carry the same one.
export { settingsDigest } from '@refractor/node/io';

/** The resume key of one input: path, content and settings together. */
export function resumeKey(file: string, input: InputFingerprint | undefined, settings: string): string {
  return JSON.stringify([file, input?.size ?? null, input?.sha256 ?? null, settings]);
}
