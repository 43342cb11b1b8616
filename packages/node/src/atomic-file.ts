import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * A hidden temporary path beside `path`, unique to this process and call, on
 * the same file system so a rename into place is atomic.
 *
 * @example
 * ```ts
 * temporaryPathFor('/out/report.yaml'); // '/out/.report.yaml.4242.9f3ab1c2.tmp'
 * ```
 */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes a file so that readers, in this process or another, see either the
 * old content (or no file) or the whole new one: written beside it, then
 * renamed over it. Nothing is left behind on failure.
 *
 * @example
 * ```ts
 * await writeFileAtomic('report.yaml', text);
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = temporaryPathFor(path);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
