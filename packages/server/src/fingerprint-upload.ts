import { createHash } from 'node:crypto';
import type { InputFingerprint } from '@refractor/node';

/** An upload's bytes passed through while their size and SHA-256 are taken. */
export interface FingerprintedBytes {
  bytes: AsyncIterable<Uint8Array>;
  /** Reads whatever the decoder left unread (trailing bytes still count), then gives the fingerprint. */
  fingerprint(): Promise<InputFingerprint>;
}

/**
 * Hashes an upload as it streams to the decoder (no second read, no copy
 * kept), for the `input` of the song record, which `refractor score` and the
 * queue record the same way.
 *
 * @example
 * ```ts
 * const hashed = fingerprintBytes(upload.bytes);
 * const song = await refractor.scoreFile(await openAudioStream(hashed.bytes), options);
 * const input = await hashed.fingerprint(); // { size, sha256 }
 * ```
 */
export function fingerprintBytes(source: AsyncIterable<Uint8Array>): FingerprintedBytes {
  const hash = createHash('sha256');
  let size = 0;
  const iterator = source[Symbol.asyncIterator]();
  const pull = async (): Promise<IteratorResult<Uint8Array>> => {
    const next = await iterator.next();
    if (!next.done) {
      hash.update(next.value);
      size += next.value.length;
    }
    return next;
  };
  // Calls next() by hand rather than for-await, so a consumer that stops early does not close the source: fingerprint() reads the rest.
  async function* bytes(): AsyncGenerator<Uint8Array> {
    for (let next = await pull(); !next.done; next = await pull()) yield next.value;
  }
  return {
    bytes: bytes(),
    async fingerprint() {
      while (!(await pull()).done);
      return { size, sha256: hash.digest('hex') };
    },
  };
}
