import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
import { bundledSetDirectory } from '@refractor/node';
import { runRefractor } from './run-cli.js';

// `refractor drift` as a user runs it. The figures themselves are checked
// against a second computation in @refractor/node's dtype-drift test; here a
// set whose q8 and fp16 files are copies of fp32 must show no drift at all,
// and the command's own input handling is exercised.

const work = mkdtempSync(join(tmpdir(), 'refractor-drift-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const set = join(work, 'set');
const songs = join(work, 'songs');

beforeAll(() => {
  cpSync(bundledSetDirectory('tiny')!, set, { recursive: true });
  for (const suffix of ['quantized', 'fp16']) {
    cpSync(join(set, 'clap', 'onnx', 'audio_model.onnx'), join(set, 'clap', 'onnx', `audio_model_${suffix}.onnx`));
    cpSync(join(set, 'text', 'onnx', 'model.onnx'), join(set, 'text', 'onnx', `model_${suffix}.onnx`));
  }
  cpSync(join(import.meta.dirname, '..', '..', '..', 'examples', 'clip.ogg'), join(songs, 'clip.ogg'), { recursive: true });
  writeFileSync(join(songs, 'tone.wav'), makeWav({ sampleRate: 22_050, channels: [sine(220, 35, 22_050, 0.4)], bits: 16 }));
});

describe('refractor drift', () => {
  it('reads a folder of songs and reports every figure for each dtype (copies: no drift)', { timeout: 120_000 }, () => {
    const run = runRefractor(['drift', songs, '--models', set, '--dtype', 'q8,fp16', '--concept', 'the sea', '--json']);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as { reference: string; summaries: Array<Record<string, any>>; failed: unknown[] };
    expect(report.reference).toBe('fp32');
    expect(report.failed).toEqual([]);
    expect(report.summaries.map((s) => s.dtype)).toEqual(['q8', 'fp16']);
    for (const s of report.summaries) {
      // clip.ogg: 8 chunks; 35 s tone: 7 chunks.
      expect(s).toMatchObject({ songs: 2, chunks: 15, concept_cosine: 1 });
      expect(s.embedding_cosine.min).toBeCloseTo(1, 12);
      expect(s.chunk_prob_change).toEqual({ max: 0, mean: 0 });
      expect(s.song_color_flips).toEqual({ count: 0, rate: 0, songs: [] });
    }
  });

  it('prints a readable report by default', { timeout: 120_000 }, () => {
    const run = runRefractor(['drift', join(songs, 'tone.wav'), '--models', set, '--dtype', 'fp16']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^fp16 against fp32: 1 song, 7 chunks$/m);
    expect(run.stdout).toMatch(/CLAP embedding cosine +mean 1\.000000 +min 1\.000000/);
    expect(run.stdout).toMatch(/predicted color flips +chunks 0\/7 \(0\.0 %\) +songs 0\/1/);
    expect(run.stdout).not.toMatch(/q8/);
  });

  it('refuses a dtype list holding the reference or an unknown dtype, naming the flag (exit 2)', () => {
    const same = runRefractor(['drift', songs, '--models', set, '--dtype', 'fp32']);
    expect(same.status).toBe(2);
    expect(same.stderr).toMatch(/--dtype fp32 includes the reference \(fp32\)/);
    const unknown = runRefractor(['drift', songs, '--models', set, '--dtype', 'q8,q4']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/--dtype <list>.*expected one or more of fp32, fp16, q8/);
  });

  it('names a missing input and fails, scoring the rest', { timeout: 120_000 }, () => {
    const run = runRefractor(['drift', join(songs, 'tone.wav'), join(work, 'nope.ogg'), '--models', set, '--dtype', 'q8', '--json']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/nope\.ogg/);
    expect(JSON.parse(run.stdout).summaries[0]).toMatchObject({ songs: 1, chunks: 7 });
  });

  it('--help explains every flag it takes', () => {
    const run = runRefractor(['drift', '--help']);
    expect(run.status).toBe(0);
    for (const flag of ['--dtype', '--reference', '--concept', '--json', '--models', '--device', '--chunk-size', '--crop', '--targets', '--color-rule']) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).not.toContain('--text-dtype');
    expect(run.stdout).toMatch(/only bound the quantization noise/);
  });
});
