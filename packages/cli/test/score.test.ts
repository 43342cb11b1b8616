import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { COLOR_NAMES, drift, roundHalfEven, songColorByVote, type ColorName } from '@refractor/core';
import { makeWav, sine } from '@refractor/test-helpers';
import { runRefractor } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'refractor-score-'));
const TINY = ['--models', 'tiny', '--offline'];

function song(name: string, seconds: number, frequency: number, dir = work): string {
  const path = join(dir, name);
  writeFileSync(path, makeWav({ sampleRate: 44100, channels: [sine(frequency, seconds, 44100, 0.4), sine(frequency * 1.5, seconds, 44100, 0.2)], bits: 16 }));
  return path;
}

const a = song('a.wav', 12, 220);
const b = song('b.wav', 40, 880);

describe('refractor score', { timeout: 60_000 }, () => {
  it('prints JSON with the documented keys, all three color rules, the timeline and the settings', () => {
    const run = runRefractor(['score', a, b, ...TINY, '--format', 'json', '--concept', 'A song about forgetting the future', '--crop', 'center']);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/test set; its predictions mean nothing/);
    const songs = JSON.parse(run.stdout);
    expect(songs).toHaveLength(2);
    const [first, second] = songs;
    expect(Object.keys(first)).toEqual([
      'file', 'model', 'predicted_color', 'predicted_color_by_vote', 'predicted_color_by_probs', 'predicted_color_by_targets', 'confidence', 'temporal', 'spatial', 'ontological', 'color_probs', 'chunk_count', 'chunks', 'settings',
    ]);
    expect(first.model).toBe('cdm');
    expect(first.file).toBe(a);
    expect(Object.keys(first.temporal)).toEqual(['past', 'present', 'future']);
    expect(Object.keys(first.color_probs)).toEqual([...COLOR_NAMES]);
    expect(first.chunk_count).toBe(1);
    expect(second.chunk_count).toBe(8);
    expect(Object.keys(second.chunks[0])).toEqual(['start_s', 'end_s', 'predicted_color', 'confidence', 'color_probs']);
    expect(second.chunks.map((c: { start_s: number }) => c.start_s)).toEqual([0, 5, 10, 15, 20, 25, 30, 35]);
    expect(first.settings).toMatchObject({ models: 'tiny', test_only: true, crop: 'center', seed: 0, chunk_size_s: 30, chunk_stride_s: 5, device: 'cpu', target: null, targets: 'canonical', color_rule: 'vote' });
    // The concept's digest, checked against node:crypto: the settings name what the record was scored against.
    expect(first.settings.concept_sha256).toBe(createHash('sha256').update('A song about forgetting the future').digest('hex'));
    // The default rule is the vote of the chunk colors (Counter.most_common: ties to the first seen).
    for (const song of songs) {
      expect(song.predicted_color).toBe(song.predicted_color_by_vote);
      expect(song.predicted_color_by_vote).toBe(songColorByVote(song.chunks.map((c: { predicted_color: ColorName }) => c.predicted_color)));
    }
  });

  it('--targets and --color-rule pick the table and predicted_color; card differs from canonical', () => {
    const [canonical] = JSON.parse(runRefractor(['score', b, ...TINY, '--format', 'json', '--target', 'Blue']).stdout);
    const [card] = JSON.parse(runRefractor(['score', b, ...TINY, '--format', 'json', '--target', 'Blue', '--targets', 'card', '--color-rule', 'probs']).stdout);
    expect(card.settings).toMatchObject({ targets: 'card', color_rule: 'probs' });
    expect(card.predicted_color).toBe(card.predicted_color_by_probs);
    expect(card.color_probs).toEqual(canonical.color_probs);
    // Blue's rows differ between the tables, so match and drift do too.
    expect(card.chromatic_match).not.toBe(canonical.chromatic_match);
    expect(card.drift).toEqual(drift(card, 'Blue', 'card'));
    expect(canonical.drift).toEqual(drift(canonical, 'Blue'));
    const bad = runRefractor(['score', b, ...TINY, '--targets', 'legacy']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--targets <table>' argument 'legacy' is invalid\. Allowed choices are canonical, card/);
  });

  it('adds chromatic match and drift with --target, consistent with the distributions', () => {
    const run = runRefractor(['score', b, ...TINY, '--format', 'json', '--target', 'z']);
    expect(run.status).toBe(0);
    const [result] = JSON.parse(run.stdout);
    expect(result.target_color).toBe('White');
    expect(result.settings.target).toBe('White');
    expect(result.chromatic_match).toBeGreaterThanOrEqual(0);
    expect(result.chromatic_match).toBeLessThanOrEqual(1);
    // Canonical White is uniform: its peak is the first mode of each axis (numpy's argmax),
    // so delta = past/thing/imagined − 1/3, in float32, 4 decimals.
    const expected = drift(result, 'White');
    expect(result.drift).toEqual(expected);
    expect(result.drift.temporal_delta).toBe(roundHalfEven(Math.fround(Math.fround(result.temporal.past) - Math.fround(1 / 3)), 4));
  });

  it('writes YAML and CSV with the same numbers, atomically to --out', () => {
    const json = JSON.parse(runRefractor(['score', a, b, ...TINY, '--format', 'json']).stdout);
    const yamlOut = join(work, 'out.yaml');
    expect(runRefractor(['score', a, b, ...TINY, '--format', 'yaml', '--out', yamlOut]).status).toBe(0);
    const yaml = parseYaml(readFileSync(yamlOut, 'utf8'));
    expect(yaml).toEqual(json);
    const csv = runRefractor(['score', a, b, ...TINY, '--format', 'csv', '--target', 'Blue']);
    const rows = parseCsv(csv.stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2);
    expect(rows[1]!.file).toBe(b);
    expect(Number(rows[1]!['color_probs.Red'])).toBeCloseTo(json[1].color_probs.Red, 12);
    expect(Number(rows[1]!['temporal.future'])).toBeCloseTo(json[1].temporal.future, 12);
    expect(rows[1]!.target_color).toBe('Blue');
    expect(Number(rows[1]!['drift.overall_drift'])).toBeGreaterThanOrEqual(0);
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('prints a table line per song, a timeline strip, and no color codes when not a terminal', () => {
    const run = runRefractor(['score', b, ...TINY, '--timeline', '--color-rule', 'probs']);
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[[ROYGBIVZK]\] \w+ +\d+\.\d%  top: \w+ \d+\.\d%, \w+ \d+\.\d%, \w+ \d+\.\d%  .*b\.wav$/);
    expect(lines[1]).toMatch(/timeline \(8 chunks, 0–40 s\): [ROYGBIVZK]{8}$/);
    expect(run.stdout).not.toContain('\x1b[');
    const painted = runRefractor(['score', b, ...TINY], { env: { FORCE_COLOR: '1' } });
    expect(painted.stdout).toMatch(/\x1b\[48;2;\d+;\d+;\d+m {2}\x1b\[0m/);
  });

  it('scores the rest of a batch when files are corrupt or missing, names each failure, and exits 1', () => {
    const dir = mkdtempSync(join(work, 'batch-'));
    song('good.wav', 6, 330, dir);
    writeFileSync(join(dir, 'corrupt.wav'), Buffer.from('RIFF\x00\x00\x00\x00WAVEjunkjunkjunk'));
    mkdirSync(join(dir, 'nested'));
    song('deep.wav', 6, 440, join(dir, 'nested'));
    const run = runRefractor(['score', dir, join(work, 'missing.mp3'), join(work, 'nothing-*.flac'), ...TINY, '--format', 'json']);
    expect(run.status).toBe(1);
    // Every input has a record, in input order: a result, or the error with a stable code.
    const records = JSON.parse(run.stdout) as Array<{ file: string; error?: { code: string; reason?: string; message: string }; predicted_color?: string }>;
    expect(records.map((r) => r.file)).toEqual([join(dir, 'corrupt.wav'), join(dir, 'good.wav'), join(dir, 'nested/deep.wav'), join(work, 'missing.mp3'), join(work, 'nothing-*.flac')]);
    expect(records.map((r) => r.error?.code ?? 'ok')).toEqual(['decode', 'ok', 'ok', 'not-found', 'no-match']);
    expect(records[0]!.error!.reason).toMatch(/^(truncated|corrupt)$/);
    expect(records[1]!.predicted_color).toBeDefined();
    expect(run.stderr).toMatch(/corrupt\.wav: (truncated|corrupt)/);
    expect(run.stderr).toContain('missing.mp3: unreadable: no such file');
    expect(run.stderr).toContain('nothing-*.flac: no file matches this pattern');
  });

  it('is deterministic for the same file and options, including a seeded random crop', () => {
    const args = ['score', b, ...TINY, '--format', 'json', '--crop', 'random', '--seed', '1234'];
    expect(runRefractor(args).stdout).toBe(runRefractor(args).stdout);
  });

  it('rejects bad values with exit 2, naming what is allowed', () => {
    const target = runRefractor(['score', a, ...TINY, '--target', 'Teal']);
    expect(target.status).toBe(2);
    expect(target.stderr).toMatch(/'Teal' is invalid.*Red, Orange, Yellow, Green, Blue, Indigo, Violet, White, Black/s);
    expect(runRefractor(['score', a, ...TINY, '--format', 'xml']).status).toBe(2);
    expect(runRefractor(['score', a, ...TINY, '--batch-size', '0']).status).toBe(2);
    const both = runRefractor(['score', a, ...TINY, '--concept', 'x', '--concept-file', 'y']);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/either --concept or --concept-file/);
  });

  it('explains in two lines how to get the real models when they cannot be had', () => {
    const cache = mkdtempSync(join(work, 'empty-cache-'));
    const run = runRefractor(['score', a, '--offline'], { env: { REFRACTOR_CACHE: cache } });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/refractor models pull default/);
    expect(run.stderr).toMatch(/--models tiny \(a test model set whose predictions mean nothing\)/);
    expect(existsSync(join(cache, 'hub'))).toBe(false);
  });
});
