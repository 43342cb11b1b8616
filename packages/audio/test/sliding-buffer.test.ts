import { describe, expect, it } from 'vitest';
import { SlidingBuffer } from '../src/sliding-buffer.js';

describe('SlidingBuffer.view', () => {
  it('equals copyInto for every held range, through drops, compaction and growth', () => {
    const buffer = new SlidingBuffer();
    let next = 0;
    let origin = 0;
    const value = (i: number) => Math.sin(i * 0.37) * 1000 + i;
    for (let step = 0; step < 60; step++) {
      const block = Float32Array.from({ length: 1000 + ((step * 7919) % 30000) }, (_, k) => value(next + k));
      buffer.append(block);
      next += block.length;
      for (const [from, length] of [[origin, next - origin], [origin + 3, 500], [next - 700, 700], [Math.floor((origin + next) / 2), 1]]) {
        const view = buffer.view(from!, length!);
        const copy = new Float32Array(length!);
        buffer.copyInto(copy, from!);
        expect(view).not.toBeNull();
        expect(view!.length).toBe(length);
        let same = true;
        for (let i = 0; i < copy.length; i++) same &&= Object.is(view![i], copy[i]);
        expect(same).toBe(true);
      }
      expect(buffer.view(next - 10, 11)).toBeNull(); // reaches past the end
      if (origin > 0) expect(buffer.view(origin - 1, 5)).toBeNull(); // starts in dropped audio
      origin = Math.max(origin, next - 40000);
      buffer.dropBefore(origin);
    }
  });
});
