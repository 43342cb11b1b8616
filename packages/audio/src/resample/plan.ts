import { planBands, type BandPlan } from './band-plan.js';
import { designKaiserLowpass, type KaiserLowpass } from './kaiser.js';
import { buildPolyphaseTable, type PolyphaseTable } from './polyphase.js';
import { reduceRatio, type RateRatio } from './rates.js';

/** Everything fixed for one (inputRate, outputRate) pair: immutable, so instances share it. */
export interface ResamplerPlan {
  readonly ratio: RateRatio;
  readonly bands: BandPlan;
  readonly lowpass: KaiserLowpass;
  readonly table: PolyphaseTable;
}

/**
 * Plans are cached because an awkward ratio's table takes a few tens of milliseconds to build
 * (44056 Hz: 6000 phases × 36 taps of sin + Bessel) and a pipeline typically opens one resampler
 * per song at the same few rates. A handful of entries covers that; the oldest is evicted.
 */
const PLAN_CACHE_SIZE = 8;
const planCache = new Map<string, ResamplerPlan>();

/**
 * The ratio, band edges, lowpass and polyphase table for converting `inputRate` to `outputRate`
 * (validated, unequal integer rates).
 *
 * @example
 * planResampler(44100, 48000).table.tapsPerPhase; // 36
 */
export function planResampler(inputRate: number, outputRate: number): ResamplerPlan {
  const key = `${inputRate}:${outputRate}`;
  const cached = planCache.get(key);
  if (cached !== undefined) return cached;
  const ratio = reduceRatio(inputRate, outputRate);
  const bands = planBands(inputRate, outputRate);
  // Edges in cycles per input sample: the filter runs at the input's time scale either way.
  const lowpass = designKaiserLowpass(bands.passbandHz / inputRate, bands.stopbandHz / inputRate);
  const plan: ResamplerPlan = { ratio, bands, lowpass, table: buildPolyphaseTable(lowpass, ratio.up) };
  if (planCache.size >= PLAN_CACHE_SIZE) planCache.delete(planCache.keys().next().value as string);
  planCache.set(key, plan);
  return plan;
}
