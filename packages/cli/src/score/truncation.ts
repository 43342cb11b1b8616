import { oggTruncation, type OggTruncation } from '@refractor/audio';
import { oggFileTruncation } from '@refractor/audio/node';

/**
 * Whether an input was cut short (Ogg Vorbis/Opus: see `oggTruncation`):
 * a file is read page header by page header, standard input from its bytes.
 * Undefined for whole files, other formats, and files that cannot be read
 * again (scoring already reported those).
 *
 * @example
 * ```ts
 * const cut = await truncationOf({ file: 'cut.ogg' });
 * cut?.reason; // 'the file ends inside the Ogg page at byte 196608 (3392 of its 4301 bytes are there)'
 * ```
 */
export async function truncationOf(input: { file: string; bytes?: Uint8Array }): Promise<OggTruncation | undefined> {
  const { bytes } = input;
  if (bytes) return oggTruncation(bytes.length, (offset, length) => bytes.subarray(offset, offset + length));
  return oggFileTruncation(input.file).catch(() => undefined);
}
