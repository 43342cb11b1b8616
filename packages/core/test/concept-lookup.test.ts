import { describe, expect, it } from 'vitest';
import { conceptLookup, type ConceptSource } from '../src/index.js';

/** A concept source that embeds a text as its length, counting its calls; `failOnce` fails the first call for that text. */
function source(failOnce?: string) {
  const calls = { batches: [] as string[][], single: [] as string[] };
  let failed = false;
  const embed = (text: string | null | undefined) => Float32Array.of(text == null || text.trim() === '' ? 0 : text.length);
  const concepts: ConceptSource = {
    async prepareConcepts(texts) {
      calls.batches.push(texts.map(String));
      return texts.map(embed);
    },
    async prepareConcept(text) {
      calls.single.push(String(text));
      if (text === failOnce && !failed) {
        failed = true;
        throw new Error('encoder failed to open');
      }
      return embed(text);
    },
  };
  return { concepts, calls };
}

describe('conceptLookup', () => {
  it('embeds the distinct texts in one batch up front (blank and missing as one), then holds every one of them', async () => {
    const { concepts, calls } = source();
    const texts = Array.from({ length: 600 }, (_, i) => `concept ${i % 300}`);
    const lookup = await conceptLookup(concepts, [...texts, null, '  ', undefined, '']);
    expect(calls.batches).toHaveLength(1);
    expect(calls.batches[0]).toHaveLength(301); // 300 texts and one blank
    for (const text of texts) expect(Array.from(await lookup(text))).toEqual([text.length]);
    expect(Array.from(await lookup(null))).toEqual([0]);
    expect(Array.from(await lookup('   '))).toEqual([0]);
    expect(calls.single).toEqual([]);
  });

  it('embeds a text not given up front once, retries one that failed, and hands out copies', async () => {
    const { concepts, calls } = source('late');
    const lookup = await conceptLookup(concepts);
    await expect(lookup('late')).rejects.toThrow(/encoder failed/);
    expect(Array.from(await lookup('late'))).toEqual([4]);
    const first = await lookup('late');
    first[0] = 99;
    expect(Array.from(await lookup('late'))).toEqual([4]);
    expect(calls.single).toEqual(['late', 'late']);
  });
});
