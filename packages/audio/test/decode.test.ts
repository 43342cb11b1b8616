import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AudioDecodeError, decodeAudio, openAudioStream } from '../src/index.js';
import { decodeAudioFile, openAudioFile } from '../src/node.js';
import { intCode, makeWav, sine, toneAmplitude } from '@refractor/test-helpers';

const fixtures = join(import.meta.dirname, 'fixtures');
const scratch = mkdtempSync(join(tmpdir(), 'refractor-decode-'));

async function decodeError(bytes: Uint8Array, name = 'bad.wav'): Promise<AudioDecodeError> {
  try {
    await decodeAudio(bytes, { name });
  } catch (error) {
    expect(error).toBeInstanceOf(AudioDecodeError);
    return error as AudioDecodeError;
  }
  throw new Error('expected decodeAudio to throw');
}

describe('WAV decoding', () => {
  const values = [0, 0.5, -0.5, 1, -1, 0.25, -0.999, 0.123456];

  it.each([8, 16, 24, 32] as const)('reads %i-bit PCM with libsndfile scaling (code / 2^(bits-1))', async (bits) => {
    const { channels, sampleRate, format } = await decodeAudio(makeWav({ sampleRate: 22050, channels: [values], bits }));
    expect(format).toBe('wav');
    expect(sampleRate).toBe(22050);
    const expected = values.map((v) => Math.fround(intCode(v, bits) / 2 ** (bits - 1)));
    expect(Array.from(channels[0]!)).toEqual(expected);
  });

  it('scales the largest positive 16-bit code to 32767/32768, not 1', async () => {
    const { channels } = await decodeAudio(makeWav({ sampleRate: 8000, channels: [[1]], bits: 16 }));
    expect(channels[0]![0]).toBe(32767 / 32768);
  });

  it.each([32, 64] as const)('reads %i-bit float, rounding to float32', async (bits) => {
    const { channels } = await decodeAudio(makeWav({ sampleRate: 48000, channels: [values], encoding: 'float', bits }));
    expect(Array.from(channels[0]!)).toEqual(values.map((v) => Math.fround(v)));
  });

  it('reads WAVE_FORMAT_EXTENSIBLE with three channels and skips odd-sized chunks', async () => {
    const a = [0.1, 0.2, 0.3];
    const b = [-0.1, -0.2, -0.3];
    const c = [0.5, 0, -0.5];
    const bytes = makeWav({ sampleRate: 44100, channels: [a, b, c], bits: 24, extensible: true, listChunkBytes: 7 });
    const decoded = await decodeAudio(bytes);
    expect(decoded.channels.map((ch) => Array.from(ch))).toEqual(
      [a, b, c].map((ch) => ch.map((v) => Math.fround(intCode(v, 24) / 2 ** 23))),
    );
  });

  it('gives the same samples whatever the chunking of the input bytes', async () => {
    const left = sine(440, 0.05, 8000);
    const right = sine(660, 0.05, 8000);
    const bytes = makeWav({ sampleRate: 8000, channels: [left, right], bits: 24 });
    const whole = await decodeAudio(bytes);
    const pieces: Uint8Array[] = [];
    for (let at = 0, step = 1; at < bytes.length; at += step, step = (step * 7) % 13 + 1) pieces.push(bytes.subarray(at, at + step));
    const stream = await openAudioStream(pieces);
    const collected: number[][] = [[], []];
    for await (const block of stream) block.channels.forEach((ch, c) => collected[c]!.push(...ch));
    expect(collected).toEqual(whole.channels.map((ch) => Array.from(ch)));
  });
});

describe('compressed formats (fixtures made by make-fixtures.sh)', () => {
  it.each([
    ['sine440-mono.flac', 44100, 1, 0.5, 1e-3],
    ['sine440-mono.mp3', 44100, 1, 0.5, 0.03],
    ['sine-stereo.ogg', 44100, 2, 0.5, 0.03],
    ['sine440-mono.opus', 48000, 1, 0.5, 0.03],
    ['sine-stereo-22k.aiff', 22050, 2, 0.5, 1e-3],
  ])('decodes %s', async (file, rate, channelCount, amplitude, tolerance) => {
    const decoded = await decodeAudioFile(join(fixtures, file));
    expect(decoded.sampleRate).toBe(rate);
    expect(decoded.channels.length).toBe(channelCount);
    expect(decoded.channels[0]!.length / rate).toBeCloseTo(1.5, 1);
    // Skip the first and last 0.1 s (encoder priming and fades).
    const body = decoded.channels[0]!.subarray(Math.round(rate * 0.1), Math.round(rate * 1.4));
    expect(toneAmplitude(body, 440, rate)).toBeCloseTo(amplitude, Math.round(-Math.log10(tolerance)) - 1);
    if (channelCount === 2) {
      const right = decoded.channels[1]!.subarray(Math.round(rate * 0.1), Math.round(rate * 1.4));
      expect(toneAmplitude(right, 660, rate)).toBeGreaterThan(0.45);
      expect(toneAmplitude(right, 440, rate)).toBeLessThan(0.01);
    }
  });

  it('streams a file from disk in bounded chunks', async () => {
    const stream = await openAudioFile(join(fixtures, 'sine-stereo.ogg'));
    expect(stream.format).toBe('ogg-vorbis');
    let frames = 0;
    for await (const block of stream) frames += block.channels[0]!.length;
    expect(frames).toBe(66150);
  });
});

describe('bad input gives a typed error naming the file and the problem', () => {
  const good = makeWav({ sampleRate: 16000, channels: [sine(440, 0.1, 16000)], bits: 16 });

  it('empty input', async () => {
    const error = await decodeError(new Uint8Array(0), 'empty.wav');
    expect(error.kind).toBe('empty');
    expect(error.file).toBe('empty.wav');
    expect(error.message).toMatch(/^empty\.wav: empty: /);
  });

  it('a truncated header', async () => {
    expect((await decodeError(good.subarray(0, 30))).kind).toBe('truncated');
  });

  it('a header that declares more data than exists', async () => {
    const error = await decodeError(good.subarray(0, good.length - 100));
    expect(error.kind).toBe('truncated');
    expect(error.detail).toMatch(/declares 3200 bytes of audio \(1600 frames\) but the file holds only 3100/);
  });

  it('an unsupported codec inside WAV', async () => {
    const error = await decodeError(makeWav({ sampleRate: 8000, channels: [[0, 0]], formatTag: 0x11, bits: 16 }));
    expect(error.kind).toBe('unsupported');
    expect(error.detail).toMatch(/IMA ADPCM/);
  });

  it('a format we recognise but do not decode (MIDI)', async () => {
    const midi = new Uint8Array([0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0, 96]);
    const error = await decodeError(midi, 'song.mid');
    expect(error.kind).toBe('unsupported');
    expect(error.detail).toMatch(/mid/);
  });

  it('zero channels', async () => {
    const error = await decodeError(makeWav({ sampleRate: 8000, channels: [[0, 0]], declaredChannels: 0 }));
    expect(error.kind).toBe('no-channels');
  });

  it('NaN and infinite samples', async () => {
    const nan = await decodeError(makeWav({ sampleRate: 8000, channels: [[0, Number.NaN]], encoding: 'float', bits: 32 }));
    expect(nan.kind).toBe('non-finite');
    expect(nan.detail).toMatch(/frame 1 of channel 0 is NaN/);
    const inf = await decodeError(makeWav({ sampleRate: 8000, channels: [[Infinity]], encoding: 'float', bits: 64 }));
    expect(inf.kind).toBe('non-finite');
  });

  it('zero-length audio', async () => {
    expect((await decodeError(makeWav({ sampleRate: 8000, channels: [[]] }))).kind).toBe('no-audio');
  });

  it('random bytes with a .wav name', async () => {
    const noise = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
    const error = await decodeError(noise, 'noise.wav');
    expect(error.kind).toBe('unsupported');
    expect(error.detail).toMatch(/not a recognised audio format \(first bytes [0-9a-f ]+\)/);
  });

  it('a one-sample file decodes to exactly one sample (the feature pipeline refuses it as too short)', async () => {
    const { channels } = await decodeAudio(makeWav({ sampleRate: 8000, channels: [[0.5]] }));
    expect(Array.from(channels[0]!)).toEqual([0.5]);
  });

  it('a directory, a missing file and an empty file on disk', async () => {
    const dir = join(scratch, 'a-directory.wav');
    mkdirSync(dir);
    await expect(openAudioFile(dir)).rejects.toMatchObject({ kind: 'not-a-file', code: 'unreadable', file: dir });
    // The door code (core's error table) says what every door reports: a missing file is `not-found`, its errno the reason.
    await expect(openAudioFile(join(scratch, 'missing.wav'))).rejects.toMatchObject({ kind: 'unreadable', code: 'not-found', reason: 'ENOENT' });
    const empty = join(scratch, 'empty.flac');
    writeFileSync(empty, new Uint8Array(0));
    await expect(openAudioFile(empty)).rejects.toMatchObject({ kind: 'empty', code: 'empty', file: empty });
  });

  it('a corrupt compressed stream', async () => {
    const flac = new Uint8Array(await readFile(join(fixtures, 'sine440-mono.flac')));
    const mangled = flac.slice();
    for (let i = 200; i < mangled.length; i += 3) mangled[i] = (mangled[i]! * 31 + 7) & 0xff;
    // Either the decoder rejects it or it yields finite samples; never a hang or NaN.
    try {
      const decoded = await decodeAudio(mangled, { name: 'mangled.flac' });
      for (const v of decoded.channels[0]!) expect(Number.isFinite(v)).toBe(true);
    } catch (error) {
      expect(error).toBeInstanceOf(AudioDecodeError);
      expect((error as AudioDecodeError).file).toBe('mangled.flac');
    }
  });
});
