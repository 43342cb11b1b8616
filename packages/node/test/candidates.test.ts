import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, downmix, midiToPianoRoll } from '@refractor/audio';
import { tinyBaseModel } from '@refractor/models/make-tiny-models';
import { endOfTrack, off, on, smf, tempo, makeWav, sine } from '@refractor/test-helpers';
import {
  BaseModelMissingError,
  CANONICAL_TARGETS,
  MidiParseError,
  ModelContractError,
  Refractor,
  bundledSetDirectory,
  targetDistributions,
  type BaseResult,
  type CandidateItem,
  type ColorName,
} from '../src/index.js';

const tiny = bundledSetDirectory('tiny')!;
const work = mkdtempSync(join(tmpdir(), 'refractor-candidates-'));
const CONCEPT = 'A song about forgetting the future';
const LYRIC = 'I remember the sea and the road home';
const SOUNDS_LIKE = ['quiet folk songs', 'loud city music'];

/** A few different melodies, as files. */
function midiFile(name: string, pitches: number[], tpb = 480): string {
  const events = pitches.flatMap((p, i) => [on(i === 0 ? 0 : 120, p, 40 + p), off(240 + i * 10, p)]);
  const path = join(work, name);
  writeFileSync(path, smf(1, tpb, [[tempo(0, 600000), endOfTrack()], [...events, endOfTrack()]]));
  return path;
}

let refractor: Refractor;
let midis: string[];
let clip: string;
beforeAll(async () => {
  refractor = await Refractor.load({ models: 'tiny', offline: true });
  midis = [midiFile('a.mid', [60, 64, 67]), midiFile('b.mid', [48, 50, 52, 53, 55], 96), midiFile('c.mid', [72, 71, 69, 67, 65, 64]), midiFile('d.mid', [30])];
  clip = join(work, 'clip.wav');
  writeFileSync(clip, makeWav({ sampleRate: 44100, channels: [sine(330, 12, 44100, 0.4)], bits: 16 }));
});
afterAll(async () => {
  await refractor.close();
});

/** The base model run by hand, step by step, with onnxruntime-node on the same inputs. */
async function byHand(
  modelBytes: Uint8Array | string,
  rows: Array<{ roll?: Float32Array; audio?: Float32Array; lyric?: Float32Array }>,
  concept: Float32Array,
  soundsLike?: Float32Array,
): Promise<BaseResult[]> {
  const session = await ort.InferenceSession.create(modelBytes as Uint8Array);
  const n = rows.length;
  const cat = (size: number, pick: (r: (typeof rows)[number]) => Float32Array | undefined) => {
    const out = new Float32Array(n * size);
    rows.forEach((r, i) => pick(r) && out.set(pick(r)!, i * size));
    return out;
  };
  const flag = (pick: (r: (typeof rows)[number]) => unknown) => new ort.Tensor('bool', Uint8Array.from(rows, (r) => (pick(r) ? 1 : 0)), [n]);
  const feeds: Record<string, ort.Tensor> = {
    piano_roll: new ort.Tensor('float32', cat(32768, (r) => r.roll), [n, 1, 128, 256]),
    audio_emb: new ort.Tensor('float32', cat(512, (r) => r.audio), [n, 512]),
    concept_emb: new ort.Tensor('float32', cat(768, () => concept), [n, 768]),
    lyric_emb: new ort.Tensor('float32', cat(768, (r) => r.lyric), [n, 768]),
    has_audio: flag((r) => r.audio),
    has_midi: flag((r) => r.roll),
    has_lyric: flag((r) => r.lyric),
  };
  if (session.inputNames.includes('sounds_like_emb')) {
    feeds.sounds_like_emb = new ort.Tensor('float32', cat(768, () => soundsLike), [n, 768]);
    feeds.has_sounds_like = flag(() => soundsLike);
  }
  const out = await session.run(feeds);
  await session.release();
  const row = (name: string, i: number) => Array.from((out[name]!.data as Float32Array).subarray(i * 3, i * 3 + 3));
  return rows.map((_, i) => {
    const [past, present, future] = row('temporal', i);
    const [thing, place, person] = row('spatial', i);
    const [imagined, forgotten, known] = row('ontological', i);
    return {
      model: 'base' as const,
      temporal: { past: past!, present: present!, future: future! },
      spatial: { thing: thing!, place: place!, person: person! },
      ontological: { imagined: imagined!, forgotten: forgotten!, known: known! },
      confidence: (out.confidence!.data as Float32Array)[i]!,
      predicted_color: nearestByHand([row('temporal', i), row('spatial', i), row('ontological', i)]),
    };
  });
}

/**
 * The canonical color whose target rows have the largest summed dot product
 * with the three axes, computed here from the table's rows: colors tried in
 * the rainbow table's order, the first winning ties.
 */
function nearestByHand(axes: number[][]): ColorName {
  let best: ColorName = CANONICAL_TARGETS.order[0]!;
  let bestScore = -Infinity;
  for (const color of CANONICAL_TARGETS.order) {
    const rows = CANONICAL_TARGETS.rows[color];
    const score = [rows.temporal, rows.spatial, rows.ontological].reduce((sum, target, a) => sum + target.reduce((acc, w, m) => acc + w * axes[a]![m]!, 0), 0);
    if (score > bestScore) [best, bestScore] = [color, score];
  }
  return best;
}

/** The mean of the sounds-like embeddings, computed here independently (float64 sum, then float32). */
async function meanOf(texts: string[]): Promise<Float32Array> {
  const embeddings = await Promise.all(texts.map((t) => refractor.prepareConcept(t)));
  return Float32Array.from({ length: 768 }, (_, d) => embeddings.reduce((sum, e) => sum + e[d]!, 0) / embeddings.length);
}

const results = (items: CandidateItem[]) => items.map((item) => item.result);

describe('Refractor.scoreCandidates with the tiny base model', () => {
  it('loads refractor.onnx from the tiny set automatically', () => {
    expect(refractor.hasBaseModel).toBe(true);
    expect(refractor.baseModelPath).toBe(join(tiny, 'refractor.onnx'));
  });

  it('MIDI-only candidates: results equal a step-by-step onnxruntime run on the same inputs', async () => {
    const items = await refractor.scoreCandidates(midis.map((midi) => ({ midi })), { concept: CONCEPT, soundsLike: SOUNDS_LIKE });
    expect(items.map((i) => i.input)).toEqual(midis);
    expect(items.every((i) => i.error === undefined && i.result?.model === 'base')).toBe(true);
    const concept = await refractor.prepareConcept(CONCEPT);
    const expected = await byHand(join(tiny, 'refractor.onnx'), midis.map((m) => ({ roll: midiToPianoRoll(new Uint8Array(readFileSync(m)), { name: m }) })), concept, await meanOf(SOUNDS_LIKE));
    expect(results(items)).toEqual(expected);
    expect(new Set(expected.map((r) => r.confidence)).size).toBe(midis.length);
  });

  it('MIDI + audio + lyric: one CLAP crop of the clip, the lyric embedded like the concept', async () => {
    const [item] = await refractor.scoreCandidates([{ midi: midis[0]!, audio: clip, lyric: LYRIC }], { concept: CONCEPT, crop: 'center' });
    const { channels, sampleRate } = await decodeAudio(new Uint8Array(readFileSync(clip)));
    const audio = await refractor.prepareAudio(downmix(channels), sampleRate, { crop: 'center' });
    const roll = midiToPianoRoll(new Uint8Array(readFileSync(midis[0]!)));
    const [expected] = await byHand(join(tiny, 'refractor.onnx'), [{ roll, audio, lyric: await refractor.prepareConcept(LYRIC) }], await refractor.prepareConcept(CONCEPT));
    expect(item!.result).toEqual(expected);
    // each modality matters: without the lyric, or the audio, the answer moves
    const [noLyric] = await refractor.scoreCandidates([{ midi: midis[0]!, audio: clip }], { concept: CONCEPT, crop: 'center' });
    const [noAudio] = await refractor.scoreCandidates([{ midi: midis[0]!, lyric: LYRIC }], { concept: CONCEPT, crop: 'center' });
    expect(noLyric!.result!.confidence).not.toBe(item!.result!.confidence);
    expect(noAudio!.result!.confidence).not.toBe(item!.result!.confidence);
  });

  it('audio only goes to the CDM (as the original), with the same keys and model "cdm"', async () => {
    const [item] = await refractor.scoreCandidates([{ audio: clip }], { concept: CONCEPT });
    const { channels, sampleRate } = await decodeAudio(new Uint8Array(readFileSync(clip)));
    const audioEmbedding = await refractor.prepareAudio(downmix(channels), sampleRate, {});
    const chunk = await refractor.score({ audioEmbedding, conceptEmbedding: await refractor.prepareConcept(CONCEPT) });
    expect(item!.result).toEqual({
      model: 'cdm',
      ...targetDistributions(chunk.predicted_color),
      confidence: chunk.confidence,
      predicted_color: chunk.predicted_color,
      color_probs: chunk.color_probs,
    });
  });

  it('lyric-only candidates go to the base model', async () => {
    const [item] = await refractor.scoreCandidates([{ id: 'words', lyric: LYRIC }], { concept: CONCEPT });
    const [expected] = await byHand(join(tiny, 'refractor.onnx'), [{ lyric: await refractor.prepareConcept(LYRIC) }], await refractor.prepareConcept(CONCEPT));
    expect(item).toEqual({ input: 'words', result: expected });
  });

  it('sounds-like: an empty list is the null path (same as none); a list moves the answer', async () => {
    const none = results(await refractor.scoreCandidates([{ midi: midis[1]! }], { concept: CONCEPT }));
    const empty = results(await refractor.scoreCandidates([{ midi: midis[1]! }], { concept: CONCEPT, soundsLike: [] }));
    const some = results(await refractor.scoreCandidates([{ midi: midis[1]! }], { concept: CONCEPT, soundsLike: SOUNDS_LIKE }));
    expect(empty).toEqual(none);
    expect(some[0]!.confidence).not.toBe(none[0]!.confidence);
  });

  it('a graph without the sounds-like inputs is accepted, and sounds-like is not fed to it', async () => {
    const path = join(work, 'old-refractor.onnx');
    writeFileSync(path, tinyBaseModel({ soundsLike: false }));
    const old = await Refractor.load({ models: 'tiny', offline: true, baseModel: path });
    try {
      expect(old.baseModelPath).toBe(path);
      const withList = results(await old.scoreCandidates([{ midi: midis[2]! }], { concept: CONCEPT, soundsLike: SOUNDS_LIKE }));
      const without = results(await old.scoreCandidates([{ midi: midis[2]! }], { concept: CONCEPT }));
      expect(withList).toEqual(without);
      const roll = midiToPianoRoll(new Uint8Array(readFileSync(midis[2]!)));
      expect(withList).toEqual(await byHand(path, [{ roll }], await old.prepareConcept(CONCEPT)));
    } finally {
      await old.close();
    }
  });

  it('ranks by confidence, descending, 0..n-1, ties in input order; failures last', async () => {
    const bad = join(work, 'bad.mid');
    writeFileSync(bad, 'not midi at all');
    const candidates = [{ midi: midis[0]! }, { midi: bad }, { midi: midis[1]! }, { id: 'a again', midi: midis[0]! }, { midi: midis[2]! }, { midi: midis[3]! }];
    const ranked = await refractor.scoreCandidates(candidates, { concept: CONCEPT, rank: true, batchSize: 2 });
    const scored = ranked.filter((item) => item.result);
    expect(scored.map((item) => item.rank)).toEqual([0, 1, 2, 3, 4]);
    const confidences = scored.map((item) => item.result!.confidence);
    expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
    // the two copies of a.mid tie: input order kept
    const copies = scored.filter((item) => item.input === midis[0] || item.input === 'a again').map((item) => item.input);
    expect(copies).toEqual([midis[0], 'a again']);
    expect(ranked.at(-1)).toMatchObject({ input: bad });
    expect(ranked.at(-1)!.error).toBeInstanceOf(MidiParseError);
    expect(ranked.at(-1)!.error!.message).toMatch(/^.*bad\.mid: corrupt: not a Standard MIDI File/);
    expect(ranked.at(-1)!.rank).toBeUndefined();
    // unranked: input order, same results
    const plain = await refractor.scoreCandidates(candidates, { concept: CONCEPT, batchSize: 64 });
    expect(plain.map((item) => item.input)).toEqual([midis[0], bad, midis[1], 'a again', midis[2], midis[3]]);
    for (const item of scored) expect(plain.find((p) => p.input === item.input)!.result).toEqual(item.result);
  });

  it('bad candidates fail alone: empty, truncated, no concept', async () => {
    const empty = join(work, 'empty.mid');
    writeFileSync(empty, '');
    const truncated = join(work, 'truncated.mid');
    writeFileSync(truncated, readFileSync(midis[2]!).subarray(0, 30));
    const items = await refractor.scoreCandidates([{ midi: empty }, { midi: midis[0]! }, { midi: truncated }, {}], { concept: CONCEPT });
    expect(items.map((i) => (i.error ? i.error.message.replace(work, '<dir>') : i.result!.model))).toEqual([
      '<dir>/empty.mid: empty: the file holds no bytes',
      'base',
      expect.stringMatching(/^<dir>\/truncated\.mid: truncated: track 0 declares 11 bytes but only 8 remain/),
      'a candidate needs MIDI, audio or lyric text; this one has none',
    ]);
    const noConcept = await refractor.scoreCandidates([{ midi: midis[0]! }, { audio: clip }]);
    expect(noConcept[0]!.error!.message).toMatch(/needs a concept/);
    expect(noConcept[1]!.result!.model).toBe('cdm'); // the CDM path takes zeros for no concept, as before
  });
});

describe('without a base model', () => {
  it('MIDI fails with a message saying how to supply refractor.onnx; audio still goes to the CDM', async () => {
    // The tiny set without its refractor.onnx.
    const dir = mkdtempSync(join(tmpdir(), 'refractor-no-base-'));
    for (const entry of readdirSync(tiny)) if (entry !== 'refractor.onnx') symlinkSync(join(tiny, entry), join(dir, entry));
    const bare = await Refractor.load({ models: dir, offline: true });
    try {
      expect(bare.hasBaseModel).toBe(false);
      const [midi, audio] = await bare.scoreCandidates([{ midi: midis[0]! }, { audio: clip }], { concept: CONCEPT });
      expect(midi!.error).toBeInstanceOf(BaseModelMissingError);
      expect(midi!.error!.message).toMatch(/needs the base Refractor model \(refractor\.onnx\).*--base-model <path>.*baseModel.*refractor\.onnx in the model directory/);
      expect(audio!.result!.model).toBe('cdm');
    } finally {
      await bare.close();
    }
  });

  it('a base model that breaks the contract is refused at load, naming the file', async () => {
    const wrong = join(tiny, 'refractor_cdm.onnx');
    await expect(Refractor.load({ models: 'tiny', offline: true, baseModel: wrong })).rejects.toThrow(ModelContractError);
    await expect(Refractor.load({ models: 'tiny', offline: true, baseModel: wrong })).rejects.toThrow(new RegExp(`^${wrong.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: base model has no input 'piano_roll'`));
  });

  it('prepareMidi gives the piano roll without any model', async () => {
    const roll = await refractor.prepareMidi(midis[3]!);
    expect(roll).toEqual(midiToPianoRoll(new Uint8Array(readFileSync(midis[3]!))));
    await expect(refractor.prepareMidi(new Uint8Array([1, 2, 3]))).rejects.toThrow(MidiParseError);
  });
});

