import { describe, expect, it } from 'vitest';
import {
  InvalidValueError,
  UnknownColorError,
  aggregateChunks,
  chromaticMatch,
  chunkWeights,
  decodeChunk,
  drift,
  songColorByProbs,
  songColorByTargets,
  type ModeDistributions,
} from '../src/index.js';

/** A probability row with `p` on `index` and the rest spread evenly. */
function peaked(index: number, p: number): number[] {
  return Array.from({ length: 9 }, (_, i) => (i === index ? p : (1 - p) / 8));
}

// These cases hold the card's numbers (`targets: 'card'`, color by targets):
// what every figure was before #25, and what `--targets card` still gives.
const CARD = { targets: 'card', colorRule: 'targets' } as const;

const RED = 0;
const GREEN = 3;
const BLUE = 4;

function distributions(t: number[], s: number[], o: number[]): ModeDistributions {
  return {
    temporal: { past: t[0]!, present: t[1]!, future: t[2]! },
    spatial: { thing: s[0]!, place: s[1]!, person: s[2]! },
    ontological: { imagined: o[0]!, forgotten: o[1]!, known: o[2]! },
  };
}

describe('chunkWeights', () => {
  it('normalizes confidences', () => {
    expect(chunkWeights([0.6, 0.2, 0.2])).toEqual([0.6 / 1, 0.2 / 1, 0.2 / 1]);
  });
  it('falls back to equal weights when every confidence is 0', () => {
    expect(chunkWeights([0, 0, 0, 0])).toEqual([0.25, 0.25, 0.25, 0.25]);
  });
});

describe('aggregateChunks with the card\'s table', () => {
  it('returns a single chunk unchanged in distribution and confidence', () => {
    const chunk = decodeChunk(peaked(BLUE, 0.7), { start_s: 0, end_s: 30 }, 'card');
    const song = aggregateChunks([chunk], CARD);
    expect(song.chunk_count).toBe(1);
    expect(song.confidence).toBe(0.7);
    expect(song.temporal).toEqual({ past: 0.1, present: 0.1, future: 0.8 });
    expect(song.predicted_color).toBe('Blue');
    expect(song.predicted_color_by_probs).toBe('Blue');
    expect(song.color_probs.Blue).toBeCloseTo(0.7, 15);
    expect(song.chunks).toEqual([chunk]);
    expect(song.drift).toBeUndefined();
  });

  it('weights by confidence (hand-computed: Red 0.6 and Blue 0.4)', () => {
    const red = decodeChunk(peaked(RED, 0.6), { start_s: 0, end_s: 30 }, 'card');
    const blue = decodeChunk(peaked(BLUE, 0.4), { start_s: 5, end_s: 35 }, 'card');
    const song = aggregateChunks([red, blue], CARD);
    // weights 0.6 and 0.4: past = .6*.8 + .4*.1 = .52, future = .6*.1 + .4*.8 = .38
    expect(song.temporal.past).toBeCloseTo(0.52, 15);
    expect(song.temporal.present).toBeCloseTo(0.1, 15);
    expect(song.temporal.future).toBeCloseTo(0.38, 15);
    expect(song.spatial.thing).toBeCloseTo(0.52, 15);
    expect(song.spatial.place).toBeCloseTo(0.38, 15);
    expect(song.ontological.forgotten).toBeCloseTo(0.38, 15);
    expect(song.ontological.known).toBeCloseTo(0.52, 15);
    // plain mean of confidences
    expect(song.confidence).toBeCloseTo(0.5, 15);
    // target affinity: Red .464 beats Blue .366
    expect(song.predicted_color).toBe('Red');
    // pooled: Red = .6*.6 + .4*.075 = .39, Blue = .6*.05 + .4*.4 = .19
    expect(song.color_probs.Red).toBeCloseTo(0.39, 15);
    expect(song.color_probs.Blue).toBeCloseTo(0.19, 15);
    expect(song.predicted_color_by_probs).toBe('Red');
    expect(song.chunks.map((c) => c.start_s)).toEqual([0, 5]);
  });

  it('uses equal weights when all confidences are 0', () => {
    const a = { ...decodeChunk(peaked(RED, 0.9), { start_s: 0, end_s: 30 }, 'card'), confidence: 0 };
    const b = { ...decodeChunk(peaked(BLUE, 0.9), { start_s: 5, end_s: 35 }, 'card'), confidence: 0 };
    const song = aggregateChunks([a, b], CARD);
    expect(song.temporal.past).toBeCloseTo(0.45, 15);
    expect(song.temporal.future).toBeCloseTo(0.45, 15);
    expect(song.confidence).toBe(0);
  });

  it('never answers Green by targets, while the pooled rule can', () => {
    const chunks = [0, 5, 10].map((start) => decodeChunk(peaked(GREEN, 0.8), { start_s: start, end_s: start + 30 }, 'card'));
    const song = aggregateChunks(chunks, CARD);
    expect(song.predicted_color).toBe('Yellow');
    expect(song.predicted_color_by_probs).toBe('Green');
  });

  it('adds chromatic match and drift for a target given by letter', () => {
    const chunk = decodeChunk(peaked(RED, 0.6), { start_s: 0, end_s: 30 }, 'card');
    const song = aggregateChunks([chunk], { ...CARD, target: 'r' });
    expect(song.target_color).toBe('Red');
    // affinity with own targets: dot([.8,.1,.1],[.8,.1,.1]) = .66 on every axis; × (0.5 + 0.3)
    expect(song.chromatic_match).toBeCloseTo(0.66 * 0.8, 12);
    expect(song.drift).toEqual({ temporal_delta: 0, spatial_delta: 0, ontological_delta: 0, overall_drift: 0 });
  });

  it('rejects an empty list, NaN anywhere, negative confidences and unknown targets', () => {
    const good = decodeChunk(peaked(RED, 0.6), { start_s: 0, end_s: 30 }, 'card');
    expect(() => aggregateChunks([])).toThrow(InvalidValueError);
    expect(() => aggregateChunks([{ ...good, confidence: Number.NaN }])).toThrow(/chunks\[0\]\.confidence is NaN/);
    expect(() => aggregateChunks([good, { ...good, confidence: -0.1 }])).toThrow(/chunks\[1\]\.confidence/);
    expect(() =>
      aggregateChunks([good, { ...good, spatial: { ...good.spatial, place: Number.POSITIVE_INFINITY } }]),
    ).toThrow(/chunks\[1\]\.spatial\.place is Infinity/);
    expect(() =>
      aggregateChunks([{ ...good, color_probs: { ...good.color_probs, Violet: Number.NaN } }]),
    ).toThrow(/chunks\[0\]\.color_probs\.Violet/);
    expect(() => aggregateChunks([good], { target: 'Teal' })).toThrow(UnknownColorError);
  });
});

describe('song color rules with the card\'s table', () => {
  it('answers Red for a uniform distribution (all nine tie; first wins)', () => {
    const third = 1 / 3;
    expect(songColorByTargets(distributions([third, third, third], [third, third, third], [third, third, third]), 'card')).toBe(
      'Red',
    );
  });

  it('prefers Yellow over Green on identical targets', () => {
    expect(songColorByTargets(distributions([0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]), 'card')).toBe('Yellow');
  });

  it("cannot answer White even for White's own rows (the card's White 0%)", () => {
    // White·White = .3334 per axis, but Yellow and Blue each score (.338 + .338 + .331) / 3 = .3357
    const white = [0.33, 0.34, 0.33];
    expect(['Yellow', 'Blue']).toContain(songColorByTargets(distributions(white, white, white), 'card'));
  });

  it('pools probabilities and takes the first maximum', () => {
    const probs = { Red: 0.1, Orange: 0.1, Yellow: 0.1, Green: 0.3, Blue: 0.3, Indigo: 0, Violet: 0, White: 0.1, Black: 0 };
    expect(songColorByProbs(probs)).toBe('Green');
  });
});

describe('drift with the card\'s table', () => {
  it('peaks on White\'s middle slot and subtracts in float32 (values from numpy)', () => {
    // numpy: round(float(np.float32(0.9058499863649655) - np.float32(0.34)), 4) == 0.5659
    // (the float64 subtraction would give 0.5658)
    const d = distributions([0.05, 0.9058499863649655, 0.05], [0, 0.9689500274905872, 0], [0.335, 0.33, 0.335]);
    expect(drift(d, 'White', 'card')).toEqual({
      temporal_delta: 0.5659,
      spatial_delta: 0.6289, // float64 would say 0.629
      ontological_delta: -0.01,
      overall_drift: 0.4016, // (0.5659 + 0.6289 + 0.01) / 3 = 0.40160
    });
  });

  it('uses the first index of the max as the peak', () => {
    // numpy: round(float(np.float32(0.5380500124796008) - np.float32(0.8)), 4) == -0.262 (float64: -0.2619)
    const d = distributions([0.5380500124796008, 0.4, 0.0619499875203992], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8]);
    const result = drift(d, 'Red', 'card');
    expect(result.temporal_delta).toBe(-0.262);
    expect(result.spatial_delta).toBe(0);
    expect(result.ontological_delta).toBe(0);
    expect(result.overall_drift).toBe(0.0873); // 0.262 / 3 = 0.08733…
  });

  it('rejects NaN distributions', () => {
    const d = distributions([Number.NaN, 0.5, 0.5], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8]);
    expect(() => drift(d, 'Red', 'card')).toThrow(/temporal\.past is NaN/);
    expect(() => chromaticMatch(d, 0.5, 'Red')).toThrow(InvalidValueError);
  });

  it('computes the chromatic match by hand', () => {
    const d = distributions([0.2, 0.5, 0.3], [0.6, 0.2, 0.2], [0.1, 0.2, 0.7]);
    // vs Orange: temporal .02+.4+.03=.45, spatial .48+.02+.02=.52, ontological .01+.02+.56=.59 → mean .52
    expect(chromaticMatch(d, 0.5, 'Orange', 'card')).toBeCloseTo(0.52 * 0.75, 12);
    expect(() => chromaticMatch(d, 1.5, 'Orange', 'card')).toThrow(/confidence is 1.5/);
  });
});
