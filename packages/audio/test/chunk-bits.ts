// What the worker tests compare: every chunk's features, bit for bit (Object.is tells -0 from 0 and NaN from NaN).
import type { ChunkFeatures } from '../src/index.js';

/** The features of `chunks`, stopping after `stopAfter` (the consumer walking away early). */
export async function collectFeatures(chunks: AsyncIterable<ChunkFeatures>, stopAfter = Infinity): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for await (const chunk of chunks) {
    out.push(chunk.features);
    if (out.length >= stopAfter) break;
  }
  return out;
}

/** True when both songs have the same chunks with the same bits. */
export function sameBits(a: Float32Array[], b: Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, k) => x.length === b[k]!.length && x.every((v, i) => Object.is(v, b[k]![i])));
}
