import type { Refractor } from '@refractor/node';

/**
 * Embeds the distinct concept texts of a run up front — from the persistent
 * concept cache where possible, else with one opening of the text encoder,
 * released before the audio work starts — and returns a lookup for them
 * (datasets repeat concepts, most often none at all, which is zeros). A text
 * not given up front is embedded on demand.
 *
 * @example
 * ```ts
 * const conceptEmbedding = await conceptCache(refractor, songs.map((song) => song.concept));
 * const vector = await conceptEmbedding(songs[0].concept);
 * ```
 */
export async function conceptCache(refractor: Refractor, texts: readonly (string | null)[] = []): Promise<(text: string | null) => Promise<Float32Array>> {
  const distinct = [...new Set(texts.map((text) => text ?? ''))];
  const vectors = await refractor.prepareConcepts(distinct);
  const concepts = new Map<string, Promise<Float32Array>>(distinct.map((text, i) => [text, Promise.resolve(vectors[i]!)]));
  return (text) => {
    const key = text ?? '';
    let embedding = concepts.get(key);
    if (!embedding) {
      embedding = refractor.prepareConcept(text);
      concepts.set(key, embedding);
    }
    return embedding;
  };
}
