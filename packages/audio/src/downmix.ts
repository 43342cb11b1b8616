/**
 * Mixes channels to mono the way librosa.to_mono does (numpy's float32 mean
 * over the channel axis): channels summed in order in float32, then divided
 * by the channel count in float32. A single channel is returned as is.
 *
 * @example
 * ```ts
 * downmix([left, right]); // Float32Array of (l + r) / 2
 * ```
 */
export function downmix(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]!;
  const length = channels[0]!.length;
  const mono = new Float32Array(length);
  if (channels.length === 2) {
    const left = channels[0]!;
    const right = channels[1]!;
    // float32 a + b, then / 2 (exact in float32): the Float32Array store rounds the sum.
    for (let i = 0; i < length; i++) mono[i] = Math.fround(left[i]! + right[i]!) / 2;
    return mono;
  }
  mono.set(channels[0]!);
  for (let c = 1; c < channels.length; c++) {
    const channel = channels[c]!;
    for (let i = 0; i < length; i++) mono[i] = mono[i]! + channel[i]!;
  }
  const count = channels.length;
  for (let i = 0; i < length; i++) mono[i] = Math.fround(mono[i]! / count);
  return mono;
}
