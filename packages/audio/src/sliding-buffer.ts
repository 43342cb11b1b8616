/**
 * Mono audio held only from the oldest sample still needed, addressed by
 * absolute sample index: memory is bounded by one chunk, not by the song.
 */
export class SlidingBuffer {
  private data = new Float32Array(0);
  /** Where the held samples start in `data`: dropping only moves this, appending compacts when needed. */
  private head = 0;
  private length = 0;
  /** Absolute index of the first sample held. */
  origin = 0;

  /** Absolute index one past the last sample held. */
  get end(): number {
    return this.origin + this.length;
  }

  append(samples: Float32Array): void {
    if (this.head + this.length + samples.length > this.data.length) {
      if (this.length + samples.length <= this.data.length) {
        // Room once the dropped prefix is reclaimed: one move per buffer-full of appends,
        // not one per drop (moving ~25 s of audio after every chunk cost more than the copies it saved).
        this.data.copyWithin(0, this.head, this.head + this.length);
      } else {
        const grown = new Float32Array(Math.max(this.length + samples.length, this.data.length * 2, 1 << 16));
        grown.set(this.data.subarray(this.head, this.head + this.length));
        this.data = grown;
      }
      this.head = 0;
    }
    this.data.set(samples, this.head + this.length);
    this.length += samples.length;
  }

  /** Forgets samples before absolute index `from`. */
  dropBefore(from: number): void {
    const drop = Math.min(Math.max(from - this.origin, 0), this.length);
    if (drop === 0) return;
    this.head += drop;
    this.length -= drop;
    this.origin += drop;
  }

  /**
   * The held samples [from, from + length) as a view into the buffer (no copy), or null when
   * part of that range is not held (dropped, or past the end). The view is valid until the
   * next {@link append}.
   */
  view(from: number, length: number): Float32Array | null {
    if (from < this.origin || from + length > this.end) return null;
    const at = this.head + from - this.origin;
    return this.data.subarray(at, at + length);
  }

  /** Copies [from, from + out.length) into `out`, with zeros where no audio is held past the end (the padding). */
  copyInto(out: Float32Array, from: number): void {
    if (from < this.origin) throw new RangeError(`sample ${from} was already dropped (buffer starts at ${this.origin})`);
    const stop = Math.min(from + out.length, this.end);
    const held = Math.max(stop - from, 0);
    if (held > 0) out.set(this.data.subarray(this.head + from - this.origin, this.head + stop - this.origin), 0);
    out.fill(0, held);
  }
}
