import { createHash } from 'node:crypto';

// The sha256 of a file is @refractor/node's `sha256OfFile` (streamed; from the
// `io` subpath, which a job client can import without loading onnxruntime-node).

/** sha256 of bytes, hex. */
export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
