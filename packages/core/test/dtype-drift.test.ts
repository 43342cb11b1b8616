import { describe, expect, it } from 'vitest';
import { aggregateChunks, cosineSimilarity, decodeChunk, DtypeDriftAccumulator, type DriftSide } from '../src/index.js';

// Hand-built songs: nine-color probability rows whose differences, argmaxes and
// cosines are worked out on paper below, so every figure has an independent value.

/** A probability row with `top` on color `at` and the rest shared evenly. */
function row(at: number, top: number): number[] {
  return Array.from({ length: 9 }, (_, i) => (i === at ? top : (1 - top) / 8));
}

function side(rows: number[][], embeddings: number[][]): DriftSide {
  const chunks = rows.map((probs, i) => decodeChunk(probs, { start_s: 5 * i, end_s: 5 * i + 30 }));
  return { embeddings: Float32Array.from(embeddings.flat()), song: aggregateChunks(chunks) };
}

describe('cosineSimilarity', () => {
  it('is the cosine of the angle, worked by hand', () => {
    expect(cosineSimilarity([1, 0], [1, 1])).toBeCloseTo(Math.SQRT1_2, 15);
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 15);
    expect(cosineSimilarity([1, 0], [-1, 0])).toBe(-1);
    expect(cosineSimilarity([3, 4], [4, -3])).toBe(0);
  });

  it('treats zero vectors as "no concept": both zero are the same, one zero is unrelated', () => {
    expect(cosineSimilarity([0, 0], [0, 0])).toBe(1);
    expect(cosineSimilarity([0, 0], [1, 0])).toBe(0);
  });

  it('refuses vectors of different lengths, naming both', () => {
    expect(() => cosineSimilarity([1, 2], [1, 2, 3])).toThrow(/lengths 2 and 3/);
  });
});

describe('DtypeDriftAccumulator', () => {
  it('reports the hand-computed cosine, probability changes and flips of two songs', () => {
    const drift = new DtypeDriftAccumulator('q8', 'fp32', 2);
    // Song A: chunk 0 moves 0.6 → 0.5 on Red (Δ 0.1, others Δ 0.0125), same color;
    // chunk 1 flips Orange (0.4) → Red (0.4 > 0.075): Δ on Orange 0.4 - 0.075 = 0.325.
    drift.addSong(
      'a.ogg',
      side([row(0, 0.6), row(1, 0.4)], [[1, 0], [0, 1]]),
      side([row(0, 0.5), row(0, 0.4)], [[1, 1], [0, 1]]),
    );
    // Song B: one chunk, identical.
    drift.addSong('b.ogg', side([row(4, 0.9)], [[2, 0]]), side([row(4, 0.9)], [[2, 0]]));
    const s = drift.summary();
    expect(s).toMatchObject({ dtype: 'q8', reference: 'fp32', songs: 2, chunks: 3 });
    // cosines: √½, 1, 1.
    expect(s.embedding_cosine.min).toBeCloseTo(Math.SQRT1_2, 12);
    expect(s.embedding_cosine.mean).toBeCloseTo((Math.SQRT1_2 + 2) / 3, 12);
    expect(s.chunk_prob_change.max).toBeCloseTo(0.325, 12);
    expect(s.chunk_prob_change.mean).toBeCloseTo((0.1 + 0.325 + 0) / 3, 12);
    expect(s.chunk_color_flips).toEqual({ count: 1, rate: 1 / 3 });
    expect(s.worst).toMatchObject({ song: 'a.ogg', chunk: 1, start_s: 5, embedding_cosine: 1 });
    expect(s.worst!.prob_change).toBeCloseTo(0.325, 12);
    // Song A by vote: fp32 chunks Red, Orange → tie to the first (Red); q8 Red, Red → Red: no song flip.
    expect(s.song_color_flips).toEqual({ count: 0, rate: 0, songs: [] });
    expect(s.concept_cosine).toBeUndefined();
  });

  it('counts a song whose color flips, and names it', () => {
    const drift = new DtypeDriftAccumulator('fp16', 'fp32', 1);
    drift.addSong('c.ogg', side([row(2, 0.5)], [[1]]), side([row(3, 0.5)], [[1]]));
    drift.addConcept([1, 0, 0], [1, 1, 0]);
    const s = drift.summary();
    expect(s.song_color_flips).toEqual({ count: 1, rate: 1, songs: [{ song: 'c.ogg', reference: 'Yellow', dtype: 'Green' }] });
    // The pooled song probabilities are the chunk's: Δ on Yellow and Green is 0.5 - 0.0625.
    expect(s.song_prob_change.max).toBeCloseTo(0.4375, 12);
    expect(s.concept_cosine).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('refuses songs whose chunks do not line up, or embeddings of the wrong size', () => {
    const drift = new DtypeDriftAccumulator('q8', 'fp32', 2);
    expect(() => drift.addSong('d.ogg', side([row(0, 0.6)], [[1, 0]]), side([row(0, 0.6), row(0, 0.6)], [[1, 0], [1, 0]]))).toThrow(/d\.ogg: chunks/);
    expect(() => drift.addSong('e.ogg', side([row(0, 0.6)], [[1, 0, 0]]), side([row(0, 0.6)], [[1, 0]]))).toThrow(/e\.ogg: fp32 embeddings/);
    expect(() => new DtypeDriftAccumulator('q8', 'fp32', 0)).toThrow(/dim/);
  });
});
