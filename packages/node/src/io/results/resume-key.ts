import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { InputFingerprint } from '@refractor/core';
import { sha256OfFile } from '../../store/file-check.js';

export type { InputFingerprint } from '@refractor/core';

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

// The settings digest is `settingsDigest` (../settings-digest.ts): every door's records carry the same one.

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
