import { NpzFormatError } from './errors.js';

// The .npy format (numpy/lib/format.py): a magic string, a version, a header
// length, then a Python dict literal padded with spaces and ending in '\n' so
// that the data starts on a 64-byte boundary. Hand-written because it is tiny
// and the npm packages for it either lack unicode arrays or pull in a lot.

/** `\x93NUMPY`: the first six bytes of every .npy file. */
export const NPY_MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);
/** NumPy aligns the data of arrays it writes to this many bytes (format.ARRAY_ALIGN). */
const ARRAY_ALIGN = 64;

/** What a .npy header says about its array. */
export interface NpyHeader {
  /** The dtype string, e.g. `<f4`, `>f4`, `<U12`, `|S5`, `|O`. */
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data in the file. */
  dataOffset: number;
}

/**
 * Builds a .npy header (version 1.0, or 2.0 for headers over 64 KiB) for an
 * array of `descr` and `shape` in C order, padded so the data starts on a
 * 64-byte boundary, as NumPy writes it.
 *
 * @example
 * ```ts
 * buildNpyHeader('<f4', [3, 512]); // 128 bytes: \x93NUMPY\x01\x00… {'descr': '<f4', 'fortran_order': False, 'shape': (3, 512), }
 * ```
 */
export function buildNpyHeader(descr: string, shape: readonly number[], minBytes = 0): Uint8Array {
  // Python's repr of a tuple: a 1-tuple keeps its trailing comma.
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const text = new TextEncoder().encode(dict);
  const bigHeader = 10 + text.length + 1 > 0xffff;
  const preamble = bigHeader ? 12 : 10;
  // `minBytes` lets a streaming writer reserve a header it can rewrite in place once the shape is known.
  const total = Math.ceil(Math.max(preamble + text.length + 1, minBytes) / ARRAY_ALIGN) * ARRAY_ALIGN;
  const bytes = new Uint8Array(total).fill(0x20);
  bytes.set(NPY_MAGIC, 0);
  bytes[6] = bigHeader ? 2 : 1;
  bytes[7] = 0;
  const view = new DataView(bytes.buffer);
  if (bigHeader) view.setUint32(8, total - preamble, true);
  else view.setUint16(8, total - preamble, true);
  bytes.set(text, preamble);
  bytes[total - 1] = 0x0a;
  return bytes;
}

/**
 * Reads the header of a .npy file: versions 1.0, 2.0 and 3.0 (UTF-8 header).
 * Throws an {@link NpzFormatError} naming `name` when the bytes are not a
 * .npy file or the header is not the dict NumPy writes.
 *
 * @example
 * ```ts
 * const { descr, shape, dataOffset } = parseNpyHeader(bytes, 'clap_embs.npy'); // '<f4', [3, 512], 128
 * ```
 */
export function parseNpyHeader(bytes: Uint8Array, name: string): NpyHeader {
  if (bytes.length < 10 || NPY_MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new NpzFormatError(`${name}: not a .npy file (expected the magic bytes \\x93NUMPY at the start)`);
  }
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new NpzFormatError(`${name}: .npy format version ${major}.${bytes[7]} is not supported (expected 1.0, 2.0 or 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const preamble = major === 1 ? 10 : 12;
  if (bytes.length < preamble) throw new NpzFormatError(`${name}: truncated .npy header`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = preamble + headerLength;
  if (dataOffset > bytes.length) throw new NpzFormatError(`${name}: truncated .npy header (${headerLength} bytes announced, ${bytes.length - preamble} present)`);
  const decoder = new TextDecoder(major === 3 ? 'utf-8' : 'latin1');
  const text = decoder.decode(bytes.subarray(preamble, dataOffset));
  return { ...parseHeaderDict(text, name), dataOffset };
}

/** Parses `{'descr': …, 'fortran_order': …, 'shape': (…), }`, the only form NumPy writes. */
function parseHeaderDict(text: string, name: string): Omit<NpyHeader, 'dataOffset'> {
  const bad = (what: string) => new NpzFormatError(`${name}: .npy header ${what}: ${JSON.stringify(text.trim())}`);
  const descrMatch = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(text);
  if (!descrMatch) {
    // A list instead of a string is a structured dtype (records).
    if (/['"]descr['"]\s*:\s*\[/.test(text)) throw new NpzFormatError(`${name}: structured dtypes (record arrays) are not supported; expected float32 or string arrays`);
    throw bad("has no 'descr' string");
  }
  const orderMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (!orderMatch) throw bad("has no 'fortran_order' True/False");
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shapeMatch) throw bad("has no 'shape' tuple");
  const shape = shapeMatch[1]!
    .split(',')
    .map((part) => part.trim().replace(/L$/, '')) // Python 2 wrote longs as 3L
    .filter((part) => part !== '')
    .map((part) => {
      if (!/^\d+$/.test(part)) throw bad(`has a shape entry ${JSON.stringify(part)} that is not a non-negative integer`);
      return Number(part);
    });
  return { descr: descrMatch[2]!, fortranOrder: orderMatch[1] === 'True', shape };
}
