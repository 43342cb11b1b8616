import { describe, expect, it } from 'vitest';
import { PowerSpectrogram, RealFft, periodicHannWindow } from '../src/features/index.js';
import { seededNoise } from '@refractor/test-helpers';


/** Direct DFT of signal[reflect(start + j)] · window[j], bins 0 … n/2. */
function directDft(signal: Float32Array, start: number, window: Float64Array): { re: number[]; im: number[] } {
  const n = window.length;
  const last = signal.length - 1;
  const frame = Array.from({ length: n }, (_, j) => {
    let index = start + j;
    if (index < 0) index = -index;
    if (index > last) index = 2 * last - index;
    return signal[index]! * window[j]!;
  });
  const re: number[] = [];
  const im: number[] = [];
  for (let k = 0; k <= n / 2; k++) {
    let sr = 0;
    let si = 0;
    frame.forEach((x, j) => {
      const angle = (-2 * Math.PI * ((j * k) % n)) / n;
      sr += x * Math.cos(angle);
      si += x * Math.sin(angle);
    });
    re.push(sr);
    im.push(si);
  }
  return { re, im };
}

describe('periodicHannWindow', () => {
  it('is numpy hanning(n + 1)[:-1]: 0 at 0, 1 at n/2, symmetric w[k] = w[n − k]', () => {
    const w = periodicHannWindow(1024);
    expect(w.length).toBe(1024);
    expect(w[0]).toBe(0);
    expect(w[512]).toBe(1);
    for (let k = 1; k < 1024; k++) expect(w[k]).toBeCloseTo(w[1024 - k]!, 15);
    for (let k = 0; k < 1024; k++) expect(w[k]).toBeCloseTo(0.5 - 0.5 * Math.cos((2 * Math.PI * k) / 1024), 15);
  });
});

describe('RealFft', () => {
  it('matches a direct DFT for every size 16…2048, inside and overhanging the signal (reflect)', () => {
    const signal = seededNoise(3000, 7, 1);
    for (const size of [16, 32, 64, 128, 256, 512, 1024, 2048]) {
      const fft = new RealFft(size);
      const window = periodicHannWindow(size);
      const bins = size / 2 + 1;
      const re = new Float64Array(bins);
      const im = new Float64Array(bins);
      for (const start of [-size / 2, 0, 777, signal.length - size / 2 - 1]) {
        fft.transform(signal, start, window, bins, re, im);
        const expected = directDft(signal, start, window);
        let scale = 0;
        for (let k = 0; k < bins; k++) scale = Math.max(scale, Math.hypot(expected.re[k]!, expected.im[k]!));
        for (let k = 0; k < bins; k++) {
          expect(Math.abs(re[k]! - expected.re[k]!)).toBeLessThan(1e-12 * scale);
          expect(Math.abs(im[k]! - expected.im[k]!)).toBeLessThan(1e-12 * scale);
        }
      }
    }
  });

  it('powerComplex64 squares the float32-rounded parts (numpy complex64 storage)', () => {
    const signal = seededNoise(4096, 3, 1);
    const fft = new RealFft(1024);
    const window = periodicHannWindow(1024);
    const re = new Float64Array(513);
    const im = new Float64Array(513);
    const power = new Float64Array(513);
    fft.transform(signal, 1000, window, 513, re, im);
    fft.powerComplex64(signal, 1000, window, 513, power);
    for (let k = 0; k < 513; k++) {
      expect(power[k]).toBe(Math.fround(re[k]!) ** 2 + Math.fround(im[k]!) ** 2);
    }
  });

  it('rejects sizes that are not powers of two >= 16', () => {
    expect(() => new RealFft(8)).toThrow(/size/);
    expect(() => new RealFft(1000)).toThrow(/power of two/);
  });
});

describe('PowerSpectrogram', () => {
  it('has 1 + floor(n / hop) frames: 1001 for 480 000 samples', () => {
    const stft = new PowerSpectrogram(1024, 480);
    expect(stft.frameCount(480_000)).toBe(1001);
    expect(stft.frameCount(480_479)).toBe(1001);
    expect(stft.frameCount(480_480)).toBe(1002);
  });

  it('frame t is centered on sample t·hop: a tone on bin 64 (3 kHz) peaks there', () => {
    const signal = Float32Array.from({ length: 48_000 }, (_, i) => Math.sin((2 * Math.PI * 3000 * i) / 48_000));
    const stft = new PowerSpectrogram(1024, 480);
    const power = new Float64Array(513);
    stft.frame(signal, 50, power);
    let peak = 0;
    for (let k = 1; k < 513; k++) if (power[k]! > power[peak]!) peak = k;
    expect(peak).toBe(64);
    // Hann window sums to 512; a unit sine puts 512/2 = 256 in its bin: power 65 536.
    expect(power[64]).toBeCloseTo(65_536, -1);
  });

  it('refuses signals too short to reflect-pad by n_fft / 2', () => {
    expect(() => new PowerSpectrogram(1024, 480).assertSignalLength(512)).toThrow(/signal.length/);
  });
});
