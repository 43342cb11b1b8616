import type { Refractor } from '@refractor/node';

/**
 * Embeds each distinct concept text once (datasets repeat them, most often
 * none at all, which is zeros).
 */
export function conceptCache(refractor: Refractor): (text: string | null) => Promise<Float32Array> {
  const concepts = new Map<string, Promise<Float32Array>>();
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
