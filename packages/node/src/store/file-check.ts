import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/**
 * The size of a regular file, or undefined when there is none at `path`
 * (missing, or a directory). Other errors (permissions) are thrown.
 *
 * @example
 * ```ts
 * const size = await regularFileSize('/tmp/model.onnx'); // 1234 or undefined
 * ```
 */
export async function regularFileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * Streams a file's bytes into `hash` (so a resumed download can hash what it
 * already has, then keep hashing what arrives) and returns the hash.
 *
 * @example
 * ```ts
 * const hash = await hashFileInto(createHash('sha256'), 'model.onnx.part');
 * ```
 */
export async function hashFileInto(hash: Hash, path: string): Promise<Hash> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash;
}

/**
 * The lowercase hex SHA-256 of a file, read in 1 MiB chunks (model files are
 * hundreds of MB, so never read whole).
 *
 * @example
 * ```ts
 * await sha256OfFile('refractor_cdm.onnx'); // 'e3b0c442…'
 * ```
 */
export async function sha256OfFile(path: string): Promise<string> {
  return (await hashFileInto(createHash('sha256'), path)).digest('hex');
}
