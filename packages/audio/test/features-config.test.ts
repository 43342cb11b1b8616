import { InvalidValueError } from '@refractor/core';
import { describe, expect, it } from 'vitest';
import { LARGER_CLAP_MUSIC_PREPROCESSOR, parseClapPreprocessorConfig } from '../src/features/index.js';

/** laion/larger_clap_music's preprocessor_config.json, with the fields HF writes but CLAP ignores. */
const LARGER_CLAP_MUSIC_JSON = `{
  "chunk_length_s": 10,
  "feature_extractor_type": "ClapFeatureExtractor",
  "feature_size": 64,
  "fft_window_size": 1024,
  "frequency_max": 14000,
  "frequency_min": 50,
  "hop_length": 480,
  "max_length_s": 10,
  "n_fft": 1024,
  "nb_frequency_bins": 513,
  "nb_max_frames": 1000,
  "nb_max_samples": 480000,
  "padding": "repeatpad",
  "padding_side": "right",
  "padding_value": 0.0,
  "processor_class": "ClapProcessor",
  "return_attention_mask": false,
  "sampling_rate": 48000,
  "top_db": null,
  "truncation": "rand_trunc"
}`;

function errorOf(input: unknown, source?: string): InvalidValueError {
  try {
    parseClapPreprocessorConfig(input, source);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidValueError);
    return error as InvalidValueError;
  }
  throw new Error('expected parseClapPreprocessorConfig to throw');
}

describe('LARGER_CLAP_MUSIC_PREPROCESSOR', () => {
  it("holds laion/larger_clap_music's values and is frozen", () => {
    expect(LARGER_CLAP_MUSIC_PREPROCESSOR).toEqual({
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
    expect(Object.isFrozen(LARGER_CLAP_MUSIC_PREPROCESSOR)).toBe(true);
  });
});

describe('parseClapPreprocessorConfig', () => {
  it('reads the checkpoint JSON (text or parsed) to exactly the constant', () => {
    expect(parseClapPreprocessorConfig(LARGER_CLAP_MUSIC_JSON)).toEqual(LARGER_CLAP_MUSIC_PREPROCESSOR);
    expect(parseClapPreprocessorConfig(JSON.parse(LARGER_CLAP_MUSIC_JSON))).toEqual(LARGER_CLAP_MUSIC_PREPROCESSOR);
  });

  it("fills absent fields with HF's constructor defaults (frequency_min 0, truncation fusion)", () => {
    const config = parseClapPreprocessorConfig({});
    expect(config.frequency_min).toBe(0);
    expect(config.truncation).toBe('fusion');
    expect(config.padding).toBe('repeatpad');
    expect(config.nb_max_samples).toBe(480_000);
  });

  it('names the field, the value and what was expected', () => {
    const base = JSON.parse(LARGER_CLAP_MUSIC_JSON) as Record<string, unknown>;
    const cases: ReadonlyArray<readonly [string, unknown, RegExp]> = [
      ['hop_length', -480, /hop_length is -480; expected a positive integer/],
      ['sampling_rate', '48000', /sampling_rate is "48000"; expected a positive integer/],
      ['fft_window_size', 1000, /fft_window_size is 1000; expected a power of two/],
      ['feature_size', 0, /feature_size is 0; expected a positive integer/],
      ['frequency_min', -1, /frequency_min is -1; expected a frequency >= 0 Hz/],
      ['frequency_max', 30_000, /frequency_max is 30000; expected .*at most sampling_rate \/ 2/],
      ['max_length_s', 0, /max_length_s is 0; expected a positive duration/],
      ['nb_max_samples', 441_000, /nb_max_samples is 441000; expected max_length_s \* sampling_rate = 480000/],
      ['padding', 'max_length', /padding is "max_length"; expected one of "repeatpad", "repeat", "pad"/],
      ['truncation', true, /truncation is true; expected one of "rand_trunc", "fusion"/],
      ['top_db', 'none', /top_db is "none"; expected null or a number/],
      ['feature_extractor_type', 'WhisperFeatureExtractor', /feature_extractor_type/],
    ];
    for (const [field, value, message] of cases) {
      const error = errorOf({ ...base, [field]: value });
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
    }
  });

  it('prefixes the source to the field name', () => {
    const error = errorOf({ hop_length: 0 }, 'models/clap/preprocessor_config.json');
    expect(error.field).toBe('models/clap/preprocessor_config.json: hop_length');
  });

  it('rejects text that is not JSON and JSON that is not an object', () => {
    expect(errorOf('{ nope').message).toMatch(/expected valid JSON/);
    expect(errorOf('[1, 2]').message).toMatch(/expected a JSON object/);
    expect(errorOf(null).message).toMatch(/expected a JSON object/);
  });
});
