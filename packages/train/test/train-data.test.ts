// Class weights and the song-level stratified split, by hand.
import { describe, expect, it } from 'vitest';
import { classWeights, SeededRng, splitSongs } from '../src/train/index.js';

describe('classWeights', () => {
  it('inverse frequency, mean 1 over the nine classes, absent classes 0', () => {
    // Counts Red 3, Orange 1 → 1/3 and 1, sum 4/3, scaled by 9 / (4/3).
    const weights = Array.from(classWeights([0, 0, 0, 1]));
    expect(weights[0]).toBeCloseTo(2.25, 12);
    expect(weights[1]).toBeCloseTo(6.75, 12);
    expect(weights.slice(2)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(weights.reduce((a, b) => a + b, 0) / 9).toBeCloseTo(1, 12);
  });

  it('is all ones for balanced classes', () => {
    const labels = Array.from({ length: 27 }, (_, i) => i % 9);
    for (const v of classWeights(labels)) expect(v).toBeCloseTo(1, 12);
  });
});

/** `songs[color]` songs of `chunks` rows each for each color. */
function dataset(songsPerColor: number[], chunks = 3) {
  const labels: number[] = [];
  const songIds: string[] = [];
  songsPerColor.forEach((n, color) => {
    for (let s = 0; s < n; s++) for (let k = 0; k < chunks; k++) {
      labels.push(color);
      songIds.push(`c${color}-s${s}`);
    }
  });
  return { labels, songIds };
}

describe('splitSongs', () => {
  it('stratifies by color: round(valFrac·n) validation songs, at least 1, keeping a training song', () => {
    // Red 10 → 2, Orange 5 → 1, Yellow 2 → max(1, round(0.4)) = 1, Green 1 → train only, Blue 0, Indigo 3 → round(0.6) = 1.
    const { labels, songIds } = dataset([10, 5, 2, 1, 0, 3]);
    const split = splitSongs(labels, songIds, 0.2, new SeededRng(42));
    const count = (list: string[], color: number) => list.filter((id) => id.startsWith(`c${color}-`)).length;
    expect([0, 1, 2, 3, 4, 5].map((c) => count(split.valSongs, c))).toEqual([2, 1, 1, 0, 0, 1]);
    expect([0, 1, 2, 3, 4, 5].map((c) => count(split.trainSongs, c))).toEqual([8, 4, 1, 1, 0, 2]);
    expect(split.warnings).toHaveLength(1);
    expect(split.warnings[0]).toMatch(/Green has a single song/);
    // A partition of the songs.
    expect(new Set([...split.trainSongs, ...split.valSongs]).size).toBe(21);
    expect(split.trainSongs.length + split.valSongs.length).toBe(21);
  });

  it('caps validation at n − 1 songs when valFrac rounds up to all of them', () => {
    const { labels, songIds } = dataset([3]);
    const split = splitSongs(labels, songIds, 0.9, new SeededRng(1));
    expect(split.valSongs).toHaveLength(2);
    expect(split.trainSongs).toHaveLength(1);
  });

  it('is deterministic for a seed, varies with the seed, and ignores row order', () => {
    const { labels, songIds } = dataset([20, 20]);
    const a = splitSongs(labels, songIds, 0.2, new SeededRng(42));
    const b = splitSongs([...labels].reverse(), [...songIds].reverse(), 0.2, new SeededRng(42));
    expect(b.valSongs).toEqual(a.valSongs);
    const seeds = [1, 2, 3, 4, 5].map((s) => splitSongs(labels, songIds, 0.2, new SeededRng(s)).valSongs.join());
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });

  it('rejects a song whose chunks carry different colors', () => {
    expect(() => splitSongs([0, 1], ['a', 'a'], 0.2, new SeededRng(1))).toThrow(/song "a" has chunks labeled Red and Orange/);
  });
});
