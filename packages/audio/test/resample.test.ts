import { InvalidValueError } from '@refractor/core';
import { describe, expect, it } from 'vitest';
import { StreamingResampler, resample } from '../src/resample/index.js';
import { planBands } from '../src/resample/band-plan.js';
import { designKaiserLowpass } from '../src/resample/kaiser.js';
import { ceilDiv } from '../src/resample/rates.js';
import { noise, random } from './seeded-signal.js';

/** ceil(n · outRate / inRate) in exact integer arithmetic: the independent reference length. */
function expectedLength(n: number, inRate: number, outRate: number): number {
  const numerator = BigInt(n) * BigInt(outRate);
  const denominator = BigInt(inRate);
  return Number((numerator + denominator - 1n) / denominator);
}

/** Streams `input` through one resampler in the given block sizes (0 allowed), concatenated. */
function streamInBlocks(input: Float32Array, inRate: number, outRate: number, sizes: number[]): Float32Array {
  const resampler = new StreamingResampler(inRate, outRate);
  const parts: Float32Array[] = [];
  let start = 0;
  for (const size of sizes) {
    parts.push(resampler.process(input.subarray(start, start + size)));
    start += size;
  }
  parts.push(resampler.process(input.subarray(start)));
  parts.push(resampler.flush());
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Index of the first element whose bits differ (Object.is: -0 ≠ 0, NaN = NaN), or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

const AWKWARD_RATES = [8000, 11025, 22050, 32000, 44056, 44100, 47999, 88200, 96000, 384000];

describe('output length', () => {
  it.each(AWKWARD_RATES)('is exactly ceil(n·48000/%i) for many n, including 0, 1 and 2', (rate) => {
    const next = random(rate);
    const randomLengths = Array.from({ length: 8 }, () => Math.floor(next() * 30000));
    const lengths = [0, 1, 2, 3, 17, 146, 147, 148, 1000, 4801, ...randomLengths];
    for (const n of lengths) {
      expect(resample(new Float32Array(n), rate, 48000).length, `n = ${n}`).toBe(expectedLength(n, rate, 48000));
    }
  });

  it('also for other output rates, up and down', () => {
    for (const [inRate, outRate] of [
      [48000, 44100],
      [48000, 16000],
      [22050, 44100],
      [44100, 8000],
    ] as const) {
      for (const n of [0, 1, 2, 441, 1000, 12345]) {
        expect(resample(new Float32Array(n), inRate, outRate).length).toBe(expectedLength(n, inRate, outRate));
      }
    }
  });

  it('holds the documented lookahead while streaming: outputs at t < (n − K/2)/inputRate are out', () => {
    const resampler = new StreamingResampler(44100, 48000);
    const halfTaps = resampler.design!.lookaheadSamples;
    let received = 0;
    let produced = 0;
    for (const size of [1, 5, 12, 100, 1, 0, 3000, 7]) {
      produced += resampler.process(new Float32Array(size)).length;
      received += size;
      expect(produced).toBe(expectedLength(Math.max(0, received - halfTaps), 44100, 48000));
    }
    produced += resampler.flush().length;
    expect(produced).toBe(expectedLength(received, 44100, 48000));
  });
});

describe('block-size invariance', () => {
  it.each(AWKWARD_RATES)('streaming %i Hz in random blocks (0, 1, tiny, huge) is bitwise resample()', (rate) => {
    const input = noise(Math.min(3 * rate, 40000) + 13, rate);
    const whole = resample(input, rate, 48000);
    const next = random(rate + 1);
    const sizeChoices = [0, 1, 1, 2, 3, 7, 64, 147, 1000, 8191, 8192, 8193, 20000];
    for (let trial = 0; trial < 3; trial++) {
      const sizes = Array.from({ length: 40 }, () => sizeChoices[Math.floor(next() * sizeChoices.length)]!);
      expect(firstBitDifference(streamInBlocks(input, rate, 48000, sizes), whole)).toBe(-1);
    }
    const oneByOne = streamInBlocks(input.subarray(0, 3000), rate, 48000, Array(3000).fill(1));
    expect(firstBitDifference(oneByOne, resample(input.subarray(0, 3000), rate, 48000))).toBe(-1);
  });

  it('flush(lastBlock) equals process(lastBlock) then flush(), and flush() readies a new stream', () => {
    const input = noise(5000, 7);
    const resampler = new StreamingResampler(44100, 48000);
    const viaProcess = [
      ...resampler.process(input.subarray(0, 3000)),
      ...resampler.process(input.subarray(3000)),
      ...resampler.flush(),
    ];
    const viaFlush = [...resampler.process(input.subarray(0, 3000)), ...resampler.flush(input.subarray(3000))];
    expect(viaFlush).toEqual(viaProcess);
    expect(viaFlush).toEqual([...resample(input, 44100, 48000)]);
  });

  it('reset() discards a half-processed stream', () => {
    const resampler = new StreamingResampler(96000, 48000);
    resampler.process(noise(777, 3));
    resampler.reset();
    const input = noise(2000, 4);
    expect([...resampler.flush(input)]).toEqual([...resample(input, 96000, 48000)]);
  });
});

describe('edges: the input is zero outside [0, n)', () => {
  it.each([44100, 96000, 11025, 47999])('matches resampling the same signal padded with zeros (%i Hz)', (rate) => {
    // Pad by a whole number of ratio periods (M input samples give L outputs), so the padded
    // signal's outputs land on the same phases and must be bitwise equal.
    const { up, down } = new StreamingResampler(rate, 48000).design!;
    const periods = Math.ceil(500 / down);
    const pad = periods * down;
    const input = noise(1200, rate);
    const padded = new Float32Array(pad + input.length + pad);
    padded.set(input, pad);
    const plain = resample(input, rate, 48000);
    const fromPadded = resample(padded, rate, 48000).subarray(periods * up, periods * up + plain.length);
    expect(firstBitDifference(plain, fromPadded)).toBe(-1);
  });
});

describe('passthrough and DC', () => {
  it('passes 48 kHz through unchanged, as a copy, streaming or not', () => {
    const input = noise(10000, 11);
    const out = resample(input, 48000, 48000);
    expect(firstBitDifference(out, input)).toBe(-1);
    expect(out).not.toBe(input);
    expect(firstBitDifference(streamInBlocks(input, 48000, 48000, [0, 1, 999, 5000]), input)).toBe(-1);
    expect(new StreamingResampler(48000, 48000).design).toBeNull();
  });

  it.each([8000, 22050, 44100, 44056, 47999, 96000, 384000])('keeps a constant constant away from the edges (%i Hz)', (rate) => {
    const out = resample(new Float32Array(rate / 2).fill(0.7), rate, 48000);
    const edge = Math.ceil((new StreamingResampler(rate, 48000).design!.lookaheadSamples * 48000) / rate) + 1;
    let worst = 0;
    for (let k = edge; k < out.length - edge; k++) worst = Math.max(worst, Math.abs(out[k]! - 0.7));
    // Each phase's taps are normalised to sum to 1, so only float32 rounding remains.
    expect(worst).toBeLessThan(2e-7);
  });
});

describe('argument checks', () => {
  it.each([0, -44100, Number.NaN, 44100.5, Number.POSITIVE_INFINITY, 999, 768001])('rejects inputRate %s', (rate) => {
    expect(() => new StreamingResampler(rate, 48000)).toThrow(InvalidValueError);
    expect(() => new StreamingResampler(rate, 48000)).toThrow(
      `inputRate is ${rate}; expected an integer sample rate in Hz from 1000 to 768000`,
    );
    expect(() => resample(new Float32Array(10), rate, 48000)).toThrow(/^inputRate is/);
  });

  it.each([0, -48000, Number.NaN, 47999.9])('rejects outputRate %s', (rate) => {
    expect(() => new StreamingResampler(44100, rate)).toThrow(
      `outputRate is ${rate}; expected an integer sample rate in Hz from 1000 to 768000`,
    );
  });

  it('rejects a rate given as a string and blocks that are not Float32Array', () => {
    expect(() => new StreamingResampler('44100' as unknown as number, 48000)).toThrow(/^inputRate is "44100"/);
    const resampler = new StreamingResampler(44100, 48000);
    expect(() => resampler.process([0, 1] as unknown as Float32Array)).toThrow(
      'block is an array of length 2; expected a Float32Array of mono samples',
    );
    expect(() => resampler.flush(new Float64Array(2) as unknown as Float32Array)).toThrow(/^lastBlock is/);
  });

  it('accepts the extremes of the range, downsampling by at most 16', () => {
    expect(resample(new Float32Array(100), 1000, 768000).length).toBe(76800);
    expect(resample(new Float32Array(7680), 768000, 48000).length).toBe(480);
    expect(() => new StreamingResampler(768000, 47999)).toThrow(
      'outputRate is 47999; expected at least inputRate / 16 = 48000',
    );
  });
});

describe('design', () => {
  it('plans the documented bands', () => {
    expect(planBands(44100, 48000)).toEqual({ passbandHz: 20000, stopbandHz: 28000 });
    expect(planBands(96000, 48000)).toEqual({ passbandHz: 20000, stopbandHz: 28000 });
    expect(planBands(44056, 48000)).toEqual({ passbandHz: 20000, stopbandHz: 28000 });
    expect(planBands(8000, 48000)).toEqual({ passbandHz: 3600, stopbandHz: 4400 });
    expect(planBands(32000, 48000)).toEqual({ passbandHz: 14400, stopbandHz: 17600 });
    expect(planBands(48000, 16000)).toEqual({ passbandHz: 7200, stopbandHz: 8800 });
  });

  it('needs 36 taps per output for 44.1 → 48 kHz, reduces the ratio and reports it', () => {
    expect(designKaiserLowpass(20000 / 44100, 28000 / 44100).tapsPerPhase).toBe(36);
    const design = new StreamingResampler(44100, 48000).design!;
    expect(design).toMatchObject({ up: 160, down: 147, tapsPerPhase: 36, interpolated: false, lookaheadSamples: 18 });
    expect(design.cutoffHz).toBeGreaterThan(20000);
    expect(design.cutoffHz).toBeLessThan(28000);
    expect(new StreamingResampler(47999, 48000).design!.interpolated).toBe(true);
  });

  it('ceilDiv is exact where the float quotient rounds onto an integer', () => {
    // Near 2^53 the float quotient can round onto the integer just below the true ceiling.
    for (const [a, b] of [
      [0, 7],
      [1, 7],
      [14, 7],
      [15, 7],
      [2 ** 52 + 1, 3],
      [9007199254740991, 147],
      [9007199254740990, 160],
    ] as const) {
      expect(ceilDiv(a, b)).toBe(Number((BigInt(a) + BigInt(b) - 1n) / BigInt(b)));
    }
  });
});
