import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { midiToPianoRoll } from '@refractor/audio';
import { COLOR_NAMES, bundledSetDirectory } from '@refractor/node';
import { endOfTrack, off, on, smf, tempo, makeWav, sine } from '@refractor/test-helpers';
import { readNpy } from './npy-reader.js';
import { runRefractor } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'refractor-cli-midi-'));
const TINY = ['--models', 'tiny', '--offline'];
const CONCEPT = ['--concept', 'A song about forgetting the future'];

function midi(name: string, pitches: number[], dir = work): string {
  const path = join(dir, name);
  writeFileSync(path, smf(1, 480, [[tempo(0, 500000), endOfTrack()], [...pitches.flatMap((p, i) => [on(i ? 90 : 0, p, 30 + p), off(200 + 40 * i, p)]), endOfTrack()]]));
  return path;
}
const a = midi('a.mid', [60, 64, 67]);
const b = midi('b.mid', [40, 41, 43, 45]);
// MIDI is recognised by content: no extension needed.
const c = midi('melody', [72, 70, 68]);
const bad = join(work, 'bad.mid');
const whole = smf(0, 480, [[on(0, 60), off(480, 60), endOfTrack()]]);
writeFileSync(bad, whole.subarray(0, whole.length - 3));
const clip = join(work, 'clip.wav');
writeFileSync(clip, makeWav({ sampleRate: 44100, channels: [sine(440, 11, 44100, 0.3)], bits: 16 }));

/** Each test runs the CLI a few times in child processes: give them time on a loaded machine. */
const SLOW = 120_000;
const noTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

describe('refractor score with MIDI candidates', () => {
  it('ranks MIDI and audio candidates, names a bad MIDI file (exit 1, no stack trace) and scores the rest', () => {
    const run = runRefractor(['score', a, b, c, bad, clip, ...TINY, ...CONCEPT, '--rank', '--format', 'json']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`refractor: ${bad}: truncated: track 0 declares`);
    noTrace(run.stderr);
    const records = JSON.parse(run.stdout);
    // The failed candidate comes last, as an error record with a stable code.
    expect(records.at(-1)).toMatchObject({ file: bad, error: { code: 'midi' } });
    const reports = records.slice(0, -1);
    expect(reports.map((r: { rank: number }) => r.rank)).toEqual([0, 1, 2, 3]);
    const confidences = reports.map((r: { confidence: number }) => r.confidence);
    expect(confidences).toEqual([...confidences].sort((x: number, y: number) => y - x));
    expect(new Set(reports.map((r: { file: string }) => r.file))).toEqual(new Set([a, b, c, clip]));
    const byFile = Object.fromEntries(reports.map((r: { file: string }) => [r.file, r]));
    expect(Object.keys(byFile[a])).toEqual(['file', 'model', 'rank', 'confidence', 'temporal', 'spatial', 'ontological', 'predicted_color', 'settings']);
    // Base-model records name a color too, derived from their three axes by the targets rule.
    expect(COLOR_NAMES).toContain(byFile[a].predicted_color);
    expect(byFile[a].model).toBe('base');
    expect(byFile[c].model).toBe('base');
    expect(Object.keys(byFile[a].temporal)).toEqual(['past', 'present', 'future']);
    expect(byFile[clip]).toMatchObject({ model: 'cdm', predicted_color: expect.any(String) });
    expect(byFile[a].settings).toMatchObject({ models: 'tiny', test_only: true, base_model: join(bundledSetDirectory('tiny')!, 'refractor.onnx'), crop: 'start', seed: 0, batch_size: 64 });
    expect(byFile[a].settings.concept_sha256).toMatch(/^[0-9a-f]{64}$/);
  }, SLOW);

  it('the same numbers in CSV and JSON, and a table; lyric and sounds-like move the answer', () => {
    const csv = parseCsv(runRefractor(['score', a, b, ...TINY, ...CONCEPT, '--format', 'csv']).stdout, { columns: true }) as Record<string, string>[];
    const json = JSON.parse(runRefractor(['score', a, b, ...TINY, ...CONCEPT, '--lyric', 'x', '--format', 'json']).stdout);
    expect(csv.map((row) => row.file)).toEqual([a, b]);
    expect(csv[0]!.rank).toBeUndefined();
    expect(Number(csv[0]!['temporal.future'])).toBeGreaterThan(0);
    const plain = JSON.parse(runRefractor(['score', a, ...TINY, ...CONCEPT, '--format', 'json']).stdout)[0];
    expect(Number(csv[0]!.confidence)).toBe(plain.confidence);
    expect(json[0].confidence).not.toBe(plain.confidence); // --lyric
    const sounds = JSON.parse(runRefractor(['score', a, ...TINY, ...CONCEPT, '--sounds-like', 'quiet folk', '--sounds-like', 'loud rock', '--format', 'json']).stdout)[0];
    expect(sounds.confidence).not.toBe(plain.confidence);
    const table = runRefractor(['score', a, b, ...TINY, ...CONCEPT, '--rank']);
    expect(table.status).toBe(0);
    expect(table.stdout.trim().split('\n')).toHaveLength(2);
    expect(table.stdout).toMatch(/^#0 +base +\d+\.\d%/);
  }, SLOW);

  it('reads a candidates file (CSV or JSONL), paths relative to it', () => {
    const dir = join(work, 'generation');
    mkdirSync(dir, { recursive: true });
    midi('x.mid', [50, 55], dir);
    midi('y.mid', [62], dir);
    writeFileSync(join(dir, 'candidates.csv'), 'id,midi,lyric\nfirst,x.mid,la la\n,y.mid,\nwords,,only words here\n');
    writeFileSync(join(dir, 'candidates.jsonl'), `${JSON.stringify({ midi: 'x.mid', lyric: 'la la' })}\n${JSON.stringify({ midi: 'y.mid' })}\n`);
    const csvRun = runRefractor(['score', '--candidates', join(dir, 'candidates.csv'), ...TINY, ...CONCEPT, '--rank', '--format', 'json']);
    expect(csvRun.status).toBe(0);
    const ranked = JSON.parse(csvRun.stdout);
    expect(ranked.map((r: { rank: number }) => r.rank)).toEqual([0, 1, 2]);
    expect(new Set(ranked.map((r: { file: string }) => r.file))).toEqual(new Set(['first', join(dir, 'y.mid'), 'words']));
    const jsonlRun = runRefractor(['score', '--candidates', join(dir, 'candidates.jsonl'), ...TINY, ...CONCEPT, '--format', 'json']);
    const plain = JSON.parse(jsonlRun.stdout);
    const byFile = Object.fromEntries(ranked.map((r: { file: string; confidence: number }) => [r.file, r.confidence]));
    expect(plain.map((r: { confidence: number }) => r.confidence)).toEqual([byFile.first, byFile[join(dir, 'y.mid')]]);
    writeFileSync(join(dir, 'broken.csv'), 'title,notes\nx,y\n');
    const broken = runRefractor(['score', '--candidates', join(dir, 'broken.csv'), ...TINY, ...CONCEPT]);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(`${join(dir, 'broken.csv')}: the header row has none of the columns midi, audio, lyric`);
  }, SLOW);

  it('without a base model, or without a concept: one clear error, exit 1', () => {
    const bare = join(work, 'bare-models');
    mkdirSync(bare);
    const tiny = bundledSetDirectory('tiny')!;
    for (const entry of readdirSync(tiny)) if (!['refractor.onnx', 'package.json'].includes(entry) && !entry.startsWith('index')) symlinkSync(join(tiny, entry), join(bare, entry));
    const noBase = runRefractor(['score', a, '--models', bare, ...CONCEPT]);
    expect(noBase.status).toBe(1);
    expect(noBase.stderr).toMatch(/needs the base Refractor model \(refractor\.onnx\).*--base-model <path>.*refractor\.onnx in the model directory/);
    noTrace(noBase.stderr);
    // --base-model supplies it
    const given = runRefractor(['score', a, '--models', bare, '--base-model', join(tiny, 'refractor.onnx'), ...CONCEPT, '--format', 'json']);
    expect(given.status).toBe(0);
    expect(JSON.parse(given.stdout)[0].model).toBe('base');
    const noConcept = runRefractor(['score', a, ...TINY]);
    expect(noConcept.status).toBe(1);
    expect(noConcept.stderr).toMatch(/needs a concept.*--concept/);
    const wrongModel = runRefractor(['score', a, ...TINY, '--base-model', join(tiny, 'refractor_cdm.onnx'), ...CONCEPT]);
    expect(wrongModel.status).toBe(1);
    expect(wrongModel.stderr).toContain(`${join(tiny, 'refractor_cdm.onnx')}: base model has no input 'piano_roll'`);
  }, SLOW);

  it('--help documents the new flags', () => {
    const help = runRefractor(['score', '--help']).stdout;
    for (const flag of ['--lyric <text>', '--lyric-file <file>', '--sounds-like <text>', '--base-model <path>', '--rank', '--candidates <file>']) expect(help).toContain(flag);
  }, SLOW);
});

describe('refractor piano-roll', () => {
  it('writes float32 [128, 256] equal to the library roll', () => {
    const out = join(work, 'roll.npy');
    const run = runRefractor(['piano-roll', c, '--out', out]);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(`wrote ${out}: float32 [128, 256] (3 pitches sounding)`);
    const npy = readNpy(out);
    expect(npy.descr).toBe('<f4');
    expect(npy.shape).toEqual([128, 256]);
    expect(Array.from(npy.data)).toEqual(Array.from(midiToPianoRoll(new Uint8Array(readFileSync(c)))));
  }, SLOW);

  it('a bad file: exit 1, named, nothing written', () => {
    const out = join(work, 'bad-roll.npy');
    const run = runRefractor(['piano-roll', bad, '--out', out]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`refractor: ${bad}: truncated:`);
    noTrace(run.stderr);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('bad-roll'))).toEqual([]);
  }, SLOW);
});
