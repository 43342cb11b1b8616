import { openOutputFile, type OpenOutputOptions } from './output-file.js';

export { temporaryPathFor } from './output-file.js';

/**
 * Writes a whole output by the rules of {@link openOutputFile}: for a regular
 * file (or a link to one) readers, in this process or another, see either the
 * old content (or no file) or the whole new one, because it is written in the
 * target's folder and renamed over it, and nothing is left behind on failure;
 * `-` writes to stdout; a device, FIFO or `/dev/stdout` is written in place.
 *
 * @example
 * ```ts
 * await writeFileAtomic('report.yaml', text);
 * await writeFileAtomic('-', text); // stdout
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: OpenOutputOptions = {}): Promise<void> {
  const out = await openOutputFile(path, options);
  try {
    await out.write(data);
    await out.commit();
  } catch (error) {
    await out.abort();
    throw error;
  }
}
