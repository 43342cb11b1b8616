import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamingResampler } from '../src/resample/index.js';
import { planResampler } from '../src/resample/plan.js';
import { SIMD_KERNEL_BASE64 } from '../src/resample/simd-kernel-bytes.js';
import { createSimdKernel, simdKernel } from '../src/resample/simd-kernel.js';
import { decodeBase64 } from '../src/wasm.js';
import { noise, random } from './seeded-signal.js';

/** Streams `input` in random block sizes (some 0, some over a kernel chunk), concatenated. */
function streamRandomly(input: Float32Array, resampler: StreamingResampler, seed: number): Float32Array {
  const next = random(seed);
  const parts: Float32Array[] = [];
  let start = 0;
  while (start < input.length) {
    const pick = next();
    const size = pick < 0.1 ? 0 : pick < 0.5 ? Math.floor(next() * 64) : Math.floor(next() * 20000);
    parts.push(resampler.process(input.subarray(start, start + size)));
    start += size;
  }
  parts.push(resampler.flush());
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Index of the first element whose bits differ (Object.is: -0 ≠ 0), or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/**
 * Output k of an exact table computed straight from the definition (polyphase.ts): position
 * k·M/L = i + p/L, taps in[i − K/2 + 1 + t]·row p[t], zero outside the input; `order` says how
 * the float64 products are summed.
 */
function directOutput(input: Float32Array, inRate: number, k: number, order: 'four-lanes' | 'float32'): number {
  const { ratio, table } = planResampler(inRate, 48000);
  const taps = table.tapsPerPhase;
  const whole = Math.floor((k * ratio.down) / ratio.up);
  const phase = (k * ratio.down) % ratio.up;
  const lanes = [0, 0, 0, 0];
  let single = Math.fround(0);
  for (let t = 0; t < taps; t++) {
    const i = whole - taps / 2 + 1 + t;
    const product = (i >= 0 && i < input.length ? input[i]! : 0) * table.coefficients[phase * taps + t]!;
    lanes[t % 4] += product;
    single = Math.fround(single + Math.fround(product));
  }
  if (order === 'float32') return single;
  return Math.fround(lanes[0]! + lanes[1]! + (lanes[2]! + lanes[3]!));
}

describe('WebAssembly SIMD resampler kernel', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('runs by default in Node (which has WebAssembly SIMD)', () => {
    expect(simdKernel()).not.toBeNull();
    expect(new StreamingResampler(44100, 48000).kernel).toBe('simd');
    expect(new StreamingResampler(44100, 48000, { simd: false }).kernel).toBe('js');
    expect(new StreamingResampler(48000, 48000).kernel).toBe('none');
  });

  // Every kernel: upsampling in pairs (44.1, 22.05, 8 kHz), downsampling (88.2, 96, 384 kHz),
  // an awkward exact table (44056 Hz, L = 6000) and an interpolated one (47999 Hz, L = 48000).
  const rates = [8000, 11025, 22050, 32000, 44056, 44100, 47999, 88200, 96000, 384000];
  it.each(rates)('is bit-identical to the JS kernels at %i Hz, for random lengths and block splits', (rate) => {
    const next = random(rate);
    for (let trial = 0; trial < 6; trial++) {
      // Lengths from a few samples (shorter than the filter) to ~1.5 s; every start phase follows.
      const length = trial === 0 ? 1 + Math.floor(next() * 40) : Math.floor(next() * rate * 1.5);
      const input = noise(length, rate + trial);
      const simd = new StreamingResampler(rate, 48000, { simd: true });
      const js = new StreamingResampler(rate, 48000, { simd: false });
      expect(simd.kernel).toBe('simd');
      const a = streamRandomly(input, simd, trial);
      const b = streamRandomly(input, js, trial + 100);
      expect(a.length).toBe(b.length);
      expect(firstBitDifference(a, b)).toBe(-1);
    }
  });

  it('is bit-identical on loud, quiet and denormal-range input and on exact zeros', () => {
    const next = random(7);
    const input = Float32Array.from({ length: 30000 }, (_, i) => {
      const scale = [1, 1e-3, 1e-30, 1e-38, 0, 3e4][Math.floor(i / 5000)]!;
      return scale * (2 * next() - 1);
    });
    for (const rate of [44100, 96000, 47999]) {
      const a = new StreamingResampler(rate, 48000).flush(input);
      const b = new StreamingResampler(rate, 48000, { simd: false }).flush(input);
      expect(firstBitDifference(a, b)).toBe(-1);
    }
  });

  it('equals the definition summed in the JS kernels\' order; float32 arithmetic would change bits', () => {
    // The trap a SIMD port falls into is f32x4 arithmetic: summing the products in float32 (as
    // f32x4 lanes would) changes most outputs, so the bit-identity checks above would catch it.
    // Reordering the float64 sum moves results by ~1e-16, which the final rounding to float32
    // almost never shows (0 of these 4000 outputs): the kernel keeps JS's order all the same.
    const input = noise(20000, 3);
    const out = new StreamingResampler(44100, 48000).flush(input);
    let float32Differs = 0;
    for (let k = 0; k < 4000; k++) {
      expect(Object.is(out[k], directOutput(input, 44100, k, 'four-lanes'))).toBe(true);
      if (!Object.is(out[k], directOutput(input, 44100, k, 'float32'))) float32Differs++;
    }
    expect(float32Differs).toBeGreaterThan(1000);
  });

  it('is not used where the engine cannot validate the module (no SIMD)', () => {
    // An engine without SIMD rejects the module as this one rejects an unknown opcode: make the
    // first SIMD instruction (prefix 0xfd) an undefined prefix.
    const bytes = decodeBase64(SIMD_KERNEL_BASE64);
    expect(createSimdKernel(bytes)).not.toBeNull();
    const broken = bytes.slice();
    const simdOp = broken.indexOf(0xfd);
    expect(simdOp).toBeGreaterThan(0);
    broken[simdOp] = 0xff;
    const wasm = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
    expect(wasm.validate(broken)).toBe(false);
    expect(createSimdKernel(broken)).toBeNull();
  });

  it('falls back to the JS kernels, same output, where there is no WebAssembly', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    vi.resetModules();
    const fresh = await import('../src/resample/index.js');
    const resampler = new fresh.StreamingResampler(44100, 48000);
    expect(resampler.kernel).toBe('js');
    vi.unstubAllGlobals();
    const input = noise(50000, 9);
    const expected = new StreamingResampler(44100, 48000).flush(input);
    expect(firstBitDifference(resampler.flush(input), expected)).toBe(-1);
  });
});
