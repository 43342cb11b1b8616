import { Tensor, type InferenceSession } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import {
  BASE_CONTRACT,
  BaseModelMissingError,
  MODEL_CONTRACTS,
  ModelContractError,
  RefractorError,
  baseModelFeeds,
  checkModelContract,
  decodeBaseOutputs,
  meanEmbedding,
  rankByConfidence,
  routeCandidate,
  scoreCandidateBatch,
  targetDistributions,
  type RouteInput,
} from '../src/index.js';

const backend = { Tensor };
const N = BASE_CONTRACT.inputs;
const ALL_INPUTS = Object.values(N);
const WITHOUT_SOUNDS_LIKE = ALL_INPUTS.filter((n) => n !== N.soundsLike && n !== N.hasSoundsLike);

type Meta = { name: string; type: 'float32' | 'int64' | 'bool'; shape: (number | string)[] };
function sessionWith(inputs: Meta[], outputs: Meta[]): InferenceSession {
  const meta = (m: Meta) => ({ ...m, isTensor: true as const });
  return { inputNames: inputs.map((m) => m.name), outputNames: outputs.map((m) => m.name), inputMetadata: inputs.map(meta), outputMetadata: outputs.map(meta) } as unknown as InferenceSession;
}
const contractInputs = (names: readonly string[]): Meta[] =>
  MODEL_CONTRACTS.base.inputs.filter((c) => names.includes(c.name)).map((c) => ({ name: c.name, type: c.type, shape: [...c.dims] }));
const contractOutputs = (): Meta[] => MODEL_CONTRACTS.base.outputs.map((c) => ({ name: c.name, type: c.type, shape: [...c.dims] }));

describe('the base model contract', () => {
  it('accepts graphs with and without the sounds-like pair', () => {
    expect(() => checkModelContract(sessionWith(contractInputs(ALL_INPUTS), contractOutputs()), MODEL_CONTRACTS.base, 'refractor.onnx')).not.toThrow();
    expect(() => checkModelContract(sessionWith(contractInputs(WITHOUT_SOUNDS_LIKE), contractOutputs()), MODEL_CONTRACTS.base, 'old.onnx')).not.toThrow();
  });

  it('rejects half of the pair, a wrong type, a missing output, naming the file and the reason', () => {
    const half = sessionWith(contractInputs([...WITHOUT_SOUNDS_LIKE, N.soundsLike]), contractOutputs());
    expect(() => checkModelContract(half, MODEL_CONTRACTS.base, 'half.onnx')).toThrow(
      "half.onnx: base model has input 'sounds_like_emb' without 'has_sounds_like' (they come together or not at all)",
    );
    const floatFlag = sessionWith(
      contractInputs(WITHOUT_SOUNDS_LIKE).map((m) => (m.name === N.hasMidi ? { ...m, type: 'float32' as const } : m)),
      contractOutputs(),
    );
    expect(() => checkModelContract(floatFlag, MODEL_CONTRACTS.base, 'f.onnx')).toThrow("base model input 'has_midi' is float32; expected bool");
    const noConfidence = sessionWith(contractInputs(ALL_INPUTS), contractOutputs().slice(0, 3));
    expect(() => checkModelContract(noConfidence, MODEL_CONTRACTS.base, 'c.onnx')).toThrow(ModelContractError);
    expect(() => checkModelContract(noConfidence, MODEL_CONTRACTS.base, 'c.onnx')).toThrow("base model has no output 'confidence'");
    const roll = sessionWith(
      contractInputs(ALL_INPUTS).map((m) => (m.name === N.pianoRoll ? { ...m, shape: ['batch', 1, 128, 128] } : m)),
      contractOutputs(),
    );
    expect(() => checkModelContract(roll, MODEL_CONTRACTS.base, 'r.onnx')).toThrow("'piano_roll' has dims [batch, 1, 128, 128]; expected [batch, 1, 128, 256]");
  });
});

describe('routeCandidate (the original routing)', () => {
  const base: RouteInput = { midi: false, audio: false, concept: true, cdmLoaded: true, baseLoaded: true };
  it.each<[string, Partial<RouteInput>, 'cdm' | 'base']>([
    ['audio only, CDM loaded → CDM', { audio: true }, 'cdm'],
    ['audio only, CDM loaded, no concept → CDM (zeros, as before)', { audio: true, concept: false }, 'cdm'],
    ['audio only, no CDM → base', { audio: true, cdmLoaded: false }, 'base'],
    ['MIDI only → base', { midi: true }, 'base'],
    ['MIDI + audio → base', { midi: true, audio: true }, 'base'],
    ['lyric only → base', { lyric: true }, 'base'],
    ['audio + lyric, CDM loaded → CDM (lyric ignored, as the original)', { audio: true, lyric: true }, 'cdm'],
  ])('%s', (_, input, expected) => {
    expect(routeCandidate({ ...base, ...input })).toBe(expected);
  });

  it('MIDI without a base model says how to supply one', () => {
    expect(() => routeCandidate({ ...base, midi: true, baseLoaded: false })).toThrow(BaseModelMissingError);
    expect(() => routeCandidate({ ...base, midi: true, baseLoaded: false })).toThrow(/--base-model <path>.*baseModel.*refractor\.onnx in the model directory/);
    expect(() => routeCandidate({ ...base, audio: true, cdmLoaded: false, baseLoaded: false }, 'HINT')).toThrow(/audio without a CDM.*: HINT$/);
  });

  it('the base model needs a concept; an empty candidate is an error', () => {
    expect(() => routeCandidate({ ...base, midi: true, concept: false })).toThrow(/needs a concept/);
    expect(() => routeCandidate(base)).toThrow(RefractorError);
  });
});

describe('rankByConfidence', () => {
  it('sorts descending, numbers 0..n-1 and keeps input order on ties', () => {
    const results = [0.2, 0.9, 0.2, 0.5, 0.9, 0.2].map((confidence, id) => ({ id, confidence }));
    const ranked = rankByConfidence(results);
    expect(ranked.map((r) => r.id)).toEqual([1, 4, 3, 0, 2, 5]);
    expect(ranked.map((r) => r.rank)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results[0]).toEqual({ id: 0, confidence: 0.2 }); // input untouched
    expect(rankByConfidence([])).toEqual([]);
  });
});

describe('baseModelFeeds', () => {
  const concept = Float32Array.from({ length: 768 }, (_, i) => i / 768);
  const roll = Float32Array.from({ length: 128 * 256 }, (_, i) => (i % 7) / 7);
  const audio = Float32Array.from({ length: 512 }, (_, i) => -i);
  const lyric = Float32Array.from({ length: 768 }, (_, i) => i % 3);

  it('zeros and false flags for absent modalities; the concept on every row', () => {
    const feeds = baseModelFeeds(backend, { inputNames: WITHOUT_SOUNDS_LIKE }, [{ pianoRoll: roll }, { audioEmbedding: audio, lyricEmbedding: lyric }], { conceptEmbedding: concept });
    expect(Object.keys(feeds).sort()).toEqual([...WITHOUT_SOUNDS_LIKE].sort());
    expect(feeds.piano_roll!.dims).toEqual([2, 1, 128, 256]);
    expect(Array.from(feeds.has_midi!.data as Uint8Array)).toEqual([1, 0]);
    expect(Array.from(feeds.has_audio!.data as Uint8Array)).toEqual([0, 1]);
    expect(Array.from(feeds.has_lyric!.data as Uint8Array)).toEqual([0, 1]);
    expect(feeds.has_midi!.type).toBe('bool');
    const rolls = feeds.piano_roll!.data as Float32Array;
    expect(Array.from(rolls.subarray(0, 32768))).toEqual(Array.from(roll));
    expect(rolls.subarray(32768).every((v) => v === 0)).toBe(true);
    expect((feeds.audio_emb!.data as Float32Array).subarray(0, 512).every((v) => v === 0)).toBe(true);
    expect(Array.from((feeds.audio_emb!.data as Float32Array).subarray(512))).toEqual(Array.from(audio));
    expect(Array.from((feeds.concept_emb!.data as Float32Array).subarray(768))).toEqual(Array.from(concept));
  });

  it('feeds the sounds-like pair only when the graph declares it; no list → zeros and false', () => {
    const sounds = meanEmbedding([Float32Array.from({ length: 768 }, () => 1), Float32Array.from({ length: 768 }, () => 3)])!;
    expect(sounds.every((v) => v === 2)).toBe(true);
    const withPair = baseModelFeeds(backend, { inputNames: ALL_INPUTS }, [{ pianoRoll: roll }], { conceptEmbedding: concept, soundsLikeEmbedding: sounds });
    expect(Array.from(withPair.has_sounds_like!.data as Uint8Array)).toEqual([1]);
    expect((withPair.sounds_like_emb!.data as Float32Array).every((v) => v === 2)).toBe(true);
    const empty = baseModelFeeds(backend, { inputNames: ALL_INPUTS }, [{ pianoRoll: roll }], { conceptEmbedding: concept, ...(meanEmbedding([]) ? {} : {}) });
    expect(Array.from(empty.has_sounds_like!.data as Uint8Array)).toEqual([0]);
    expect((empty.sounds_like_emb!.data as Float32Array).every((v) => v === 0)).toBe(true);
    expect(meanEmbedding([])).toBeUndefined();
    const old = baseModelFeeds(backend, { inputNames: WITHOUT_SOUNDS_LIKE }, [{ pianoRoll: roll }], { conceptEmbedding: concept, soundsLikeEmbedding: sounds });
    expect(old.sounds_like_emb).toBeUndefined();
    expect(old.has_sounds_like).toBeUndefined();
  });

  it('names a wrong-sized input', () => {
    expect(() => baseModelFeeds(backend, { inputNames: ALL_INPUTS }, [{ pianoRoll: new Float32Array(10) }], { conceptEmbedding: concept })).toThrow(/candidates\[0\]\.pianoRoll/);
    expect(() => baseModelFeeds(backend, { inputNames: ALL_INPUTS }, [{}], { conceptEmbedding: new Float32Array(3) })).toThrow(/conceptEmbedding/);
  });
});

describe('decodeBaseOutputs and scoreCandidateBatch', () => {
  const outputs = (batch: number, confidence: (b: number) => number) => ({
    temporal: new Tensor('float32', Float32Array.from({ length: batch * 3 }, (_, i) => [0.2, 0.3, 0.5][i % 3]!), [batch, 3]),
    spatial: new Tensor('float32', Float32Array.from({ length: batch * 3 }, (_, i) => [0.6, 0.3, 0.1][i % 3]!), [batch, 3]),
    ontological: new Tensor('float32', Float32Array.from({ length: batch * 3 }, (_, i) => [0.1, 0.1, 0.8][i % 3]!), [batch, 3]),
    confidence: new Tensor('float32', Float32Array.from({ length: batch }, (_, b) => confidence(b)), [batch, 1]),
  });

  it('keys each row by mode name and rejects NaN', () => {
    const [r] = decodeBaseOutputs(outputs(1, () => 0.75), 1);
    expect(r).toEqual({
      model: 'base',
      temporal: { past: Math.fround(0.2), present: Math.fround(0.3), future: 0.5 },
      spatial: { thing: Math.fround(0.6), place: Math.fround(0.3), person: Math.fround(0.1) },
      ontological: { imagined: Math.fround(0.1), forgotten: Math.fround(0.1), known: Math.fround(0.8) },
      confidence: 0.75,
      // By hand from the canonical table: Red (past, thing, known) scores (.24 + .52 + .66) / 3 = 0.473,
      // Violet 0.38, Indigo 0.346, White and Black 1/3, the rest less.
      predicted_color: 'Red',
    });
    expect(() => decodeBaseOutputs(outputs(1, () => NaN), 1)).toThrow(/candidate 0: confidence/);
    // The card's table moves the derived color: Orange (present, thing, known) scores 0.497, Red 0.473, Yellow 0.427.
    expect(decodeBaseOutputs(outputs(1, () => 0.75), 1, 'card')[0]!.predicted_color).toBe('Orange');
    expect(() => decodeBaseOutputs(outputs(1, () => 0.75), 1, 'legacy')).toThrow(/targets is "legacy"/);
    expect(() => decodeBaseOutputs({ ...outputs(1, () => 0.5), spatial: undefined } as never, 1)).toThrow(/'spatial'.*missing/);
  });

  it('one base run per batch, CDM for audio-only, results in input order', async () => {
    const baseCalls: number[] = [];
    const base = {
      inputNames: WITHOUT_SOUNDS_LIKE,
      async run(feeds: Record<string, Tensor>) {
        const n = feeds.piano_roll!.dims[0]!;
        baseCalls.push(n);
        // confidence = first roll value, so each candidate is identifiable
        const rolls = feeds.piano_roll!.data as Float32Array;
        return outputs(n, (b) => rolls[b * 32768]!);
      },
    } as unknown as InferenceSession;
    const cdmCalls: number[] = [];
    const cdm = {
      inputNames: ['input'],
      async run(feeds: Record<string, Tensor>) {
        const n = feeds.input!.dims[0]!;
        cdmCalls.push(n);
        const probs = new Float32Array(n * 9);
        for (let b = 0; b < n; b++) probs.set([0.05, 0.05, 0.05, 0.05, 0.6, 0.05, 0.05, 0.05, 0.05], b * 9);
        return { color_probs: new Tensor('float32', probs, [n, 9]) };
      },
    } as unknown as InferenceSession;
    const midi = (v: number) => ({ pianoRoll: new Float32Array(32768).fill(v) });
    const clip = { audioEmbedding: new Float32Array(512) };
    const candidates = [midi(0.1), clip, midi(0.3), midi(0.4), { ...midi(0.5), ...clip }];
    const results = await scoreCandidateBatch(backend, { base, cdm }, candidates, { conceptEmbedding: new Float32Array(768), batchSize: 2 });
    expect(baseCalls).toEqual([2, 2]);
    expect(cdmCalls).toEqual([1]);
    expect(results.map((r) => r.model)).toEqual(['base', 'cdm', 'base', 'base', 'base']);
    expect(results.filter((r) => r.model === 'base').map((r) => r.confidence)).toEqual([0.1, 0.3, 0.4, 0.5].map(Math.fround));
    const viaCdm = results[1]!;
    expect(viaCdm).toMatchObject({ model: 'cdm', predicted_color: 'Blue', confidence: Math.fround(0.6), ...targetDistributions('Blue') });
    await expect(scoreCandidateBatch(backend, { cdm }, [midi(0.1)], { conceptEmbedding: new Float32Array(768) })).rejects.toThrow(BaseModelMissingError);
  });
});
