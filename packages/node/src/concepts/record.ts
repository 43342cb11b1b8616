import { RefractorError } from '@refractor/core';

/** First bytes of every cached concept file: format name and version. */
const MAGIC = Buffer.from('RFCEMB1\n', 'latin1');
const HEADER_BYTES = MAGIC.length + 8;

/**
 * One cached concept as bytes: magic, the vector's length and the text's
 * UTF-8 length (uint32 LE), the text itself (so a hash collision or a
 * misplaced file is caught on read), zero padding to a multiple of 4, then
 * the vector as float32 LE — exactly the values computed, so a cached
 * embedding is bitwise the computed one.
 *
 * @example
 * ```ts
 * const bytes = encodeConceptRecord('A song about forgetting the future', embedding);
 * decodeConceptRecord(bytes, 'A song about forgetting the future', 768); // the same 768 floats
 * ```
 */
export function encodeConceptRecord(text: string, embedding: Float32Array): Uint8Array {
  const textBytes = Buffer.from(text, 'utf8');
  const vectorAt = align4(HEADER_BYTES + textBytes.length);
  const bytes = Buffer.alloc(vectorAt + embedding.length * 4);
  MAGIC.copy(bytes, 0);
  bytes.writeUInt32LE(embedding.length, MAGIC.length);
  bytes.writeUInt32LE(textBytes.length, MAGIC.length + 4);
  textBytes.copy(bytes, HEADER_BYTES);
  for (let i = 0; i < embedding.length; i++) bytes.writeFloatLE(embedding[i]!, vectorAt + i * 4);
  return bytes;
}

/**
 * The vector of a cached concept file, or a {@link RefractorError} saying
 * what is wrong with it (another format, truncated, another text, another
 * length) — the caller treats any error as a miss and recomputes.
 */
export function decodeConceptRecord(bytes: Buffer, text: string, dims: number): Float32Array {
  const fail = (why: string) => new RefractorError(`cached concept record: ${why}`);
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw fail('not a Refractor concept record');
  const length = bytes.readUInt32LE(MAGIC.length);
  const textLength = bytes.readUInt32LE(MAGIC.length + 4);
  if (length !== dims) throw fail(`holds ${length} values, expected ${dims}`);
  const vectorAt = align4(HEADER_BYTES + textLength);
  if (bytes.length !== vectorAt + length * 4) throw fail(`is ${bytes.length} bytes, expected ${vectorAt + length * 4} (truncated or padded)`);
  if (bytes.toString('utf8', HEADER_BYTES, HEADER_BYTES + textLength) !== text) throw fail('holds another text');
  const embedding = new Float32Array(length);
  for (let i = 0; i < length; i++) embedding[i] = bytes.readFloatLE(vectorAt + i * 4);
  return embedding;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
