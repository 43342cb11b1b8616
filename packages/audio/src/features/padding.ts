/**
 * Lengthening a clip shorter than one crop, as HF's `ClapFeatureExtractor._get_input_mel`
 * does before computing its mel.
 */
import { InvalidValueError } from '@refractor/core';
import type { ClapPadding } from './config.js';

/**
 * Fills `out` (length `targetLength`) from a clip of `1 ≤ n ≤ targetLength` samples:
 * - `repeatpad`: `floor(targetLength / n)` back-to-back copies, then zeros. When n divides
 *   the target exactly this is exactly `targetLength / n` copies and no zeros
 *   (transformers.js 4.3.1 drops the last copy in that case; HF Python does not, nor do we).
 * - `repeat`: copies until full, the last one cut short (`np.tile(x, k + 1)[:target]`).
 * - `pad`: the clip, then zeros.
 * A clip of exactly `targetLength` samples is copied unchanged in every mode.
 *
 * @example
 * ```ts
 * padToLength(clip100k, 480_000, 'repeatpad'); // 4 copies, then 80 000 zeros
 * ```
 */
export function padToLength(
  clip: Float32Array,
  targetLength: number,
  mode: ClapPadding,
  out: Float32Array = new Float32Array(targetLength),
): Float32Array {
  const n = clip.length;
  if (n < 1 || n > targetLength) {
    throw new InvalidValueError('waveform.length', n, `between 1 and ${targetLength} samples to pad`);
  }
  if (out.length !== targetLength) {
    throw new InvalidValueError('out.length', out.length, `${targetLength}`);
  }
  let filled: number;
  if (n === targetLength || mode === 'pad') {
    out.set(clip, 0);
    filled = n;
  } else {
    // HF: int(max_length / len(waveform)); exact for these integer sizes.
    const copies = Math.floor(targetLength / n);
    for (let c = 0; c < copies; c++) out.set(clip, c * n);
    filled = copies * n;
    if (mode === 'repeat' && filled < targetLength) {
      out.set(clip.subarray(0, targetLength - filled), filled);
      filled = targetLength;
    }
  }
  out.fill(0, filled);
  return out;
}
