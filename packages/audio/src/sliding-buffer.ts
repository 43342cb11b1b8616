/**
 * Mono audio held only from the oldest sample still needed, addressed by
 * absolute sample index: memory is bounded by one chunk, not by the song.
 */
export class SlidingBuffer {
  private data = new Float32Array(0);
  private length = 0;
  /** Absolute index of the first sample held. */
  origin = 0;

  /** Absolute index one past the last sample held. */
  get end(): number {
    return this.origin + this.length;
  }

  append(samples: Float32Array): void {
    if (this.length + samples.length > this.data.length) {
      const grown = new Float32Array(Math.max(this.length + samples.length, this.data.length * 2, 1 << 16));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(samples, this.length);
    this.length += samples.length;
  }

  /** Forgets samples before absolute index `from`. */
  dropBefore(from: number): void {
    const drop = Math.min(Math.max(from - this.origin, 0), this.length);
    if (drop === 0) return;
    this.data.copyWithin(0, drop, this.length);
    this.length -= drop;
    this.origin += drop;
  }

  /** Copies [from, from + out.length) into `out`, with zeros where no audio is held past the end (the padding). */
  copyInto(out: Float32Array, from: number): void {
    if (from < this.origin) throw new RangeError(`sample ${from} was already dropped (buffer starts at ${this.origin})`);
    out.fill(0);
    const stop = Math.min(from + out.length, this.end);
    if (stop > from) out.set(this.data.subarray(from - this.origin, stop - this.origin), 0);
  }
}
