import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClapFeatureExtractor, LARGER_CLAP_MUSIC_PREPROCESSOR, songChunkFeatures } from '@refractor/audio';
import { openAudioFile } from '@refractor/audio/node';
import { makeWav, sine } from '@refractor/test-helpers';
import { readNpy } from './npy-reader.js';
import { runRefractor } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'refractor-cli-'));

/** A 12 s stereo WAV at 44.1 kHz: a 440 Hz tone left, 1 kHz right. */
function songWav(name: string, seconds = 12): string {
  const path = join(work, name);
  writeFileSync(path, makeWav({ sampleRate: 44100, channels: [sine(440, seconds, 44100), sine(1000, seconds, 44100, 0.25)], bits: 16 }));
  return path;
}

describe('refractor --help and usage errors', () => {
  it('lists the commands and explains every option with its default', () => {
    const top = runRefractor(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/info/);
    expect(top.stdout).toMatch(/features/);
    const features = runRefractor(['features', '--help']);
    expect(features.status).toBe(0);
    for (const flag of ['--out', '--chunk-size', '--chunk-stride', '--crop', '--seed', '--preprocessor-config']) {
      expect(features.stdout).toContain(flag);
    }
    expect(features.stdout).toMatch(/default: 30/);
    expect(features.stdout).toMatch(/default: "start"/);
  });

  it('prints the version', () => {
    const run = runRefractor(['--version']);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 naming an unknown flag or a bad value and what is allowed', () => {
    const unknown = runRefractor(['info', 'x.wav', '--frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--frobnicate'/);
    const crop = runRefractor(['features', 'x.wav', '--out', 'y.npy', '--crop', 'middle']);
    expect(crop.status).toBe(2);
    expect(crop.stderr).toMatch(/'middle' is invalid.*start, center, random/s);
    const stride = runRefractor(['info', 'x.wav', '--chunk-stride', '0']);
    expect(stride.status).toBe(2);
    expect(stride.stderr).toMatch(/seconds > 0/);
    const seed = runRefractor(['features', 'x.wav', '--out', 'y.npy', '--seed', '-3']);
    expect(seed.status).toBe(2);
  });
});

describe('refractor info', { timeout: 60_000 }, () => {
  it('reports format, rate, channels, duration and chunk count', () => {
    const song = songWav('info.wav', 40);
    const run = runRefractor(['info', song]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('format:      wav');
    expect(run.stdout).toContain('sample rate: 44100 Hz');
    expect(run.stdout).toContain('channels:    2');
    expect(run.stdout).toContain('duration:    40.000 s (0:40.0)');
    expect(run.stdout).toMatch(/chunks:\s+8 \(30 s windows every 5 s/); // starts 0, 5, …, 35
  });

  it('keeps going past bad files, names each failure, and exits 1', () => {
    const good = songWav('good.wav', 2);
    const bad = join(work, 'noise.wav');
    writeFileSync(bad, Buffer.from('definitely not audio, just text pretending'));
    const run = runRefractor(['info', '--json', bad, good, join(work, 'missing.ogg')]);
    expect(run.status).toBe(1);
    const reported = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ file: good, format: 'wav', sample_rate: 44100, channels: 2, chunk_count: 1 });
    expect(Object.keys(reported[0]!).every((key) => /^[a-z0-9_]+$/.test(key))).toBe(true);
    expect(run.stderr).toContain(`${bad}: unsupported`);
    expect(run.stderr).toContain('missing.ogg: unreadable: no such file');
  });
});

describe('refractor info and score on the inputs score takes, and on a cut-short Ogg file', () => {
  const clip = join(import.meta.dirname, '..', '..', '..', 'examples', 'clip.ogg');

  it('info takes a directory (recursively, sorted) and a glob pattern as score does; one yielding nothing is a named failure', () => {
    const dir = join(work, 'info-dir');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    songWav(join('info-dir', 'b.wav'), 2);
    songWav(join('info-dir', 'sub', 'a.wav'), 3);
    writeFileSync(join(dir, 'notes.txt'), 'not audio');
    mkdirSync(join(work, 'empty-dir'), { recursive: true });
    const run = runRefractor(['info', '--json', dir, join(work, 'info-dir', '*.wav'), join(work, 'empty-dir'), join(work, 'nothing-*.wav')]);
    expect(run.status).toBe(1);
    // (A glob's matches are named as the glob library gives them: relative to the working directory.)
    const files = run.stdout.trim().split('\n').map((line) => resolve((JSON.parse(line) as { file: string }).file));
    expect(files).toEqual([`${dir}/b.wav`, `${dir}/sub/a.wav`, join(dir, 'b.wav')]);
    expect(run.stderr).toContain(`${join(work, 'empty-dir')}: directory holds no audio files`);
    expect(run.stderr).toContain(`${join(work, 'nothing-*.wav')}: no file matches this pattern`);
  }, 60_000);

  it('a 40 s Ogg cut with head -c: info and score warn on stderr, and the records say truncated: true; the whole file does not', () => {
    const cut = join(work, 'cut.ogg');
    writeFileSync(cut, readFileSync(clip).subarray(0, 100_000));
    const info = runRefractor(['info', '--json', cut, clip]);
    expect(info.status, info.stderr).toBe(0);
    const [cutInfo, wholeInfo] = info.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(cutInfo).toMatchObject({ file: cut, truncated: true, truncation: expect.stringMatching(/^the file ends inside the Ogg page at byte \d+/) });
    expect(cutInfo.duration_s).toBeLessThan(20);
    expect(wholeInfo).not.toHaveProperty('truncated');
    expect(info.stderr).toMatch(new RegExp(`refractor: warning: ${cut.replaceAll('/', '\\/')} is truncated: the file ends inside the Ogg page`));
    expect(runRefractor(['info', cut]).stdout).toMatch(/^truncated: +yes \(the file ends inside the Ogg page at byte \d+/m);

    const score = runRefractor(['score', cut, clip, '--models', 'tiny', '--format', 'json', '--quiet']);
    expect(score.status, score.stderr).toBe(0);
    const [cutSong, wholeSong] = JSON.parse(score.stdout) as Array<Record<string, unknown>>;
    expect(cutSong).toMatchObject({ file: cut, truncated: true });
    expect(wholeSong).not.toHaveProperty('truncated');
    expect(score.stderr).toMatch(/is truncated: the file ends inside the Ogg page .*; scored the \d+\.\d s that decode/);
  }, 120_000);
});

describe('refractor features', () => {
  it('writes a valid float32 .npy [chunks, 1, 1001, 64] equal to the library output', async () => {
    const song = songWav('features.wav', 12);
    const out = join(work, 'features.npy');
    const run = runRefractor(['features', song, '--out', out, '--chunk-size', '10', '--chunk-stride', '4', '--crop', 'center']);
    expect(run.stderr).toMatch(/wrote .*features\.npy: float32 \[3, 1, 1001, 64\]/);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    const npy = readNpy(out);
    expect(npy.descr).toBe('<f4');
    expect(npy.shape).toEqual([3, 1, 1001, 64]); // starts 0, 4, 8 s (12 s > one 10 s chunk)
    expect(npy.data.length).toBe(3 * 1001 * 64);

    const extractor = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR);
    const expected: number[] = [];
    const options = { chunkSizeS: 10, chunkStrideS: 4, crop: 'center' as const };
    for await (const chunk of songChunkFeatures(await openAudioFile(song), extractor, options)) expected.push(...chunk.features);
    expect(Array.from(npy.data)).toEqual(expected);
  });

  it('is readable by NumPy when Python with NumPy is installed', (context) => {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      context.skip('python3 with numpy is not installed: the independent reader above still checks the format');
      return;
    }
    const song = songWav('numpy.wav', 3);
    const out = join(work, 'numpy.npy');
    expect(runRefractor(['features', song, '--out', out]).status).toBe(0);
    const check = spawnSync('python3', ['-c', `import numpy as np; a = np.load(${JSON.stringify(out)}); print(a.dtype, a.shape, float(a.max()))`], {
      encoding: 'utf8',
    });
    expect(check.stdout.trim()).toMatch(/^float32 \(1, 1, 1001, 64\) -?\d/);
  }, 60_000);

  it('leaves no output and no temporary file behind when the input is bad', () => {
    const dir = mkdtempSync(join(work, 'bad-'));
    const bad = join(dir, 'truncated.wav');
    const wav = makeWav({ sampleRate: 44100, channels: [sine(440, 2, 44100)], bits: 16 });
    writeFileSync(bad, wav.subarray(0, wav.length - 1000));
    const out = join(dir, 'out.npy');
    const run = runRefractor(['features', bad, '--out', out]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${bad}: truncated: the header declares`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(['truncated.wav']);
  });

  it('refuses a one-sample file as too short', () => {
    const tiny = join(work, 'one-sample.wav');
    writeFileSync(tiny, makeWav({ sampleRate: 44100, channels: [[0.5]] }));
    const run = runRefractor(['features', tiny, '--out', join(work, 'tiny.npy')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/one-sample\.wav: too-short: 0\.0000 s of audio; need at least 1 s/);
  });
});
