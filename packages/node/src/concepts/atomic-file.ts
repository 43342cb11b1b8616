import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so that readers, in this process or another, see either no
 * file (or the old one) or the whole new one: written beside it under a
 * unique hidden name, then renamed over it (atomic on one file system).
 * Nothing is left behind on failure.
 *
 * @example
 * ```ts
 * await writeFileAtomic('/home/me/.cache/refractor/concepts/ab12…/cd34….f32', bytes);
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
