/** Deterministic xorshift32 in [0, 1): the same "random" blocks and signals on every run. */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/** Uniform noise in [-1, 1) from {@link random}. */
export function noise(length: number, seed: number): Float32Array {
  const next = random(seed);
  return Float32Array.from({ length }, () => 2 * next() - 1);
}
