/**
 * What the package's WebAssembly SIMD kernels (the resampler's and the spectrogram's) share:
 * instantiating a checked-in module where the runtime can, and decoding its base64.
 */

/**
 * The part of the WebAssembly JS API used here. Declared locally because the package compiles
 * against ES2022 alone (no DOM lib, and this @types/node does not declare it); at run time it is
 * the host's global, absent in a few runtimes (checked before use).
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
} | undefined;

const compiled = new WeakMap<Uint8Array, object>();

/** Bytes per WebAssembly memory page. */
export const PAGE_BYTES = 65536;

/**
 * The exports of a new instance of the module `bytes` (no imports), or null where this runtime
 * cannot run it: no WebAssembly, an engine without the SIMD proposal (validate fails), or a
 * Content-Security-Policy without 'wasm-unsafe-eval' (compiling throws). Callers then fall back to
 * their JS code, which gives the same bits.
 *
 * @example
 * const exports = instantiateWasm(decodeBase64(SIMD_KERNEL_BASE64)); // null → use the JS kernels
 */
export function instantiateWasm(bytes: Uint8Array): unknown {
  try {
    if (typeof WebAssembly !== 'object' || WebAssembly === null) return null;
    if (!WebAssembly.validate(bytes)) return null;
    // Synchronous compile: our modules are a few KiB, which every browser allows on any thread.
    // Compiled once per bytes object (an extractor per song would otherwise compile it per song).
    let module = compiled.get(bytes);
    if (!module) compiled.set(bytes, (module = new WebAssembly.Module(bytes)));
    return new WebAssembly.Instance(module, {}).exports;
  } catch {
    return null;
  }
}

/**
 * Grows `memory` to at least `bytes`; true when it grew (the caller must then remake its views:
 * growing detaches the old buffer).
 *
 * @example
 * if (reserveMemory(exports.memory, needed)) f64 = new Float64Array(exports.memory.buffer);
 */
export function reserveMemory(memory: WasmMemory, bytes: number): boolean {
  if (memory.buffer.byteLength >= bytes) return false;
  memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
  return true;
}

/**
 * Base64 to bytes without Buffer or atob, so it runs the same in every runtime.
 *
 * @example
 * decodeBase64('AGFzbQ=='); // Uint8Array [0, 97, 115, 109]
 */
export function decodeBase64(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const clean = text.replace(/=+$/, '');
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (let i = 0; i < clean.length; i++) {
    value = (value << 6) | alphabet.indexOf(clean[i]!);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (value >> bits) & 0xff;
    }
  }
  return bytes;
}
