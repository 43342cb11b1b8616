import { buildNpyHeader } from '@refractor/train';
import { openOutputFile, type OutputFile } from './atomic.js';

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
 * dimension (the row count) is only known at the end. A regular file is
 * written to a temporary file beside its target and renamed into place on
 * {@link finish}; on {@link abort} (or a failed finish) the target is
 * untouched. Stdout (`-`), a device or a FIFO cannot seek back to the
 * header, so there the rows are held in memory and written whole at
 * {@link finish} (a song's features are megabytes, not gigabytes).
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
  /** Rows waiting for {@link finish} when the output cannot seek. */
  private readonly held: Uint8Array[] = [];

  private constructor(
    readonly path: string,
    readonly rowShape: readonly number[],
    private readonly output: OutputFile,
  ) {
    this.rowLength = rowShape.reduce((a, b) => a * b, 1);
  }

  static async create(path: string, rowShape: readonly number[]): Promise<NpyRowWriter> {
    const output = await openOutputFile(path);
    if (output.seekable) await output.write(npyHeader([0, ...rowShape]), 0);
    return new NpyRowWriter(path, rowShape, output);
  }

  /** Appends one row (or several, back to back). */
  async append(values: Float32Array): Promise<void> {
    if (values.length % this.rowLength !== 0) {
      throw new RangeError(`got ${values.length} values; expected a multiple of ${this.rowLength} (rows of [${this.rowShape.join(', ')}])`);
    }
    // Float32Array is little-endian on every platform Node supports.
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    if (this.output.seekable) await this.output.write(bytes, RESERVED_HEADER_BYTES + this.rows * this.rowLength * 4);
    else this.held.push(bytes.slice());
    this.rows += values.length / this.rowLength;
  }

  /** Fixes the shape in the header and moves the file into place (or writes it all out). */
  async finish(): Promise<{ rows: number }> {
    try {
      const header = npyHeader([this.rows, ...this.rowShape]);
      if (this.output.seekable) {
        await this.output.write(header, 0);
      } else {
        await this.output.write(header);
        for (const bytes of this.held.splice(0)) await this.output.write(bytes);
      }
      await this.output.commit();
      return { rows: this.rows };
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  /** Drops the temporary file (stdout and devices got nothing: rows are only written at finish). */
  async abort(): Promise<void> {
    this.held.length = 0;
    await this.output.abort();
  }
}
