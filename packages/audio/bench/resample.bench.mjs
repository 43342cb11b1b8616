// Speed and quality of the 48 kHz resampler (src/resample), against the WASM libsamplerate
// (@alexanderolsen/libsamplerate-js, a devDependency). Plain ESM against the built package,
// so it runs on Node 20 without a TypeScript loader:
//
//   pnpm --filter @refractor/audio build && node packages/audio/bench/resample.bench.mjs
//
// Set BENCH_DIST to a module exporting the same API (e.g. an esbuild bundle of
// src/resample/index.ts) to measure it without building the package. About 30 s, most of it
// libsamplerate's SINC_BEST.
//
// What it prints, and how each figure is measured:
//
// - Speed, 240 s of 44.1 kHz mono → 48 kHz, as seconds of audio per wall second (median of
//   runs after a warm-up run). "streaming" feeds 8192-sample blocks through one
//   StreamingResampler, as the song pipeline does; "whole buffer" is resample() on the whole
//   array, which on this VM includes ~0.15 s of page faults for first-touching its fresh 46 MB
//   output (any fresh large allocation costs ~3.5 ms per MB here). libsamplerate-js is run
//   once per quality (simple() on the whole buffer, as the original measurement did), and its
//   output length is compared with the exact ceil(n·48000/44100).
//
// - Passband error: tones at 60 log-spaced frequencies from 20 Hz to the passband edge inclusive
//   are resampled and the output's component at exactly that frequency is found by a
//   least-squares fit of a·cos + b·sin over the interior (edges excluded); gain =
//   √(a²+b²)/amplitude, phase error = its phase minus the input's (0 for zero delay).
//
// - Rejection, tones: each output is analysed with a 32768-point FFT under a Kaiser window,
//   β = 20 (sidelobes near −150 dB, so the window itself cannot mask a −100 dB spur; a
//   4-term Blackman-Harris window's −92 dB sidelobes would). Everything in 0 … passband edge
//   outside ±16 bins of the tone is spurious; its peak bin is reported relative to the tone's
//   full-level peak (amplitude · Σw / 2).
//
// - Rejection, log sweep 20 Hz … 22 kHz at 44.1 kHz over 30 s: a short-time spectrum (16384
//   points, Kaiser β = 20, hop 8192) of the 48 kHz output. In each frame the sweep occupies
//   [f(frame start), f(frame end)] (it moves ~13 % per frame); bins farther than 16 bins from
//   that range and inside 0 … 20 kHz are spurious, relative to the frame's sweep peak (images
//   of a log sweep move at the same Hz/s as the sweep, so they smear the same way). The same
//   analysis of the exact 48 kHz sweep computed analytically gives the method's own floor.
import { performance } from 'node:perf_hooks';
import FFT from 'fft.js';
import LibSampleRate from '@alexanderolsen/libsamplerate-js';

const dist = process.env.BENCH_DIST ?? new URL('../dist/index.js', import.meta.url).href;
const { StreamingResampler, resample } = await import(dist);

const OUT_RATE = 48000;
const db = (x) => 20 * Math.log10(Math.max(x, 1e-30));
const fmt = (x, digits = 1) => (x >= 0 ? ' ' : '') + x.toFixed(digits);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function tone(length, frequency, rate, amplitude = 0.5, phase = 0) {
  const signal = new Float32Array(length);
  const w = (2 * Math.PI * frequency) / rate;
  for (let i = 0; i < length; i++) signal[i] = amplitude * Math.sin(w * i + phase);
  return signal;
}

/** Deterministic music-like test signal: a few tones plus xorshift noise. */
function testSignal(length, rate) {
  const signal = new Float32Array(length);
  let state = 12345;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const t = i / rate;
    signal[i] = 0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.2 * Math.sin(2 * Math.PI * 3520 * t) + 0.1 * ((state >>> 0) / 4294967296 - 0.5);
  }
  return signal;
}

// ---------------------------------------------------------------- analysis helpers

function besselI0(x) {
  let term = 1;
  let sum = 1;
  for (let k = 1; term > sum * 1e-17; k++) {
    term *= (x * x) / 4 / (k * k);
    sum += term;
  }
  return sum;
}

function kaiserWindow(size, beta) {
  const window = new Float64Array(size);
  const scale = besselI0(beta);
  for (let i = 0; i < size; i++) {
    const r = (2 * i) / (size - 1) - 1;
    window[i] = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / scale;
  }
  return window;
}

const ffts = new Map();
/** |X[k]| for k = 0 … size/2 of signal[start … start+size) · window. */
function magnitudes(signal, start, window) {
  const size = window.length;
  if (!ffts.has(size)) ffts.set(size, new FFT(size));
  const fft = ffts.get(size);
  const frame = new Array(size);
  for (let i = 0; i < size; i++) frame[i] = signal[start + i] * window[i];
  const out = fft.createComplexArray();
  fft.realTransform(out, frame);
  const mags = new Float64Array(size / 2 + 1);
  for (let k = 0; k <= size / 2; k++) mags[k] = Math.hypot(out[2 * k], out[2 * k + 1]);
  return mags;
}

/** Least-squares a·cos(ωk) + b·sin(ωk) over y[from … to): returns amplitude and phase of the sine. */
function fitTone(y, frequency, rate, from, to) {
  const w = (2 * Math.PI * frequency) / rate;
  let cc = 0, ss = 0, cs = 0, yc = 0, ys = 0;
  for (let k = from; k < to; k++) {
    const c = Math.cos(w * k);
    const s = Math.sin(w * k);
    cc += c * c; ss += s * s; cs += c * s; yc += y[k] * c; ys += y[k] * s;
  }
  const det = cc * ss - cs * cs;
  const a = (yc * ss - ys * cs) / det; // cos coefficient
  const b = (ys * cc - yc * cs) / det; // sin coefficient
  return { amplitude: Math.hypot(a, b), phase: Math.atan2(a, b) };
}

const ANALYSIS_SIZE = 32768;
const ANALYSIS_WINDOW = kaiserWindow(ANALYSIS_SIZE, 20);
const WINDOW_SUM = ANALYSIS_WINDOW.reduce((s, v) => s + v, 0);
const GUARD_BINS = 16;

/**
 * Worst spurious level (dB re the tone) of `output` for an input tone at `frequency`, searched in
 * 0 … passbandHz and, when given, guardTopHz … 24 kHz (the design's guard band between them may
 * hold partially rejected images).
 */
function worstSpurForTone(output, frequency, inputRate, passbandHz, amplitude, guardTopHz = OUT_RATE / 2) {
  const mags = magnitudes(output, Math.floor((output.length - ANALYSIS_SIZE) / 2), ANALYSIS_WINDOW);
  const binHz = OUT_RATE / ANALYSIS_SIZE;
  // The tone itself, where it lands in the output (folded if above the output Nyquist).
  let landed = frequency % OUT_RATE;
  if (landed > OUT_RATE / 2) landed = OUT_RATE - landed;
  const reference = (amplitude * WINDOW_SUM) / 2;
  let worst = 0;
  let worstHz = 0;
  for (let k = 0; k <= ANALYSIS_SIZE / 2; k++) {
    if (k * binHz > passbandHz && k * binHz < guardTopHz) continue;
    if (frequency < inputRate / 2 && frequency <= OUT_RATE / 2 && Math.abs(k * binHz - landed) <= GUARD_BINS * binHz) continue;
    if (mags[k] > worst) {
      worst = mags[k];
      worstHz = k * binHz;
    }
  }
  return { level: db(worst / reference), atHz: worstHz };
}

function logSpaced(from, to, count) {
  return Array.from({ length: count }, (_, i) => from * Math.pow(to / from, i / (count - 1)));
}

/** On an output FFT bin, so a spur it causes is measured without scalloping loss. */
const onBin = (hz) => Math.round(hz / (OUT_RATE / ANALYSIS_SIZE)) * (OUT_RATE / ANALYSIS_SIZE);

// ---------------------------------------------------------------- speed

async function speed() {
  const inRate = 44100;
  const seconds = 240;
  const input = testSignal(inRate * seconds, inRate);
  const expected = Math.ceil((input.length * OUT_RATE) / inRate);
  console.log(`\nSpeed: ${seconds} s of ${inRate} Hz mono → ${OUT_RATE} Hz (seconds of audio per wall second)`);

  const streamingRun = (simd = true) => {
    const resampler = new StreamingResampler(inRate, OUT_RATE, { simd });
    let produced = 0;
    const t0 = performance.now();
    for (let start = 0; start < input.length; start += 8192) {
      produced += resampler.process(input.subarray(start, start + 8192)).length;
    }
    produced += resampler.flush().length;
    const wall = (performance.now() - t0) / 1000;
    if (produced !== expected) throw new Error(`streaming produced ${produced}, expected ${expected}`);
    return wall;
  };
  streamingRun(true);
  streamingRun(false);
  // Alternated, so both kernels see the same machine load.
  const simdRuns = [];
  const jsRuns = [];
  for (let r = 0; r < 5; r++) {
    simdRuns.push(streamingRun(true));
    jsRuns.push(streamingRun(false));
  }
  const streaming = median(simdRuns);
  const streamingJs = median(jsRuns);
  console.log(`  ours, streaming 8192-sample blocks   ${(seconds / streaming).toFixed(0).padStart(5)}× realtime  (${streaming.toFixed(3)} s, WebAssembly SIMD kernel)`);
  console.log(`  ours, streaming, JS kernel           ${(seconds / streamingJs).toFixed(0).padStart(5)}× realtime  (${streamingJs.toFixed(3)} s, { simd: false })`);

  const wholeRun = () => {
    const t0 = performance.now();
    const out = resample(input, inRate, OUT_RATE);
    const wall = (performance.now() - t0) / 1000;
    if (out.length !== expected) throw new Error(`resample produced ${out.length}, expected ${expected}`);
    return wall;
  };
  wholeRun();
  const whole = median([wholeRun(), wholeRun(), wholeRun()]);
  console.log(`  ours, resample() whole buffer        ${(seconds / whole).toFixed(0).padStart(5)}× realtime  (${whole.toFixed(3)} s)`);

  for (const [name, type] of [
    ['SINC_BEST_QUALITY', LibSampleRate.ConverterType.SRC_SINC_BEST_QUALITY],
    ['SINC_MEDIUM_QUALITY', LibSampleRate.ConverterType.SRC_SINC_MEDIUM_QUALITY],
    ['SINC_FASTEST', LibSampleRate.ConverterType.SRC_SINC_FASTEST],
  ]) {
    const src = await LibSampleRate.create(1, inRate, OUT_RATE, { converterType: type });
    const t0 = performance.now();
    const out = src.simple(input);
    const wall = (performance.now() - t0) / 1000;
    src.destroy();
    console.log(
      `  libsamplerate-js ${name.padEnd(20)}${(seconds / wall).toFixed(0).padStart(5)}× realtime  (${wall.toFixed(3)} s; ` +
        `${out.length} samples, ${expected - out.length} short of ${expected})`,
    );
  }
}

// ---------------------------------------------------------------- passband

function passband(inRate, passbandHz) {
  const frequencies = [...logSpaced(20, passbandHz, 60)];
  let worstGain = 0;
  let worstPhase = 0;
  for (const f of frequencies) {
    const input = tone(inRate, f, inRate, 0.5, 0.3); // 1 s
    const output = resample(input, inRate, OUT_RATE);
    const fit = fitTone(output, f, OUT_RATE, 2000, output.length - 2000);
    const gain = db(fit.amplitude / 0.5);
    const phaseError = Math.abs(Math.atan2(Math.sin(fit.phase - 0.3), Math.cos(fit.phase - 0.3)));
    if (Math.abs(gain) > Math.abs(worstGain)) worstGain = gain;
    worstPhase = Math.max(worstPhase, phaseError);
  }
  return { worstGain, worstPhase };
}

// ---------------------------------------------------------------- rejection with tones

function toneRejection(inRate, frequencies, passbandHz, guardTopHz = OUT_RATE / 2) {
  let worst = { level: -Infinity, atHz: 0, toneHz: 0 };
  for (const f of frequencies) {
    const input = tone(Math.ceil(inRate * 0.8), f, inRate);
    const spur = worstSpurForTone(resample(input, inRate, OUT_RATE), f, inRate, passbandHz, 0.5, guardTopHz);
    if (spur.level > worst.level) worst = { ...spur, toneHz: f };
  }
  return worst;
}

// ---------------------------------------------------------------- rejection with a sweep

function logSweep(rate, seconds, from, to, amplitude) {
  const tau = seconds / Math.log(to / from);
  const signal = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < signal.length; i++) {
    signal[i] = amplitude * Math.sin(2 * Math.PI * from * tau * (Math.exp(i / rate / tau) - 1));
  }
  return { signal, frequencyAt: (t) => from * Math.exp(t / tau) };
}

function sweepRejection(output, frequencyAt, passbandHz) {
  const size = 16384;
  const hop = 8192;
  const window = kaiserWindow(size, 20);
  const binHz = OUT_RATE / size;
  let worst = { level: -Infinity, atHz: 0, sweepHz: 0 };
  // Skip the first and last frames: the sweep starts and stops abruptly there.
  for (let start = hop; start + size + hop <= output.length; start += hop) {
    const low = frequencyAt(start / OUT_RATE);
    const high = frequencyAt((start + size) / OUT_RATE);
    const mags = magnitudes(output, start, window);
    let peak = 0;
    for (let k = Math.floor(low / binHz); k <= Math.ceil(high / binHz) && k < mags.length; k++) peak = Math.max(peak, mags[k]);
    for (let k = 0; k * binHz <= passbandHz; k++) {
      const hz = k * binHz;
      if (hz >= low - GUARD_BINS * binHz && hz <= high + GUARD_BINS * binHz) continue;
      const level = db(mags[k] / peak);
      if (level > worst.level) worst = { level, atHz: hz, sweepHz: (low + high) / 2 };
    }
  }
  return worst;
}

// ---------------------------------------------------------------- report

await speed();

console.log('\nQuality (dB; passband = ±0.01 dB spec; spurs = worst component landing in the passband, spec ≤ −100 dB)');
{
  const { worstGain, worstPhase } = passband(44100, 20000);
  console.log(`  44100 → 48000 passband 20 Hz–20 kHz: max |gain| ${worstGain.toFixed(5)} dB, max phase error ${worstPhase.toExponential(1)} rad`);
  const sweep = logSweep(44100, 30, 20, 22000, 0.5);
  const output = resample(sweep.signal, 44100, OUT_RATE);
  const ours = sweepRejection(output, sweep.frequencyAt, 20000);
  const ideal = logSweep(OUT_RATE, 30, 20, 22000, 0.5);
  const floor = sweepRejection(ideal.signal, ideal.frequencyAt, 20000);
  console.log(
    `  44100 → 48000 log sweep 20 Hz–22 kHz: worst spur ${fmt(ours.level)} dB at ${ours.atHz.toFixed(0)} Hz ` +
      `(sweep at ${ours.sweepHz.toFixed(0)} Hz); method floor (ideal 48 kHz sweep) ${fmt(floor.level)} dB`,
  );
  const tones = toneRejection(44100, [...logSpaced(20, 22000, 40), 16000, 21000, 22000].map(onBin), 20000);
  console.log(`  44100 → 48000 tones 20 Hz–22 kHz: worst spur ${fmt(tones.level)} dB at ${tones.atHz.toFixed(0)} Hz (tone ${tones.toneHz.toFixed(0)} Hz)`);
  // The documented guard-band trade-off: how loud the image of a high passband tone is.
  const image = worstSpurForTone(resample(tone(44100, onBin(18000), 44100), 44100, OUT_RATE), onBin(18000), 44100, 24000, 0.5);
  console.log(`  44100 → 48000 guard band: an 18 kHz tone's image at ${image.atHz.toFixed(0)} Hz is ${fmt(image.level)} dB (allowed: lands above 20 kHz)`);
}
{
  const { worstGain, worstPhase } = passband(96000, 20000);
  console.log(`  96000 → 48000 passband 20 Hz–20 kHz: max |gain| ${worstGain.toFixed(5)} dB, max phase error ${worstPhase.toExponential(1)} rad`);
  const aliasTones = [28000, 30000, 33000, 36000, 40000, 44000, 47000, 47900].map(onBin);
  const aliases = toneRejection(96000, aliasTones, 20000);
  console.log(`  96000 → 48000 tones 28–47.9 kHz: worst alias ${fmt(aliases.level)} dB at ${aliases.atHz.toFixed(0)} Hz (tone ${aliases.toneHz.toFixed(0)} Hz)`);
  const above = toneRejection(96000, [24500, 26000, 27000].map(onBin), 20000);
  console.log(`  96000 → 48000 tones 24.5–27 kHz (alias into the 20–24 kHz guard band): worst in 0–20 kHz ${fmt(above.level)} dB`);
  const kept = fitTone(resample(tone(96000, 21000, 96000), 96000, OUT_RATE), 21000, OUT_RATE, 2000, 46000);
  console.log(`  96000 → 48000 a 21 kHz tone (guard band) comes out at ${db(kept.amplitude / 0.5).toFixed(2)} dB`);
}

console.log(
  '\nOther rates → 48000: taps per output, passband max |gain| (dB), worst spur (dB) in the passband and above the\n' +
    '  guard band (when the guard band ends below 24 kHz), speed (× realtime, 30 s streamed in 8192-sample blocks)',
);
for (const inRate of [8000, 11025, 22050, 32000, 44056, 47999, 88200, 96000, 192000, 384000]) {
  const resampler = new StreamingResampler(inRate, OUT_RATE);
  const design = resampler.design;
  const passbandHz = design.passbandHz;
  const { worstGain } = passband(inRate, passbandHz);
  const nyquist = inRate / 2;
  // Tones across the input band, so images (upsampling) and aliases (downsampling) of every region show.
  const guardTopHz = Math.min(design.stopbandHz, OUT_RATE / 2);
  const spur = toneRejection(inRate, logSpaced(30, nyquist * 0.995, 24).map(onBin), passbandHz, guardTopHz);
  const input = testSignal(inRate * 30, inRate);
  const run = () => {
    const t0 = performance.now();
    for (let start = 0; start < input.length; start += 8192) resampler.process(input.subarray(start, start + 8192));
    resampler.flush();
    return (performance.now() - t0) / 1000;
  };
  run(); // warm-up: the kernels are shared, but each rate's first run still pays for tier-up
  const wall = median([run(), run(), run()]);
  console.log(
    `  ${String(inRate).padStart(6)}: ${String(design.tapsPerPhase).padStart(3)} taps${design.interpolated ? ' ×2 (interpolated phases)' : ''}, ` +
      `passband 0–${(passbandHz / 1000).toFixed(2)} kHz ${worstGain.toFixed(5)}, ` +
      `spur ${fmt(spur.level)}${guardTopHz < OUT_RATE / 2 ? ` (guard band ${(passbandHz / 1000).toFixed(2)}–${(guardTopHz / 1000).toFixed(2)} kHz)` : ''} ` +
      `(${spur.atHz.toFixed(0)} Hz from a ${spur.toneHz.toFixed(0)} Hz tone), ${(30 / wall).toFixed(0)}×`,
  );
}
