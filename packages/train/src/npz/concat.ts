import type { EmbeddingsFile } from './embeddings.js';

/**
 * Stacks per-song caches into one, rows in the given order.
 *
 * @example
 * ```ts
 * const all = concatEmbeddings([songA, songB]); // songA's rows, then songB's
 * ```
 */
export function concatEmbeddings(parts: readonly EmbeddingsFile[]): EmbeddingsFile {
  const stack = (pick: (part: EmbeddingsFile) => Float32Array) => {
    const out = new Float32Array(parts.reduce((n, part) => n + pick(part).length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(pick(part), at);
      at += pick(part).length;
    }
    return out;
  };
  return {
    clapEmbs: stack((part) => part.clapEmbs),
    conceptEmbs: stack((part) => part.conceptEmbs),
    colors: parts.flatMap((part) => part.colors),
    songIds: parts.flatMap((part) => part.songIds),
  };
}
