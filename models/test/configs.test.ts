import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LARGER_CLAP_MUSIC_PREPROCESSOR, parseClapPreprocessorConfig } from '@refractor/audio';
import { CDM_CONTRACT, CONCEPT_MAX_TOKENS } from '@refractor/core';
import { readJson, tinyPath } from './helpers.js';

describe('tiny set configs', () => {
  it("clap/preprocessor_config.json is laion/larger_clap_music's and parses to its settings", () => {
    const text = readFileSync(tinyPath('clap.preprocessor'), 'utf8');
    expect(parseClapPreprocessorConfig(text, 'clap/preprocessor_config.json')).toEqual(LARGER_CLAP_MUSIC_PREPROCESSOR);
    expect(JSON.parse(text)).toEqual({
      chunk_length_s: 10,
      feature_extractor_type: 'ClapFeatureExtractor',
      feature_size: 64,
      fft_window_size: 1024,
      frequency_max: 14000,
      frequency_min: 50,
      hop_length: 480,
      max_length_s: 10,
      n_fft: 1024,
      nb_frequency_bins: 513,
      nb_max_frames: 1000,
      nb_max_samples: 480000,
      padding: 'repeatpad',
      padding_side: 'right',
      padding_value: 0.0,
      processor_class: 'ClapProcessor',
      return_attention_mask: false,
      sampling_rate: 48000,
      top_db: null,
      truncation: 'rand_trunc',
    });
  });

  it('clap/config.json is a ClapConfig with projection_dim 512 that says it is a test model', () => {
    const config = readJson('clap.config');
    expect(config).toMatchObject({ model_type: 'clap', projection_dim: CDM_CONTRACT.audioEmbeddingDim });
    expect((config['audio_config'] as Record<string, unknown>)['model_type']).toBe('clap_audio_model');
    expect(String(config['_comment'])).toMatch(/TEST/);
  });

  it('text/config.json is a deberta-v2 config with hidden size 768 and 512 positions', () => {
    const config = readJson('text.config');
    expect(config).toMatchObject({
      model_type: 'deberta-v2',
      hidden_size: CDM_CONTRACT.conceptEmbeddingDim,
      max_position_embeddings: CONCEPT_MAX_TOKENS,
    });
    expect(String(config['_comment'])).toMatch(/TEST/);
  });
});
