/**
 * Where the resampler's lowpass must be flat and where it must reject, in Hz.
 *
 * The spec, for a conversion between `inputRate` and `outputRate` whose lower Nyquist is `nyq`:
 * - passband 0 … `passbandHz` flat within ±0.01 dB, where `passbandHz` = 20 kHz, or 0.9·nyq when
 *   nyq < 22 kHz (8 kHz input: 3.6 kHz);
 * - every image or alias that LANDS in that passband is rejected by ≥ 100 dB;
 * - spurious components landing in the guard band between `passbandHz` and the guard band's top
 *   may be only partially rejected (the CLAP front end stops at 14 kHz, so they never reach it).
 *
 * Every spurious component comes from a frequency F ≥ nyq of the filtered signal (an image of the
 * input spectrum, or input content above the output Nyquist) and lands at F folded about
 * multiples of outputRate. The guard band is [passbandHz, min(outputRate/2, 2·nyq − passbandHz)]:
 * up to the output Nyquist, but never past the mirror image of the passband edge about nyq, so a
 * low-rate input (8 kHz → 48 kHz) does not spray full-level images over 4–24 kHz.
 *
 * When the guard band reaches the output Nyquist (44.1/44.056/47.999 kHz in, or any input above
 * 48 kHz, to 48 kHz out), everything from nyq up to outputRate − passbandHz folds into the guard
 * band, so the stopband may start at outputRate − passbandHz: 28 kHz instead of the textbook
 * 22.05 + 2.05 = 24.1 kHz. For 44.1 → 48 kHz this doubles the transition band (20 → 28 kHz instead
 * of 20 → 24.1 kHz) and so halves the filter: 36 taps per output sample instead of ~70. The price:
 * input content at 16.1–22.05 kHz leaves images at 22.05–28 kHz that are only partly attenuated
 * and land at 20–24 kHz in the output (an 18 kHz tone's image at 21.9 kHz is −31 dB), and content
 * above 20 kHz passes at reduced gain (−0.09 dB at 21 kHz, −6 dB at the ~23.7 kHz cutoff).
 * Otherwise the stopband starts at the guard band's top.
 */
export interface BandPlan {
  /** Top of the ±0.01 dB passband, Hz. */
  readonly passbandHz: number;
  /** Start of the ≥ 100 dB stopband, Hz (of the filter applied at the input's time scale). */
  readonly stopbandHz: number;
}

/** Below this lower Nyquist (Hz) the passband shrinks to 0.9·Nyquist instead of 20 kHz. */
const FULL_PASSBAND_MIN_NYQUIST = 22_000;
/** The passband edge when the lower Nyquist allows it: the top of human hearing. */
const FULL_PASSBAND_HZ = 20_000;
/** Fraction of the lower Nyquist kept as passband at low rates. */
const LOW_RATE_PASSBAND_FRACTION = 0.9;

/**
 * Chooses passband and stopband edges for converting `inputRate` to `outputRate` (Hz, not equal).
 *
 * @example
 * planBands(44100, 48000); // { passbandHz: 20000, stopbandHz: 28000 }
 * planBands(8000, 48000); // { passbandHz: 3600, stopbandHz: 4400 }
 * planBands(96000, 48000); // { passbandHz: 20000, stopbandHz: 28000 }
 */
export function planBands(inputRate: number, outputRate: number): BandPlan {
  const lowerNyquist = Math.min(inputRate, outputRate) / 2;
  const passbandHz =
    lowerNyquist >= FULL_PASSBAND_MIN_NYQUIST ? FULL_PASSBAND_HZ : LOW_RATE_PASSBAND_FRACTION * lowerNyquist;
  const mirroredPassbandEdge = 2 * lowerNyquist - passbandHz;
  const outputNyquist = outputRate / 2;
  const stopbandHz =
    mirroredPassbandEdge >= outputNyquist ? outputRate - passbandHz : mirroredPassbandEdge;
  return { passbandHz, stopbandHz };
}
