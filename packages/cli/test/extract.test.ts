import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Refractor } from '@refractor/node';
import { readEmbeddings, type EmbeddingsFile } from '@refractor/train';
import { makeWav, seededNoise, sine } from '@refractor/test-helpers';
import { runRefractor } from './run-cli.js';

// A small labeled set in the original folder layout, with songs of different
// lengths (so different chunk counts), two sharing a concept and one without.
// The tiny test models' numbers mean nothing; these tests check that the
// cache holds exactly what the library computes, and that resuming is exact.

const RATE = 22050;
const FAST = ['--models', 'tiny', '--offline', '--chunk-size', '5', '--chunk-stride', '5'];
const INTERRUPT = 'REFRACTOR_EXTRACT_INTERRUPT_AFTER';
const work = mkdtempSync(join(tmpdir(), 'refractor-extract-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Song {
  id: string;
  color: string;
  concept?: string;
  samples: ArrayLike<number>;
}
const SONGS: Song[] = [
  { id: 'alpha', color: 'Red', concept: 'A song about the past', samples: sine(220, 6, RATE) },
  { id: 'beta', color: 'Blue', samples: seededNoise(11 * RATE, 3, 0.5) },
  { id: 'gamma', color: 'Indigo', concept: 'A song about the past', samples: sine(880, 16, RATE) },
  { id: 'delta-ñ', color: 'Violet', concept: 'Forgetting the future', samples: sine(330, 9, RATE) },
];

function writeDataset(root: string, songs: readonly Song[]): string {
  for (const song of songs) {
    const folder = join(root, song.id);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `${song.id}.yml`), `rainbow_color: ${song.color}\n${song.concept ? `concept: ${JSON.stringify(song.concept)}\n` : ''}`);
    writeFileSync(join(folder, `${song.id}_main.wav`), makeWav({ sampleRate: RATE, channels: [song.samples], bits: 16 }));
  }
  return root;
}

const dataset = writeDataset(join(work, 'dataset'), SONGS);
const extract = (out: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  runRefractor(['extract', dataset, '--out', out, ...FAST, ...extra], { env: { [INTERRUPT]: '', ...env } });
const rowsOf = (cache: EmbeddingsFile, id: string) => cache.songIds.flatMap((songId, row) => (songId === id ? [row] : []));
const HAS_NUMPY = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

let refractor: Refractor;
let full: { bytes: Buffer; cache: EmbeddingsFile; stderr: string };
beforeAll(async () => {
  refractor = await Refractor.load({ models: 'tiny', offline: true });
  const out = join(work, 'full.npz');
  const run = extract(out);
  expect(run.status, run.stderr).toBe(0);
  const bytes = readFileSync(out);
  full = { bytes, cache: readEmbeddings(bytes, out), stderr: run.stderr };
}, 180_000);
afterAll(() => refractor?.close());

describe('refractor extract', { timeout: 60_000 }, () => {
  it('writes one row per chunk: CLAP rows as Refractor.embedChunks, the song concept, color and id', async () => {
    const { cache } = full;
    let total = 0;
    for (const song of [...SONGS].sort((a, b) => a.id.localeCompare(b.id))) {
      const audio = join(dataset, song.id, `${song.id}_main.wav`);
      const { embeddings, chunks } = await refractor.embedChunks(audio, { chunkSizeS: 5, chunkStrideS: 5 });
      const rows = rowsOf(cache, song.id);
      expect(rows.length, song.id).toBe(chunks.length);
      expect(rows.length).toBeGreaterThan(0);
      // A song's rows are contiguous, in chunk order.
      expect(rows).toEqual(rows.map((_, i) => rows[0]! + i));
      expect(cache.clapEmbs.subarray(rows[0]! * 512, (rows.at(-1)! + 1) * 512)).toEqual(embeddings);
      const concept = await refractor.prepareConcept(song.concept ?? null);
      expect(concept.some((v) => v !== 0)).toBe(song.concept !== undefined);
      for (const row of rows) {
        expect(cache.colors[row]).toBe(song.color);
        expect(cache.conceptEmbs.subarray(row * 768, (row + 1) * 768)).toEqual(concept);
      }
      expect(full.stderr).toContain(`extracted ${song.id}: ${song.color}, ${chunks.length} chunk`);
      total += chunks.length;
    }
    expect(cache.colors.length).toBe(total);
    // 6, 11, 16 and 9 s songs in 5 s chunks: the counts differ, so rows really are per chunk.
    expect(new Set(SONGS.map((song) => rowsOf(cache, song.id).length)).size).toBeGreaterThan(1);
    expect(existsSync(join(work, 'full.npz.partial'))).toBe(false);
    expect(full.stderr).toMatch(new RegExp(`wrote .*full\\.npz \\(${total} rows from 4 songs\\)`));
  });

  it.skipIf(!HAS_NUMPY)(`numpy.load reads it with the original keys and dtypes${HAS_NUMPY ? '' : ' (SKIPPED: python3 with numpy not found)'}`, () => {
    const script = `
import json, sys, numpy as np
d = np.load(sys.argv[1])
print(json.dumps({k: [d[k].dtype.str, list(d[k].shape)] for k in sorted(d.files)} | {'ids': d['song_ids'].tolist(), 'sum': float(d['clap_embs'].sum())}))`;
    const run = spawnSync('python3', ['-c', script, join(work, 'full.npz')], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout);
    const n = full.cache.colors.length;
    expect(seen.clap_embs).toEqual(['<f4', [n, 512]]);
    expect(seen.concept_embs).toEqual(['<f4', [n, 768]]);
    expect(seen.colors).toEqual(['<U6', [n]]);
    expect(seen.song_ids).toEqual(['<U7', [n]]);
    expect(seen.ids).toEqual(full.cache.songIds);
    expect(seen.sum).toBeCloseTo(full.cache.clapEmbs.reduce((a, v) => a + v, 0), 2);
  });

  it('resumes an interrupted run without redoing finished songs, and writes the same file', () => {
    const out = join(work, 'resumed.npz');
    const first = extract(out, [], { [INTERRUPT]: '2' });
    expect(first.status, first.stderr).not.toBe(0); // killed by SIGKILL, as an interruption
    expect(first.stderr.match(/^extracted /gm)).toHaveLength(2);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(true);

    const second = extract(out);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/^resuming: 2 of 4 songs done/m);
    const redone = [...second.stderr.matchAll(/^extracted (\S+):/gm)].map((match) => match[1]);
    const before = [...first.stderr.matchAll(/^extracted (\S+):/gm)].map((match) => match[1]);
    expect(redone).toHaveLength(2);
    expect(redone.filter((id) => before.includes(id))).toEqual([]);
    expect(readFileSync(out)).toEqual(full.bytes);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('refuses to resume with other settings, and starts over with --restart', () => {
    const out = join(work, 'mismatch.npz');
    expect(extract(out, [], { [INTERRUPT]: '1' }).status).not.toBe(0);
    const other = extract(out, ['--chunk-size', '4']);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/mismatch\.npz\.partial holds an interrupted run with other settings \(chunk_size_s 5 there, 4 now\).*--restart/);
    expect(existsSync(out)).toBe(false);
    const restarted = extract(out, ['--restart']);
    expect(restarted.status, restarted.stderr).toBe(0);
    expect(restarted.stderr).not.toMatch(/resuming/);
    expect(readFileSync(out)).toEqual(full.bytes);
  });

  it('writes the songs it can, names the skipped ones with reasons, and exits 1', () => {
    const root = writeDataset(join(work, 'with-bad'), SONGS.slice(0, 2));
    mkdirSync(join(root, 'no-audio'));
    writeFileSync(join(root, 'no-audio', 'no-audio.yml'), 'rainbow_color: Yellow\n');
    mkdirSync(join(root, 'corrupt'));
    writeFileSync(join(root, 'corrupt', 'corrupt.yml'), 'rainbow_color: Green\n');
    writeFileSync(join(root, 'corrupt', 'corrupt_main.wav'), 'not audio at all');
    const out = join(work, 'partial-set.npz');
    const run = runRefractor(['extract', root, '--out', out, '--compress', ...FAST]);
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/refractor: no-audio: skipped \(missing-audio\)/);
    expect(run.stderr).toMatch(/refractor: corrupt: skipped \(undecodable-audio\): audio does not decode: .*corrupt_main\.wav/);
    const cache = readEmbeddings(readFileSync(out), out);
    expect(new Set(cache.songIds)).toEqual(new Set(['alpha', 'beta']));
    expect(cache.colors.length).toBe(rowsOf(full.cache, 'alpha').length + rowsOf(full.cache, 'beta').length);
  });

  it('is a usage error without --out', () => {
    const run = runRefractor(['extract', dataset, ...FAST]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--out/);
  });
});
