import { describe, expect, it } from 'vitest';
import { concatEmbeddings, embeddingRows, readEmbeddings, songRows, writeEmbeddings, type ChunkEmbedder } from '@refractor/train';

/** A stand-in for Refractor.embedChunks: `chunks` rows of 512 values, row r filled with r + 1. */
function fakeEmbedder(chunks: number): ChunkEmbedder<{ chunkSizeS: number }> & { calls: Array<[string, { chunkSizeS: number }]> } {
  const calls: Array<[string, { chunkSizeS: number }]> = [];
  return {
    calls,
    async embedChunks(audio, options) {
      calls.push([audio, options]);
      const embeddings = new Float32Array(chunks * 512);
      for (let row = 0; row < chunks; row++) embeddings.fill(row + 1, row * 512, (row + 1) * 512);
      return { embeddings, chunks: Array.from({ length: chunks }, (_, i) => ({ index: i })) };
    },
  };
}

describe('songRows and concatEmbeddings', () => {
  it("repeat the song's concept, color and id on each chunk row, and stack songs in order", async () => {
    const concept = Float32Array.from({ length: 768 }, (_, i) => i / 768);
    const embedder = fakeEmbedder(3);
    const a = await songRows(embedder, { id: 'a', audio: 'a.wav', color: 'Red' }, concept, { chunkSizeS: 30 });
    expect(embedder.calls).toEqual([['a.wav', { chunkSizeS: 30 }]]);
    expect(a.colors).toEqual(['Red', 'Red', 'Red']);
    expect(a.songIds).toEqual(['a', 'a', 'a']);
    expect(a.conceptEmbs.subarray(768 * 2, 768 * 3)).toEqual(concept);
    const b = await songRows(fakeEmbedder(1), { id: 'b', audio: 'b.wav', color: 'Blue' }, new Float32Array(768), { chunkSizeS: 30 });
    const all = concatEmbeddings([a, b]);
    expect(embeddingRows(all)).toBe(4);
    expect(all.songIds).toEqual(['a', 'a', 'a', 'b']);
    expect(all.clapEmbs[512 * 2]).toBe(3);
    expect(all.clapEmbs[512 * 3]).toBe(1);
    expect(all.conceptEmbs.subarray(768 * 3)).toEqual(new Float32Array(768));
    // What is written reads back as the same cache.
    expect(readEmbeddings(writeEmbeddings(all))).toEqual(all);
  });
});
