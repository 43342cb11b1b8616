// The log-mel's WebAssembly SIMD kernel (simd-spectrogram.wat) against its JS path, bit for bit
// (the float32 words, -0 ≠ 0), never within a tolerance: the JS path is the one the
// feature-reference tests tie to Hugging Face's extractor, so equal bits keep that tie.
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ClapFeatureExtractor,
  LARGER_CLAP_MUSIC_PREPROCESSOR,
  LogMelSpectrogram,
  StreamingResampler,
  downmix,
  melFilterBank,
  songChunkFeatures,
  sparsifyMelFilters,
  type SparseMelFilters,
} from '../src/index.js';
import { SimdMelSums } from '../src/features/simd-spectrogram.js';
import { SIMD_SPECTROGRAM_BASE64 } from '../src/features/simd-spectrogram-bytes.js';
import { openAudioFile } from '../src/node.js';
import { decodeBase64 } from '../src/wasm.js';
import { chosenTracks, decodeCorpusTrack } from './corpus.js';
import { noise, random } from './seeded-signal.js';

/** Index of the first element whose bits differ (Object.is: -0 ≠ 0), or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function filtersFor(fftSize: number, melBins: number, norm: 'slaney' | null): SparseMelFilters {
  const bins = fftSize / 2 + 1;
  const dense = melFilterBank({
    numFrequencyBins: bins,
    numMelFilters: melBins,
    minFrequency: 50,
    maxFrequency: 14000,
    samplingRate: 48000,
    norm,
    melScale: norm ? 'slaney' : 'htk',
  });
  return sparsifyMelFilters(dense, bins, melBins);
}

/** The same spectrogram with the SIMD kernel and with the JS path only. */
function pair(fftSize: number, hopLength: number, melBins = 64, norm: 'slaney' | null = 'slaney') {
  const filters = filtersFor(fftSize, melBins, norm);
  const simd = new LogMelSpectrogram({ fftSize, hopLength, filters });
  const js = new LogMelSpectrogram({ fftSize, hopLength, filters, simd: false });
  expect(simd.kernel).toBe('simd');
  expect(js.kernel).toBe('js');
  return { simd, js };
}

/** Noise with quiet stretches (near the −100 dB floor), loud ones and denormals. */
function hardSignal(length: number, seed: number): Float32Array {
  const next = random(seed);
  const signal = noise(length, seed);
  for (let i = 0; i < length; i++) {
    const region = Math.floor(i / 2000) % 5;
    if (region === 1) signal[i]! *= 1e-6;
    else if (region === 2) signal[i] = next() < 0.5 ? 1.4e-45 * Math.floor(next() * 100) : -1e-40;
    else if (region === 3) signal[i] = Math.sign(signal[i]!) || 1;
  }
  return signal;
}

describe('SIMD log-mel kernel: bit-identical to the JS path', () => {
  // Sizes whose FFT ends on a radix-4 pass (1024, 64, 16: no pass after the DFT-8s) and on a
  // radix-2 pass (512, 2048, 32), hops below, at and above the FFT size and not dividing it.
  const geometries: Array<[number, number]> = [
    [1024, 480], [1024, 512], [1024, 1], [1024, 1500], [512, 160], [2048, 480], [4096, 1000],
    [16, 5], [32, 7], [64, 100],
  ];
  it.each(geometries)('fft %i, hop %i: whole signals of many lengths', (fftSize, hop) => {
    const { simd, js } = pair(fftSize, hop);
    const lengths = [fftSize / 2 + 1, fftSize - 1, fftSize, fftSize + 1, 3 * fftSize + 7, 20 * hop + fftSize, 48_000 + 13];
    for (const length of lengths) {
      const signal = hardSignal(length, length);
      expect(firstBitDifference(simd.compute(signal), js.compute(signal)), `length ${length}`).toBe(-1);
    }
  });

  it('a full 10 s crop at CLAP geometry, both mel banks, silence and full scale', () => {
    for (const norm of ['slaney', null] as const) {
      const { simd, js } = pair(1024, 480, 64, norm);
      for (const signal of [hardSignal(480_000, 7), new Float32Array(480_000), new Float32Array(480_000).fill(1)]) {
        const a = simd.compute(signal);
        expect(firstBitDifference(a, js.compute(signal))).toBe(-1);
        expect(a.every(Number.isFinite)).toBe(true);
      }
    }
  });

  it('frame ranges that start and end inside, across the padded edges and across kernel batches', () => {
    const { simd, js } = pair(1024, 480);
    const signal = hardSignal(480 * (2 * SimdMelSums.batchFrames + 300), 99);
    const frames = simd.frameCount(signal.length);
    const next = random(5);
    const ranges: Array<[number, number]> = [[0, frames], [0, 1], [0, 3], [frames - 3, frames], [1, 2], [2, 4],
      [5, 5 + SimdMelSums.batchFrames], [7, 8 + 2 * SimdMelSums.batchFrames], [frames - 2, frames - 2]];
    for (let i = 0; i < 20; i++) {
      const a = Math.floor(next() * frames);
      ranges.push([a, a + Math.floor(next() * (frames - a))]);
    }
    for (const [from, to] of ranges) {
      // Rows outside the range must be left alone: start both outputs from the same sentinel.
      const a = new Float32Array(frames * 64).fill(12345);
      const b = new Float32Array(frames * 64).fill(12345);
      simd.computeFrames(signal, from, to, a);
      js.computeFrames(signal, from, to, b);
      expect(firstBitDifference(a, b), `frames [${from}, ${to})`).toBe(-1);
      expect(a[from * 64 - 1] ?? 12345).toBe(12345);
      expect(a[to * 64] ?? 12345).toBe(12345);
    }
  });

  it('the CLAP extractor: logMel crops and the fusion path', () => {
    const signal = hardSignal(48000 * 25, 3);
    for (const truncation of ['rand_trunc', 'fusion'] as const) {
      const withSimd = new ClapFeatureExtractor({ ...LARGER_CLAP_MUSIC_PREPROCESSOR, truncation });
      const withoutSimd = new ClapFeatureExtractor({ ...LARGER_CLAP_MUSIC_PREPROCESSOR, truncation }, { simd: false });
      expect([withSimd.kernel, withoutSimd.kernel]).toEqual(['simd', 'js']);
      const a = withSimd.extract(signal, { cropOffset: 12345 });
      const b = withoutSimd.extract(signal, { cropOffset: 12345 });
      expect(firstBitDifference(a.features, b.features), truncation).toBe(-1);
    }
  });
});

describe('SIMD log-mel kernel: falls back to the JS path', () => {
  it('where the module does not validate or compile', () => {
    const filters = filtersFor(1024, 64, 'slaney');
    const bytes = decodeBase64(SIMD_SPECTROGRAM_BASE64);
    expect(SimdMelSums.create(1024, 480, 513, filters, bytes)).not.toBeNull();
    const broken = bytes.slice();
    broken[broken.length - 5] ^= 0xff; // a corrupt body: validate() refuses it
    expect(SimdMelSums.create(1024, 480, 513, filters, broken)).toBeNull();
    expect(SimdMelSums.create(1024, 480, 513, filters, new Uint8Array([0, 97, 115, 109]))).toBeNull();
  });

  it('with simd: false, and below 16-point FFTs the kernel is never made', () => {
    expect(new LogMelSpectrogram({ fftSize: 1024, hopLength: 480, filters: filtersFor(1024, 64, 'slaney'), simd: false }).kernel).toBe('js');
    expect(SimdMelSums.create(8, 4, 5, filtersFor(8, 2, 'slaney'))).toBeNull();
  });
});

const chosen = chosenTracks('features-simd');

describe.skipIf(chosen.length === 0)('SIMD log-mel kernel on the real corpus (bit for bit against the JS path)', () => {
  it.each(chosen.map((track) => [basename(track), track]))('%s: the whole song and its chunk features', async (_name, track) => {
    const decoded = await decodeCorpusTrack(track, 'features-simd');
    if (!decoded) return;
    const mono = new StreamingResampler(decoded.sampleRate, 48000).flush(downmix(decoded.channels));
    if (mono.length <= 512) return;
    const { simd, js } = pair(1024, 480);
    expect(firstBitDifference(simd.compute(mono), js.compute(mono))).toBe(-1);

    const chunks = async (extractor: ClapFeatureExtractor) => {
      const out: Float32Array[] = [];
      try {
        for await (const chunk of songChunkFeatures(await openAudioFile(track), extractor)) out.push(chunk.features);
      } catch {
        return null; // too short for a chunk: refused the same way by both
      }
      return out;
    };
    const a = await chunks(new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR));
    const b = await chunks(new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR, { simd: false }));
    expect(a?.length).toBe(b?.length);
    for (let k = 0; k < (a?.length ?? 0); k++) expect(firstBitDifference(a![k]!, b![k]!), `chunk ${k}`).toBe(-1);
  }, 300_000);
});
