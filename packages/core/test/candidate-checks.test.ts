import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { candidateSettings, checkCandidates, needsBaseModel, routeCandidate } from '../src/index.js';

describe('needsBaseModel', () => {
  it('agrees with routeCandidate (both models loaded, a concept given) on every combination', () => {
    for (const midi of [false, true]) {
      for (const audio of [false, true]) {
        for (const lyric of [false, true]) {
          if (!midi && !audio && !lyric) continue;
          const route = routeCandidate({ midi, audio, lyric, concept: true, cdmLoaded: true, baseLoaded: true });
          const candidate = { ...(midi ? { midi: 'a.mid' } : {}), ...(audio ? { audio: 'a.wav' } : {}), ...(lyric ? { lyric: 'words' } : {}) };
          expect(needsBaseModel(candidate), JSON.stringify(candidate)).toBe(route === 'base');
        }
      }
    }
  });
});

describe('checkCandidates', () => {
  const hints = { baseModelHint: 'give one', conceptHint: 'pass a concept' };

  it('lets audio-only batches through without a base model or a concept', () => {
    expect(checkCandidates([{ audio: 'a.wav' }, { audio: new Uint8Array(1) }], { baseLoaded: false })).toBeUndefined();
  });

  it('asks for the base model first, then for a concept, naming the set and the way to give each', () => {
    const noBase = checkCandidates([{ audio: 'a.wav' }, { midi: 'b.mid' }], { baseLoaded: false, modelSet: 'the "tiny" set', ...hints });
    expect(noBase).toEqual({
      code: 'no-base-model',
      field: 'base model',
      message: 'scoring MIDI (or lyric-only candidates) needs the base Refractor model (refractor.onnx), and the "tiny" set has none: give one',
    });
    for (const concept of [undefined, null, '', '  ']) {
      expect(checkCandidates([{ lyric: 'only words' }], { baseLoaded: true, concept, ...hints })).toEqual({
        code: 'concept-required',
        field: 'concept',
        message: 'the base Refractor model needs a concept (the original raises without one): pass a concept',
      });
    }
    expect(checkCandidates([{ midi: 'b.mid' }], { baseLoaded: true, concept: 'rain', ...hints })).toBeUndefined();
    expect(checkCandidates([{ midi: 'b.mid' }], { baseLoaded: true, concept: new Float32Array(768), ...hints })).toBeUndefined();
  });
});

describe('candidateSettings', () => {
  it('records the run, with whole paths or file names only', () => {
    const input = { models: '/srv/models/default', testOnly: false, baseModel: '/srv/models/refractor.onnx', crop: 'center', seed: 3 };
    expect(candidateSettings(input)).toEqual({ models: '/srv/models/default', test_only: false, base_model: '/srv/models/refractor.onnx', concept_sha256: null, crop: 'center', seed: 3, batch_size: 64, targets: 'canonical' });
    expect(candidateSettings({ ...input, fileNamesOnly: true, batchSize: 8 })).toEqual({ models: 'default', test_only: false, base_model: 'refractor.onnx', concept_sha256: null, crop: 'center', seed: 3, batch_size: 8, targets: 'canonical' });
    expect(candidateSettings({ ...input, targets: 'card' }).targets).toBe('card');
    expect(() => candidateSettings({ ...input, targets: 'legacy' })).toThrow(/targets is "legacy"/);
    expect(candidateSettings({ ...input, concept: 'rain' }).concept_sha256).toBe(createHash('sha256').update('rain').digest('hex'));
    expect(candidateSettings({ ...input, baseModel: undefined }).base_model).toBeNull();
  });
});
