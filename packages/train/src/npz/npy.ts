import { NpzFormatError } from './errors.js';
import { buildNpyHeader, parseNpyHeader } from './npy-header.js';

/** A NumPy array this package reads and writes: float32, or strings (unicode or bytes on disk). */
export type NpyArray = { dtype: 'float32'; shape: number[]; data: Float32Array } | { dtype: 'unicode'; shape: number[]; data: string[] };

/** How the bytes of one element look on disk. */
type Layout = { kind: 'float32'; littleEndian: boolean } | { kind: 'unicode'; littleEndian: boolean; chars: number } | { kind: 'bytes'; length: number };

const PLATFORM_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The dtypes we understand, or an error saying what we got and what to do about it. */
function layoutOf(descr: string, name: string): Layout {
  const match = /^([<>=|]?)([a-zA-Z])(\d*)$/.exec(descr);
  const [, order = '', kind = '', size = ''] = match ?? [];
  // '=' is native order; NumPy only writes it for types where order does not matter.
  const littleEndian = order !== '>';
  if (kind === 'f' && size === '4') return { kind: 'float32', littleEndian };
  if (kind === 'U' && size !== '') return { kind: 'unicode', littleEndian, chars: Number(size) };
  if ((kind === 'S' || kind === 'a') && size !== '') return { kind: 'bytes', length: Number(size) };
  if (kind === 'O') {
    throw new NpzFormatError(
      `${name}: dtype ${descr} (Python objects) is stored with pickle, which this reader does not run; ` +
        're-save the array as fixed-width strings (np.array(values, dtype=str)) or float32',
    );
  }
  throw new NpzFormatError(
    `${name}: unsupported dtype ${descr}; expected float32 (<f4 or >f4) or strings (<U…, |S…)` +
      (kind === 'f' ? ` (convert with array.astype(np.float32))` : ''),
  );
}

function itemSize(layout: Layout): number {
  if (layout.kind === 'float32') return 4;
  if (layout.kind === 'unicode') return 4 * layout.chars;
  return layout.length;
}

/** For each C-order position, the position of the same element in Fortran order. */
function fortranIndex(shape: readonly number[], count: number): Uint32Array {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  let stride = 1;
  for (let d = 0; d < rank; d++) {
    strides[d] = stride;
    stride *= shape[d]!;
  }
  const index = new Uint32Array(count);
  const counter = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let c = 0; c < count; c++) {
    index[c] = offset;
    // Advance the multi-index in C order (last axis fastest), tracking the Fortran offset.
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]! += 1;
      offset += strides[d]!;
      if (counter[d]! < shape[d]!) break;
      offset -= counter[d]! * strides[d]!;
      counter[d] = 0;
    }
  }
  return index;
}

function decodeFloats(bytes: Uint8Array, count: number, littleEndian: boolean): Float32Array {
  if (littleEndian === PLATFORM_LITTLE_ENDIAN) {
    // Copy: the data inside a zip entry need not be 4-byte aligned.
    return new Float32Array(bytes.slice(0, count * 4).buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 4);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, littleEndian);
  return out;
}

function decodeStrings(bytes: Uint8Array, count: number, layout: Extract<Layout, { kind: 'unicode' | 'bytes' }>, name: string): string[] {
  const out = new Array<string>(count);
  if (layout.kind === 'bytes') {
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    for (let i = 0; i < count; i++) {
      let end = (i + 1) * layout.length;
      // NumPy pads with NULs and strips trailing NULs when reading: do the same.
      while (end > i * layout.length && bytes[end - 1] === 0) end--;
      try {
        out[i] = utf8.decode(bytes.subarray(i * layout.length, end));
      } catch {
        throw new NpzFormatError(`${name}: element ${i} of a bytes (|S${layout.length}) array is not UTF-8 text`);
      }
    }
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const codePoints: number[] = [];
  for (let i = 0; i < count; i++) {
    codePoints.length = 0;
    for (let c = 0; c < layout.chars; c++) {
      const point = view.getUint32((i * layout.chars + c) * 4, layout.littleEndian);
      if (point === 0) break;
      if (point > 0x10ffff) throw new NpzFormatError(`${name}: element ${i} holds ${point}, not a Unicode code point (is the array really <U${layout.chars}?)`);
      codePoints.push(point);
    }
    out[i] = String.fromCodePoint(...codePoints);
  }
  return out;
}

/**
 * Reads one .npy file: float32 (either byte order) and string arrays
 * (`<U…` UTF-32, `|S…` bytes read as UTF-8), C or Fortran order (Fortran
 * arrays come back in C order). `name` is used in error messages, e.g.
 * `embeddings.npz: clap_embs`.
 *
 * @example
 * ```ts
 * const array = parseNpy(readFileSync('clap_embs.npy'), 'clap_embs.npy');
 * if (array.dtype === 'float32') console.log(array.shape, array.data[0]);
 * ```
 */
export function parseNpy(bytes: Uint8Array, name = '.npy'): NpyArray {
  const header = parseNpyHeader(bytes, name);
  const layout = layoutOf(header.descr, name);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const expected = count * itemSize(layout);
  const body = bytes.subarray(header.dataOffset);
  if (body.length !== expected) {
    throw new NpzFormatError(
      `${name}: ${body.length < expected ? 'truncated' : 'unexpected trailing'} data: ${body.length} bytes for shape (${header.shape.join(', ')}) of ${header.descr}; expected ${expected}`,
    );
  }
  const order = header.fortranOrder && header.shape.length > 1 ? fortranIndex(header.shape, count) : undefined;
  const shape = header.shape;
  if (layout.kind === 'float32') {
    const stored = decodeFloats(body, count, layout.littleEndian);
    return { dtype: 'float32', shape, data: order ? Float32Array.from(order, (at) => stored[at]!) : stored };
  }
  const stored = decodeStrings(body, count, layout, name);
  return { dtype: 'unicode', shape, data: order ? Array.from(order, (at) => stored[at]!) : stored };
}

/** Checks that an array's data fills its shape, before anything is written. */
function checkShape(array: NpyArray, name: string): void {
  if (!array.shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new NpzFormatError(`${name}: shape (${array.shape.join(', ')}) must hold non-negative integers`);
  }
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) {
    throw new NpzFormatError(`${name}: ${array.data.length} values for shape (${array.shape.join(', ')}); expected ${count}`);
  }
}

/**
 * Encodes one array as a .npy v1.0 file, as `np.save` writes it: float32 as
 * `<f4`, strings as `<U{n}` (UTF-32LE, n = the longest string in code points,
 * at least 1, shorter strings NUL-padded), C order.
 *
 * @example
 * ```ts
 * writeFileSync('colors.npy', encodeNpy({ dtype: 'unicode', shape: [2], data: ['Red', 'Indigo'] })); // dtype <U6
 * ```
 */
export function encodeNpy(array: NpyArray, name = '.npy'): Uint8Array {
  checkShape(array, name);
  if (array.dtype === 'float32') {
    const header = buildNpyHeader('<f4', array.shape);
    const out = new Uint8Array(header.length + array.data.length * 4);
    out.set(header, 0);
    const view = new DataView(out.buffer, header.length);
    array.data.forEach((value, i) => view.setFloat32(i * 4, value, true));
    return out;
  }
  if (array.dtype !== 'unicode') throw new NpzFormatError(`${name}: unsupported dtype ${JSON.stringify((array as { dtype: unknown }).dtype)}; expected 'float32' or 'unicode'`);
  const points = array.data.map((text, i) => {
    if (typeof text !== 'string') throw new NpzFormatError(`${name}: element ${i} is ${typeof text}; expected a string`);
    return Array.from(text, (char) => char.codePointAt(0)!);
  });
  // NumPy never makes a zero-width unicode dtype for an array of strings.
  const chars = Math.max(1, ...points.map((p) => p.length));
  const header = buildNpyHeader(`<U${chars}`, array.shape);
  const out = new Uint8Array(header.length + points.length * chars * 4);
  out.set(header, 0);
  const view = new DataView(out.buffer, header.length);
  points.forEach((codes, i) => codes.forEach((code, c) => view.setUint32((i * chars + c) * 4, code, true)));
  return out;
}
