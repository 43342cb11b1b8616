import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { buildNpyHeader } from '@refractor/train';
import { temporaryPathFor } from './atomic.js';

// No npm package streams float32 rows to disk with a shape fixed at the end:
// we reserve a fixed-size header (from @refractor/node's .npy header builder)
// and rewrite it in place when the row count is known.

/** Header size we reserve up front (a multiple of 64, as NumPy aligns data): fits any 4-d shape. */
const RESERVED_HEADER_BYTES = 128;

/** The .npy v1.0 header for a little-endian float32 C-order array of `shape`, exactly {@link RESERVED_HEADER_BYTES} long. */
export function npyHeader(shape: readonly number[]): Uint8Array {
  const header = buildNpyHeader('<f4', shape, RESERVED_HEADER_BYTES);
  if (header.length !== RESERVED_HEADER_BYTES) throw new RangeError(`shape (${shape.join(', ')}) does not fit a ${RESERVED_HEADER_BYTES}-byte header`);
  return header;
}

/**
 * Streams float32 rows of a fixed row shape into a .npy file whose first
 * dimension (the row count) is only known at the end. Writes to a temporary
 * file beside the target and renames it into place on {@link finish}; on
 * {@link abort} (or a failed finish) the target is untouched.
 *
 * @example
 * ```ts
 * const npy = await NpyRowWriter.create('features.npy', [1, 1001, 64]);
 * for await (const chunk of chunks) await npy.append(chunk.features);
 * await npy.finish(); // shape (rows, 1, 1001, 64)
 * ```
 */
export class NpyRowWriter {
  private rows = 0;
  private readonly rowLength: number;

  private constructor(
    readonly path: string,
    readonly rowShape: readonly number[],
    private readonly temporaryPath: string,
    private readonly handle: FileHandle,
  ) {
    this.rowLength = rowShape.reduce((a, b) => a * b, 1);
  }

  static async create(path: string, rowShape: readonly number[]): Promise<NpyRowWriter> {
    const temporaryPath = temporaryPathFor(path);
    const handle = await open(temporaryPath, 'w');
    await handle.write(npyHeader([0, ...rowShape]), 0, RESERVED_HEADER_BYTES, 0);
    return new NpyRowWriter(path, rowShape, temporaryPath, handle);
  }

  /** Appends one row (or several, back to back). */
  async append(values: Float32Array): Promise<void> {
    if (values.length % this.rowLength !== 0) {
      throw new RangeError(`got ${values.length} values; expected a multiple of ${this.rowLength} (rows of [${this.rowShape.join(', ')}])`);
    }
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    // Float32Array is little-endian on every platform Node supports.
    await this.handle.write(bytes, 0, bytes.length, RESERVED_HEADER_BYTES + this.rows * this.rowLength * 4);
    this.rows += values.length / this.rowLength;
  }

  /** Fixes the shape in the header and moves the file into place. */
  async finish(): Promise<{ rows: number }> {
    try {
      await this.handle.write(npyHeader([this.rows, ...this.rowShape]), 0, RESERVED_HEADER_BYTES, 0);
      await this.handle.close();
      await rename(this.temporaryPath, this.path);
      return { rows: this.rows };
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  /** Drops the temporary file. */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.temporaryPath, { force: true });
  }
}
