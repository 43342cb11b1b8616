/**
 * The CLAP feature extractor's settings: the fields of a checkpoint's
 * `preprocessor_config.json` that Hugging Face's `ClapFeatureExtractor`
 * actually reads, validated, with the values of `laion/larger_clap_music`.
 */
import { InvalidValueError } from '@refractor/core';

/**
 * How audio shorter than `nb_max_samples` is lengthened, as in HF's `_get_input_mel`:
 * - `repeatpad`: tile the clip `floor(nb_max_samples / n)` times, then zero-pad the rest;
 * - `repeat`: tile the clip `floor(nb_max_samples / n) + 1` times and cut to length;
 * - `pad`: zero-pad only (HF does this for any value other than the two above; the
 *   original Refractor wrapper passed `padding=True`, which lands here).
 */
export type ClapPadding = 'repeatpad' | 'repeat' | 'pad';

/**
 * How audio longer than `nb_max_samples` is handled:
 * - `rand_trunc`: one `nb_max_samples` crop at an offset in `[0, n − nb_max_samples]`,
 *   Slaney mel scale with Slaney area normalization, 1 channel;
 * - `fusion`: HTK mel scale without normalization, 4 channels (whole-song mel shrunk
 *   to one crop's frames, then three crops from the front, middle and back).
 */
export type ClapTruncation = 'rand_trunc' | 'fusion';

/** The paddings accepted by {@link parseClapPreprocessorConfig}. */
export const CLAP_PADDINGS: readonly ClapPadding[] = Object.freeze(['repeatpad', 'repeat', 'pad']);

/** The truncations accepted by {@link parseClapPreprocessorConfig}. */
export const CLAP_TRUNCATIONS: readonly ClapTruncation[] = Object.freeze(['rand_trunc', 'fusion']);

/**
 * The settings of a CLAP feature extractor, named as in `preprocessor_config.json`.
 *
 * @example
 * ```ts
 * const config: ClapFeatureConfig = { ...LARGER_CLAP_MUSIC_PREPROCESSOR, truncation: 'fusion' };
 * ```
 */
export interface ClapFeatureConfig {
  /** Sample rate the model was trained at, in Hz (the waveform must already be at this rate). */
  readonly sampling_rate: number;
  /** STFT frame and FFT length in samples (a power of two ≥ 16 here). */
  readonly fft_window_size: number;
  /** Samples between successive STFT frames. */
  readonly hop_length: number;
  /** Number of mel filters (mel bins per frame). */
  readonly feature_size: number;
  /** Lowest mel edge in Hz. */
  readonly frequency_min: number;
  /** Highest mel edge in Hz (at most `sampling_rate / 2`). */
  readonly frequency_max: number;
  /** Crop length in seconds. */
  readonly max_length_s: number;
  /** Crop length in samples: always `max_length_s * sampling_rate` (HF recomputes it). */
  readonly nb_max_samples: number;
  /** How shorter audio is lengthened. */
  readonly padding: ClapPadding;
  /** How longer audio is shortened, and which mel filter bank is used. */
  readonly truncation: ClapTruncation;
}

/**
 * `laion/larger_clap_music`'s `preprocessor_config.json`: 48 kHz, n_fft 1024, hop 480,
 * 64 mel bins from 50 Hz to 14 kHz, 10 s crops, `repeatpad`, `rand_trunc`.
 *
 * @example
 * ```ts
 * const extractor = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR);
 * extractor.frames; // 1001
 * ```
 */
export const LARGER_CLAP_MUSIC_PREPROCESSOR: ClapFeatureConfig = Object.freeze({
  sampling_rate: 48_000,
  fft_window_size: 1024,
  hop_length: 480,
  feature_size: 64,
  frequency_min: 50,
  frequency_max: 14_000,
  max_length_s: 10,
  nb_max_samples: 480_000,
  padding: 'repeatpad',
  truncation: 'rand_trunc',
});

/**
 * HF `ClapFeatureExtractor.__init__` defaults, used for fields a JSON file leaves out
 * (that is what HF does). Note they are NOT larger_clap_music's values: HF's defaults
 * are `frequency_min: 0` and `truncation: "fusion"`.
 */
const HF_DEFAULTS = Object.freeze({
  sampling_rate: 48_000,
  fft_window_size: 1024,
  hop_length: 480,
  feature_size: 64,
  frequency_min: 0,
  frequency_max: 14_000,
  max_length_s: 10,
  padding: 'repeatpad',
  truncation: 'fusion',
});

/**
 * Reads and validates a CLAP `preprocessor_config.json` (already parsed, or as text).
 * Fields that are absent take HF's constructor defaults; present ones must be valid.
 * Extra fields are ignored, except: `feature_extractor_type` must name
 * `ClapFeatureExtractor` if present, `nb_max_samples` must equal
 * `max_length_s * sampling_rate` if present (HF silently recomputes it), and
 * `top_db` must be null or a number (HF's CLAP never applies it).
 *
 * @param json - the parsed JSON object, or its text
 * @param source - where it came from (a path or URL), prefixed to error field names
 * @throws InvalidValueError naming the field, its value and what was expected
 *
 * @example
 * ```ts
 * const config = parseClapPreprocessorConfig(await readFile(path, 'utf8'), path);
 * ```
 */
export function parseClapPreprocessorConfig(json: unknown, source?: string): ClapFeatureConfig {
  const prefix = source ? `${source}: ` : '';
  let raw: unknown = json;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch (error) {
      throw new InvalidValueError(`${prefix}preprocessor config`, `${(error as Error).message}`, 'valid JSON');
    }
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidValueError(`${prefix}preprocessor config`, raw, 'a JSON object');
  }
  const record = raw as Record<string, unknown>;
  const field = (name: string): string => `${prefix}${name}`;
  const read = (name: keyof typeof HF_DEFAULTS): unknown =>
    record[name] === undefined ? HF_DEFAULTS[name] : record[name];

  const type = record['feature_extractor_type'];
  if (type !== undefined && type !== 'ClapFeatureExtractor') {
    throw new InvalidValueError(field('feature_extractor_type'), type, '"ClapFeatureExtractor"');
  }

  const sampling_rate = positiveInteger(read('sampling_rate'), field('sampling_rate'));
  const fft_window_size = positiveInteger(read('fft_window_size'), field('fft_window_size'));
  if (fft_window_size < 16 || (fft_window_size & (fft_window_size - 1)) !== 0) {
    throw new InvalidValueError(field('fft_window_size'), fft_window_size, 'a power of two >= 16');
  }
  const hop_length = positiveInteger(read('hop_length'), field('hop_length'));
  const feature_size = positiveInteger(read('feature_size'), field('feature_size'));
  const frequency_min = finiteNumber(read('frequency_min'), field('frequency_min'));
  if (frequency_min < 0) {
    throw new InvalidValueError(field('frequency_min'), frequency_min, 'a frequency >= 0 Hz');
  }
  const frequency_max = finiteNumber(read('frequency_max'), field('frequency_max'));
  if (frequency_max <= frequency_min || frequency_max > sampling_rate / 2) {
    throw new InvalidValueError(
      field('frequency_max'),
      frequency_max,
      `a frequency above frequency_min (${frequency_min} Hz) and at most sampling_rate / 2 (${sampling_rate / 2} Hz)`,
    );
  }
  const max_length_s = finiteNumber(read('max_length_s'), field('max_length_s'));
  const nb_max_samples = max_length_s * sampling_rate;
  if (!(max_length_s > 0) || !Number.isInteger(nb_max_samples)) {
    throw new InvalidValueError(
      field('max_length_s'),
      max_length_s,
      'a positive duration in seconds that is a whole number of samples at sampling_rate',
    );
  }
  if (nb_max_samples <= fft_window_size / 2) {
    throw new InvalidValueError(field('max_length_s'), max_length_s, `more than fft_window_size / 2 samples`);
  }
  const declaredSamples = record['nb_max_samples'];
  if (declaredSamples !== undefined && declaredSamples !== nb_max_samples) {
    throw new InvalidValueError(
      field('nb_max_samples'),
      declaredSamples,
      `max_length_s * sampling_rate = ${nb_max_samples} (or the field left out)`,
    );
  }
  const topDb = record['top_db'];
  if (topDb !== undefined && topDb !== null && typeof topDb !== 'number') {
    throw new InvalidValueError(field('top_db'), topDb, 'null or a number (HF CLAP ignores it)');
  }
  const padding = oneOf(read('padding'), CLAP_PADDINGS, field('padding'));
  const truncation = oneOf(read('truncation'), CLAP_TRUNCATIONS, field('truncation'));

  return Object.freeze({
    sampling_rate,
    fft_window_size,
    hop_length,
    feature_size,
    frequency_min,
    frequency_max,
    max_length_s,
    nb_max_samples,
    padding,
    truncation,
  });
}

function finiteNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidValueError(field, value, 'a finite number');
  }
  return value;
}

function positiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new InvalidValueError(field, value, 'a positive integer');
  }
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidValueError(field, value, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  }
  return value as T;
}
