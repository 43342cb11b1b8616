/** Test helper: writes WAV bytes by hand, field by field, so tests control every header value. */
export interface WavSpec {
  sampleRate: number;
  /** Per-channel sample values in [-1, 1] (ints are quantized as `round(v * 2^(bits-1))`, clamped). */
  channels: ArrayLike<number>[];
  encoding?: 'int' | 'float';
  bits?: 8 | 16 | 24 | 32 | 64;
  extensible?: boolean;
  /** Override the data chunk's declared size (to fake truncation or streaming placeholders). */
  declaredDataBytes?: number;
  /** Override the declared channel count. */
  declaredChannels?: number;
  /** Override the format tag. */
  formatTag?: number;
  /** Insert a LIST chunk of this many bytes (odd sizes test word alignment) before the data. */
  listChunkBytes?: number;
}

/** The integer code a test expects for value v at `bits` (8-bit WAV is unsigned, offset 128). */
export function intCode(v: number, bits: number): number {
  const full = 2 ** (bits - 1);
  return Math.max(-full, Math.min(full - 1, Math.round(v * full)));
}

/**
 * A RIFF/WAVE file from `spec`, written field by field (no encoder library), so a
 * test can also declare wrong sizes, odd format tags or an extensible header.
 *
 * @example
 * ```ts
 * const bytes = makeWav({ sampleRate: 44_100, channels: [sine(440, 2, 44_100)], bits: 24 });
 * ```
 */
export function makeWav(spec: WavSpec): Uint8Array {
  const encoding = spec.encoding ?? 'int';
  const bits = spec.bits ?? 16;
  const channelCount = spec.channels.length;
  const frames = spec.channels[0]?.length ?? 0;
  const bytesPerSample = bits / 8;
  const blockAlign = bytesPerSample * channelCount;
  const dataBytes = frames * blockAlign;
  const fmtBytes = spec.extensible ? 40 : 16;
  const list = spec.listChunkBytes ?? 0;
  const listTotal = list ? 8 + list + (list & 1) : 0;
  const total = 12 + 8 + fmtBytes + listTotal + 8 + dataBytes;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const text = (at: number, s: string) => [...s].forEach((ch, i) => (out[at + i] = ch.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, total - 8, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, fmtBytes, true);
  const tag = spec.formatTag ?? (encoding === 'float' ? 3 : 1);
  view.setUint16(20, spec.extensible ? 0xfffe : tag, true);
  view.setUint16(22, spec.declaredChannels ?? channelCount, true);
  view.setUint32(24, spec.sampleRate, true);
  view.setUint32(28, spec.sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bits, true);
  let at = 36;
  if (spec.extensible) {
    view.setUint16(36, 22, true); // cbSize
    view.setUint16(38, bits, true); // valid bits
    view.setUint32(40, 0, true); // channel mask
    view.setUint16(44, tag, true); // SubFormat GUID starts with the format tag
    text(46, '\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71');
    at = 60;
  }
  if (list) {
    text(at, 'LIST');
    view.setUint32(at + 4, list, true);
    at += listTotal;
  }
  text(at, 'data');
  view.setUint32(at + 4, spec.declaredDataBytes ?? dataBytes, true);
  at += 8;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channelCount; c++) {
      const v = spec.channels[c]![i]!;
      if (encoding === 'float') {
        if (bits === 32) view.setFloat32(at, v, true);
        else view.setFloat64(at, v, true);
      } else if (bits === 8) view.setUint8(at, intCode(v, 8) + 128);
      else if (bits === 16) view.setInt16(at, intCode(v, 16), true);
      else if (bits === 24) {
        const code = intCode(v, 24);
        view.setUint8(at, code & 0xff);
        view.setUint8(at + 1, (code >> 8) & 0xff);
        view.setUint8(at + 2, (code >> 16) & 0xff);
      } else view.setInt32(at, intCode(v, 32), true);
      at += bytesPerSample;
    }
  }
  return out;
}

/** A sine of `frequency` Hz, `seconds` long, at `sampleRate`. */
export function sine(frequency: number, seconds: number, sampleRate: number, amplitude = 0.5, phase = 0): Float64Array {
  const n = Math.round(seconds * sampleRate);
  return Float64Array.from({ length: n }, (_, i) => amplitude * Math.sin(2 * Math.PI * frequency * (i / sampleRate) + phase));
}

/** Amplitude of the `frequency` component (Goertzel-style single-bin DFT over the whole signal). */
export function toneAmplitude(samples: ArrayLike<number>, frequency: number, sampleRate: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < samples.length; i++) {
    const angle = (2 * Math.PI * frequency * i) / sampleRate;
    re += samples[i]! * Math.cos(angle);
    im -= samples[i]! * Math.sin(angle);
  }
  return (2 * Math.hypot(re, im)) / samples.length;
}

/** Deterministic xorshift32 noise in [-scale/2, scale/2), the same for the same seed. */
export function seededNoise(length: number, seed: number, scale = 0.5): Float32Array {
  let state = seed >>> 0 || 1;
  return Float32Array.from({ length }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return scale * ((state >>> 0) / 4294967296 - 0.5);
  });
}
