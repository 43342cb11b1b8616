/**
 * The `fusion` truncation's 4-channel input: the whole-song mel shrunk along time to one
 * crop's frame count, then three crops of it, as HF's `_random_mel_fusion` stacks them.
 */
import { InvalidValueError } from '@refractor/core';

/**
 * Resizes a float32 `[srcFrames][melBins]` mel to `[dstFrames][melBins]` exactly as
 * `torch.nn.functional.interpolate(mode="bilinear", align_corners=False)` does on a
 * float32 CPU tensor (the mel axis keeps its size, so only time is interpolated).
 *
 * torch computes the source positions in float32 (its `opmath_t` for float):
 * `scale = f32(srcFrames) / dstFrames`, `src = scale·(i + 0.5) − 0.5` with each
 * operation rounded to float32, clamped at 0; `λ = src − floor(src)`, rows
 * `floor(src)` and the next one (or the same at the end), weights `1 − λ` and `λ`.
 * Doing this in float64 instead moves λ by up to float32's ulp of `src` (≈0.002 at
 * 20 000 frames, a 4-minute song) and the output by up to ~5e-3 dB.
 * Each output is `f32(f32(a·(1 − λ)) + f32(b·λ))`, torch's accumulation order.
 *
 * @example
 * ```ts
 * const shrunk = bilinearShrinkFrames(wholeSongMel, 24001, 64, 1001);
 * ```
 */
export function bilinearShrinkFrames(
  source: Float32Array,
  srcFrames: number,
  melBins: number,
  dstFrames: number,
  out: Float32Array = new Float32Array(dstFrames * melBins),
): Float32Array {
  if (source.length !== srcFrames * melBins) {
    throw new InvalidValueError('source.length', source.length, `srcFrames × melBins = ${srcFrames * melBins}`);
  }
  if (!Number.isInteger(dstFrames) || dstFrames < 1) {
    throw new InvalidValueError('dstFrames', dstFrames, 'a positive integer');
  }
  if (out.length !== dstFrames * melBins) {
    throw new InvalidValueError('out.length', out.length, `dstFrames × melBins = ${dstFrames * melBins}`);
  }
  if (srcFrames === dstFrames) {
    // torch's same-size shortcut: weights (1, 0) on the same row, i.e. a copy.
    out.set(source);
    return out;
  }
  const f32 = Math.fround;
  // area_pixel_compute_scale (align_corners=False, no scale_factor): f32(in) / out.
  const scale = f32(srcFrames / dstFrames);
  for (let i = 0; i < dstFrames; i++) {
    // area_pixel_compute_source_index: float32 product, then float32 subtraction.
    let position = f32(f32(scale * f32(i + 0.5)) - 0.5);
    if (position < 0) position = 0;
    // guard_index_and_lambda + compute_source_index_and_lambda.
    const row0 = Math.min(Math.floor(position), srcFrames - 1);
    const lambda1 = f32(Math.min(Math.max(f32(position - row0), 0), 1));
    const lambda0 = f32(1 - lambda1);
    const row1 = row0 < srcFrames - 1 ? row0 + 1 : row0;
    const a = row0 * melBins;
    const b = row1 * melBins;
    const o = i * melBins;
    for (let m = 0; m < melBins; m++) {
      // The Float32Array store performs the final float32 rounding of the sum.
      out[o + m] = f32(source[a + m]! * lambda0) + f32(source[b + m]! * lambda1);
    }
  }
  return out;
}

/**
 * Writes the fusion stack `[shrunk, front, middle, back]` (HF's channel order) into
 * `out` (`4 × chunkFrames × melBins`): channel 0 is {@link bilinearShrinkFrames} of the
 * whole mel, channels 1–3 are `chunkFrames` rows starting at the given frame offsets.
 *
 * @example
 * ```ts
 * stackFusionChannels(mel, totalFrames, 64, 1001, [10, 8000, 16000], out);
 * ```
 */
export function stackFusionChannels(
  mel: Float32Array,
  totalFrames: number,
  melBins: number,
  chunkFrames: number,
  offsets: readonly [number, number, number],
  out: Float32Array = new Float32Array(4 * chunkFrames * melBins),
): Float32Array {
  const channelSize = chunkFrames * melBins;
  if (out.length !== 4 * channelSize) {
    throw new InvalidValueError('out.length', out.length, `4 × ${chunkFrames} × ${melBins} = ${4 * channelSize}`);
  }
  bilinearShrinkFrames(mel, totalFrames, melBins, chunkFrames, out.subarray(0, channelSize));
  offsets.forEach((offset, k) => {
    if (!Number.isInteger(offset) || offset < 0 || offset + chunkFrames > totalFrames) {
      throw new InvalidValueError(`offsets[${k}]`, offset, `a frame offset in [0, ${totalFrames - chunkFrames}]`);
    }
    out.set(mel.subarray(offset * melBins, offset * melBins + channelSize), (k + 1) * channelSize);
  });
  return out;
}
