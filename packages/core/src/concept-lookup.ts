/** Turns a concept text (none or blank: zeros) into its 768-d embedding. */
export type ConceptLookup = (text: string | null | undefined) => Promise<Float32Array>;

/** What {@link conceptLookup} needs: the concept methods every Refractor class has. */
export interface ConceptSource {
  prepareConcept(text?: string | null): Promise<Float32Array>;
  prepareConcepts(texts: readonly (string | null | undefined)[]): Promise<Float32Array[]>;
}

/**
 * A lookup for a run's concepts: the distinct `texts` are embedded up front
 * (from the concept storage where possible, else with one opening of the text
 * encoder) and held for the whole run, however many there are; a text not
 * given up front is embedded on demand and held too. Blank and missing texts
 * are one entry (zeros). For a run whose concepts are known (the CLI's
 * datasets and extraction); a long-lived process (a server, a queue worker)
 * calls `prepareConcept`, whose memory is bounded and backed by the concept
 * storage.
 *
 * @example
 * ```ts
 * const concept = await conceptLookup(refractor, songs.map((song) => song.concept));
 * const vector = await concept(songs[0].concept);
 * ```
 */
export async function conceptLookup(source: ConceptSource, texts: readonly (string | null | undefined)[] = []): Promise<ConceptLookup> {
  const keyOf = (text: string | null | undefined) => (text == null || text.trim() === '' ? '' : text);
  const distinct = [...new Set(texts.map(keyOf))];
  const vectors = await source.prepareConcepts(distinct);
  const held = new Map<string, Promise<Float32Array>>(distinct.map((text, i) => [text, Promise.resolve(vectors[i]!)]));
  return async (text) => {
    const key = keyOf(text);
    let embedding = held.get(key);
    if (!embedding) {
      embedding = source.prepareConcept(key);
      held.set(key, embedding);
      // A failure is not held: the next lookup of the text tries again.
      embedding.catch(() => held.get(key) === embedding && held.delete(key));
    }
    return (await embedding).slice();
  };
}
