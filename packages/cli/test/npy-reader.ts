import { readFileSync } from 'node:fs';

/**
 * An independent .npy reader for tests (the writer lives in src/npy.ts):
 * checks the magic, version and header padding, and returns shape and data.
 */
export function readNpy(path: string): { shape: number[]; descr: string; data: Float32Array; headerBytes: number } {
  const bytes = readFileSync(path);
  if (bytes.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error('bad magic');
  if (bytes[6] !== 1 || bytes[7] !== 0) throw new Error(`version ${bytes[6]}.${bytes[7]}`);
  const headerLength = bytes.readUInt16LE(8);
  const headerBytes = 10 + headerLength;
  if (headerBytes % 64 !== 0) throw new Error(`data offset ${headerBytes} is not 64-aligned`);
  const header = bytes.subarray(10, headerBytes).toString('latin1');
  if (!header.endsWith('\n')) throw new Error('header must end with a newline');
  const descr = /'descr': '([^']+)'/.exec(header)![1]!;
  if (!/'fortran_order': False/.test(header)) throw new Error('expected C order');
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1]!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const body = bytes.subarray(headerBytes);
  const data = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  return { shape, descr, data, headerBytes };
}
