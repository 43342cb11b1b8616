import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { COLOR_NAMES, validationMetrics, type ColorName } from '@refractor/core';
import { makeWav, seededNoise, sine } from '@refractor/test-helpers';
import { runRefractor, type CliRun } from './run-cli.js';

// A small labeled set whose songs differ in timbre (pitches, a square wave,
// noise, a chord, a real recording). The tiny test models' predictions mean
// nothing, so these tests check structure and consistency, not accuracy.

const RATE = 22050;
const SECONDS = 6;
const work = mkdtempSync(join(tmpdir(), 'refractor-validate-'));
const CLIP = join(import.meta.dirname, '..', '..', '..', 'examples', 'clip.ogg');
const FAST = ['--models', 'tiny', '--offline', '--chunk-size', '5', '--chunk-stride', '5'];
afterAll(() => rmSync(work, { recursive: true, force: true }));

const square = (frequency: number) => sine(frequency, SECONDS, RATE).map((v) => 0.4 * Math.sign(v));
const chord = () => {
  const [a, b, c] = [sine(262, SECONDS, RATE, 0.2), sine(330, SECONDS, RATE, 0.2), sine(392, SECONDS, RATE, 0.2)];
  return a.map((v, i) => v + b[i]! + c[i]!);
};
const wavBytes = (samples: ArrayLike<number>) => makeWav({ sampleRate: RATE, channels: [samples], bits: 16 });
const NOT_AUDIO = 'this is not audio, just text with a .wav name';

interface FolderSong {
  id: string;
  /** rainbow_color exactly as written in the yml. */
  label: string;
  /** The whole yml, when it is not `rainbow_color: <label>` (+ concept). */
  yml?: string;
  concept?: string;
  /** WAV samples, raw bytes, an existing file to copy, or none (a missing audio file). */
  audio?: ArrayLike<number> | { bytes: string } | { copy: string; extension: string };
}

/** Good songs: label as written (letters and names, any case) and the color it means. */
const GOOD: (FolderSong & { color: ColorName })[] = [
  { id: 'low-sine', label: 'R', color: 'Red', audio: sine(220, SECONDS, RATE) },
  { id: 'mid-sine', label: 'red', color: 'Red', audio: sine(247, SECONDS, RATE), concept: 'A song about the past' },
  { id: 'square', label: 'Orange', color: 'Orange', audio: square(330) },
  { id: 'noise-1', label: 'b', color: 'Blue', audio: seededNoise(SECONDS * RATE, 1) },
  { id: 'noise-2', label: 'BLUE', color: 'Blue', audio: seededNoise(SECONDS * RATE, 2, 0.8), concept: 'Forgetting the future, slowly' },
  { id: 'chord', label: 'Z', color: 'White', audio: chord() },
  { id: 'high-sine', label: 'v', color: 'Violet', audio: sine(1760, SECONDS, RATE) },
  { id: 'green-sine', label: 'Green', color: 'Green', audio: sine(660, SECONDS, RATE) },
  // Not a WAV: proves <id>_main.<other extension> is found.
  { id: 'clip', label: 'i', color: 'Indigo', audio: { copy: CLIP, extension: 'ogg' }, concept: 'Indigo, at night' },
];
const BAD: FolderSong[] = [
  { id: 'no-audio', label: 'Y' },
  { id: 'teal', label: 'Teal', audio: sine(300, SECONDS, RATE) },
  { id: 'broken-yml', label: 'R', yml: 'rainbow_color: [Red\nconcept: unclosed\n', audio: sine(350, SECONDS, RATE) },
  { id: 'corrupt', label: 'K', audio: { bytes: NOT_AUDIO } },
];

/** Expected totals per color: counted from what we generated. */
function totalsOf(songs: readonly { color: ColorName }[]): Partial<Record<ColorName, number>> {
  const totals: Partial<Record<ColorName, number>> = {};
  for (const { color } of songs) totals[color] = (totals[color] ?? 0) + 1;
  return totals;
}

function writeFolderDataset(root: string): void {
  for (const song of [...GOOD, ...BAD]) {
    const folder = join(root, song.id);
    mkdirSync(folder, { recursive: true });
    const concept = song.concept === undefined ? '' : `concept: ${JSON.stringify(song.concept)}\n`;
    writeFileSync(join(folder, `${song.id}.yml`), song.yml ?? `rainbow_color: ${song.label}\n${concept}`);
    const audio = song.audio;
    if (audio === undefined) continue;
    if ('copy' in audio) copyFileSync(audio.copy, join(folder, `${song.id}_main.${audio.extension}`));
    else writeFileSync(join(folder, `${song.id}_main.wav`), 'bytes' in audio ? audio.bytes : wavBytes(audio));
  }
  // Not songs, and not reported: a notes folder and a hidden folder.
  mkdirSync(join(root, 'notes'));
  writeFileSync(join(root, 'notes', 'todo.txt'), 'label the rest');
  mkdirSync(join(root, '.cache'));
}

/** The per-color rows of the table printed under `Color by <rule>:`. */
function parseTable(stdout: string, rule: string): { rows: Map<string, { correct: number; total: number }>; overall: { correct: number; total: number } } {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`Color by ${rule}:`));
  expect(start, `no "Color by ${rule}" section in:\n${stdout}`).toBeGreaterThanOrEqual(0);
  expect(lines[start + 1]).toMatch(/^Color\s+Correct\s+Total\s+Accuracy$/);
  const rows = new Map<string, { correct: number; total: number }>();
  for (let i = start + 2; ; i++) {
    const match = /^(\w+)\s+(\d+)\s+(\d+)\s+(\S+)$/.exec(lines[i]!);
    expect(match, `bad table line ${JSON.stringify(lines[i])}`).not.toBeNull();
    const [, label, correct, total, accuracy] = match!;
    expect(accuracy).toBe(`${((100 * Number(correct)) / Number(total)).toFixed(1)}%`);
    if (label === 'Overall') {
      expect(lines[i + 1]).toMatch(/^Mean per-color accuracy: \d+\.\d%$/);
      return { rows, overall: { correct: Number(correct), total: Number(total) } };
    }
    rows.set(label!, { correct: Number(correct), total: Number(total) });
  }
}

/** The 9×9 confusion matrix printed under `Confusion matrix, color by <rule>`. */
function parseConfusion(stdout: string, rule: string): number[][] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`Confusion matrix, color by ${rule}`));
  expect(start).toBeGreaterThanOrEqual(0);
  expect(lines[start + 1]).toMatch(/^true \\ pred\s+R\s+O\s+Y\s+G\s+B\s+I\s+V\s+Z\s+K$/);
  return COLOR_NAMES.map((name, i) => {
    const line = lines[start + 2 + i]!;
    expect(line.startsWith(name)).toBe(true);
    return line.slice(12).trim().split(/\s+/).map(Number);
  });
}

/** The songs listed under `Skipped N songs:`, as "id: message" lines. */
function skippedLines(stdout: string): string[] {
  const lines = stdout.trimEnd().split('\n');
  const start = lines.findIndex((line) => /^Skipped \d+ songs?:$/.test(line));
  expect(start, `no Skipped section in:\n${stdout}`).toBeGreaterThanOrEqual(0);
  return lines.slice(start + 1).map((line) => line.trim());
}

/** Checks a run's stdout tables and matrices against the expected totals, for both rules. */
function expectTables(run: CliRun, totals: Partial<Record<ColorName, number>>): void {
  const scored = Object.values(totals).reduce((a, n) => a + n, 0);
  for (const rule of ['vote', 'probs', 'targets']) {
    const { rows, overall } = parseTable(run.stdout, rule);
    // One row per color that has songs, in canonical order, with our counts.
    expect([...rows.keys()]).toEqual(COLOR_NAMES.filter((name) => totals[name]));
    for (const [name, row] of rows) {
      expect(row.total, `${rule} ${name}`).toBe(totals[name as ColorName]);
      expect(row.correct).toBeLessThanOrEqual(row.total);
    }
    expect(overall.total).toBe(scored);
    expect(overall.correct).toBe([...rows.values()].reduce((a, r) => a + r.correct, 0));
    const matrix = parseConfusion(run.stdout, rule);
    COLOR_NAMES.forEach((name, i) => {
      expect(matrix[i]!.reduce((a, n) => a + n, 0), `${rule} row ${name}`).toBe(totals[name] ?? 0);
      if (totals[name]) expect(matrix[i]![i]).toBe(rows.get(name)!.correct);
    });
    // Canonical White shares Black's uniform targets and Black comes first, so the targets rule never answers White.
    if (rule === 'targets') expect(matrix.map((row) => row[COLOR_NAMES.indexOf('White')])).toEqual(Array(9).fill(0));
  }
}

interface Report {
  dataset: { layout: string; songs_found: number; songs_scored: number; songs_skipped: number };
  settings: { models: string; test_only: boolean; chunk_size_s: number; chunk_stride_s: number; crop: string; aggregation: string };
  metrics: Record<'vote' | 'targets' | 'probs', ReturnType<typeof validationMetrics>>;
  songs: { id: string; file: string; concept: string | null; true_color: ColorName; predicted_by_targets: ColorName; predicted_by_probs: ColorName; predicted_by_vote: ColorName; confidence: number; color_probs: Record<ColorName, number> }[];
  skipped: { id: string; file: string; reason: string; message: string }[];
}

/** The report agrees with itself (metrics recomputed from its songs) and with the stdout tables. */
function expectConsistentReport(report: Report, run: CliRun): void {
  expect(report.metrics.targets).toEqual(validationMetrics(report.songs.map((s) => ({ actual: s.true_color, predicted: s.predicted_by_targets }))));
  expect(report.metrics.probs).toEqual(validationMetrics(report.songs.map((s) => ({ actual: s.true_color, predicted: s.predicted_by_probs }))));
  expect(report.metrics.vote).toEqual(validationMetrics(report.songs.map((s) => ({ actual: s.true_color, predicted: s.predicted_by_vote }))));
  expect(Object.keys(report.metrics)).toEqual(['vote', 'probs', 'targets']);
  for (const rule of ['vote', 'targets', 'probs'] as const) {
    const { rows, overall } = parseTable(run.stdout, rule);
    for (const [name, row] of rows) expect(report.metrics[rule].per_color[name as ColorName]).toMatchObject(row);
    expect(report.metrics[rule].overall).toMatchObject(overall);
    expect(report.metrics[rule].confusion).toEqual(parseConfusion(run.stdout, rule));
  }
  for (const song of report.songs) {
    expect(song.confidence).toBeGreaterThan(0);
    expect(song.confidence).toBeLessThanOrEqual(1);
    expect(Object.values(song.color_probs).reduce((a, p) => a + p, 0)).toBeCloseTo(1, 4);
  }
}

describe('refractor validate: the original folder layout', () => {
  const root = join(work, 'staged');
  let run: CliRun;
  let report: Report;

  beforeAll(() => {
    writeFolderDataset(root);
    run = runRefractor(['validate', root, ...FAST, '--out', join(work, 'report.json')]);
    report = JSON.parse(readFileSync(join(work, 'report.json'), 'utf8')) as Report;
  }, 60_000);

  it('exits 1 because songs were skipped, and still reports the rest', () => {
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^Validated ${GOOD.length} of ${GOOD.length + BAD.length} songs from .*staged \\(song folders\\)`));
    expect(run.stderr).toContain(`${root}: ${BAD.length} of ${GOOD.length + BAD.length} songs skipped`);
  });

  it("prints the card's table and a confusion matrix for both color rules, with the right totals", () => {
    expectTables(run, totalsOf(GOOD));
  });

  it('names each skipped song, its file and the reason, one line each', () => {
    const skipped = skippedLines(run.stdout);
    expect(skipped).toHaveLength(BAD.length);
    expect(skipped).toContain(`no-audio: missing audio: no no-audio_main.wav (or .wave .flac .aiff .aif .aifc .mp3 .ogg .oga .opus .m4a) in ${join(root, 'no-audio')}`);
    expect(skipped.find((line) => line.startsWith('teal: '))).toMatch(
      new RegExp(`^teal: unknown color label "Teal" \\(rainbow_color in ${join(root, 'teal', 'teal.yml')}\\); expected one of Red, .* or a letter R O Y G B I V Z K`),
    );
    expect(skipped.find((line) => line.startsWith('corrupt: '))).toMatch(new RegExp(`^corrupt: audio does not decode: ${join(root, 'corrupt', 'corrupt_main.wav')}: unsupported`));
    expect(skipped.find((line) => line.startsWith('broken-yml: '))).toMatch(new RegExp(`^broken-yml: unreadable yml ${join(root, 'broken-yml', 'broken-yml.yml')}: .* at line \\d+, column \\d+$`));
    expect(run.stdout).not.toMatch(/notes|\.cache/);
  });

  it('warns on stderr when the overall accuracy (the first rule, vote by default) is below 70%', () => {
    const { correct, total } = report.metrics.vote.overall;
    // Random tiny weights cannot get 7 of 9 varied songs right; if they ever
    // did, the warning must be absent instead.
    expect(correct / total).toBeLessThan(0.7);
    expect(run.stderr).toMatch(new RegExp(`warning: overall accuracy \\(color by vote\\) is ${((100 * correct) / total).toFixed(1)}% \\(${correct} of ${total}\\), below 70%`));
  });

  it('writes a JSON report: settings, every song, both metrics, the skipped songs', () => {
    expect(run.stderr).toContain(`wrote ${join(work, 'report.json')} (${GOOD.length} songs scored, ${BAD.length} skipped; json)`);
    expect(report.dataset).toEqual({ path: root, layout: 'folders', songs_found: GOOD.length + BAD.length, songs_scored: GOOD.length, songs_skipped: BAD.length });
    expect(report.settings).toMatchObject({ models: 'tiny', test_only: true, chunk_size_s: 5, chunk_stride_s: 5, crop: 'start', aggregation: 'confidence-weighted' });
    expect(report.songs.map((s) => [s.id, s.true_color, s.concept])).toEqual(
      [...GOOD].sort((a, b) => (a.id < b.id ? -1 : 1)).map((s) => [s.id, s.color, s.concept ?? null]),
    );
    expect(report.songs.find((s) => s.id === 'clip')!.file).toBe(join(root, 'clip', 'clip_main.ogg'));
    // Label and audio problems in id order, then songs that failed to decode.
    expect(report.skipped.map((s) => [s.id, s.reason])).toEqual([
      ['broken-yml', 'unreadable-label'],
      ['no-audio', 'missing-audio'],
      ['teal', 'unknown-color'],
      ['corrupt', 'undecodable-audio'],
    ]);
    expect(report.skipped.find((s) => s.id === 'teal')!.file).toBe(join(root, 'teal', 'teal.yml'));
    expectConsistentReport(report, run);
  });

  it('writes the same report as YAML, atomically', () => {
    const yamlRun = runRefractor(['validate', root, ...FAST, '--out', join(work, 'report.yml')]);
    expect(yamlRun.status).toBe(1);
    const fromYaml = parseYaml(readFileSync(join(work, 'report.yml'), 'utf8')) as Report;
    // Deterministic crops: the second run scores exactly what the first did.
    expect(fromYaml).toEqual(report);
    expect(yamlRun.stdout).toBe(run.stdout);
    // No temporary files left beside the reports.
    expect(readdirSync(work).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 60_000);
});

describe('refractor validate: a CSV manifest', () => {
  const folder = join(work, 'manifest');
  const csv = join(folder, 'songs.csv');
  // The same audio twice, with and without a concept (quoted: a comma, a doubled quote and a line break).
  const CONCEPT = 'Things we knew, once;\nthe "present" tense';
  let run: CliRun;
  let report: Report;

  beforeAll(() => {
    mkdirSync(join(folder, 'audio'), { recursive: true });
    writeFileSync(join(folder, 'audio', 'tone.wav'), wavBytes(sine(440, SECONDS, RATE)));
    writeFileSync(join(folder, 'audio', 'buzz.wav'), wavBytes(square(110)));
    writeFileSync(join(folder, 'audio', 'hiss.wav'), wavBytes(seededNoise(SECONDS * RATE, 7)));
    writeFileSync(join(folder, 'audio', 'broken.wav'), NOT_AUDIO);
    writeFileSync(
      csv,
      [
        'path,color,concept', // line 1
        'audio/tone.wav,Yellow,', // line 2
        `audio/tone.wav,y,"${CONCEPT.replace(/"/g, '""')}"`, // lines 3-4
        '', // line 5: blank lines are ignored
        'audio/buzz.wav,K,"Black, with a comma"', // line 6
        'audio/hiss.wav,indigo', // line 7: no concept field at all
        'audio/gone.wav,Red,', // line 8: missing audio
        'audio/hiss.wav,Teal,', // line 9: unknown color
        'audio/broken.wav,O,', // line 10: not audio
      ].join('\r\n'),
    );
    // From another directory: manifest paths are relative to the manifest, not the cwd.
    // --format wins over the name's extension.
    run = runRefractor(['validate', csv, ...FAST, '--out', join(work, 'csv-report.txt'), '--format', 'yaml'], { cwd: tmpdir() });
    report = parseYaml(readFileSync(join(work, 'csv-report.txt'), 'utf8')) as Report;
  }, 60_000);

  it('scores every usable row and exits 1 for the skipped ones', () => {
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^Validated 4 of 7 songs from .*songs\.csv \(CSV manifest\)/);
    expectTables(run, { Yellow: 2, Indigo: 1, Black: 1 });
    expectConsistentReport(report, run);
  });

  it('reads quoted concepts with commas, quotes and line breaks, and uses them', () => {
    expect(report.songs.map((s) => [s.id, s.true_color, s.concept])).toEqual([
      ['audio/tone', 'Yellow', null],
      ['audio/tone', 'Yellow', CONCEPT],
      ['audio/buzz', 'Black', 'Black, with a comma'],
      ['audio/hiss', 'Indigo', null],
    ]);
    expect(report.songs[0]!.file).toBe(join(folder, 'audio', 'tone.wav'));
    // Same audio, different concept: the concept reached the model.
    expect(report.songs[1]!.color_probs).not.toEqual(report.songs[0]!.color_probs);
  });

  it('names the manifest line of each bad row', () => {
    const skipped = skippedLines(run.stdout);
    expect(skipped).toEqual([
      `audio/gone: missing audio: ${join(folder, 'audio', 'gone.wav')} does not exist (${csv} line 8)`,
      expect.stringMatching(new RegExp(`^audio/hiss: unknown color label "Teal" \\(${csv} line 9, column color\\); expected one of`)),
      expect.stringMatching(new RegExp(`^audio/broken: audio does not decode: ${join(folder, 'audio', 'broken.wav')}: unsupported`)),
    ]);
    expect(report.skipped.map((s) => s.reason)).toEqual(['missing-audio', 'unknown-color', 'undecodable-audio']);
  });

  it('exits 0 when every song was scored', () => {
    const good = join(folder, 'good.csv');
    writeFileSync(good, 'color,path\nR,audio/tone.wav\nB,audio/hiss.wav\n');
    const clean = runRefractor(['validate', good, ...FAST]);
    expect(clean.status, clean.stderr).toBe(0);
    expectTables(clean, { Red: 1, Blue: 1 });
    expect(clean.stdout.trimEnd().endsWith('Skipped: none')).toBe(true);
  }, 30_000);

  it('rejects a manifest without the required columns, naming the column', () => {
    const bad = join(folder, 'bad.csv');
    writeFileSync(bad, 'file,colour\naudio/tone.wav,R\n');
    const result = runRefractor(['validate', bad, ...FAST]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${bad} line 1: unknown column "file"; expected the header path,color[,concept]`);
  });
});

describe('refractor validate: unusable datasets and usage errors', () => {
  it('exits 1 with a clear message for a dataset that does not exist', () => {
    const missing = join(work, 'no-such-dataset');
    const result = runRefractor(['validate', missing, ...FAST]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`refractor: ${missing}: no such file or directory; expected a folder of song folders`);
  });

  it('exits 1 for a folder that holds no songs', () => {
    const empty = join(work, 'empty');
    mkdirSync(join(empty, 'notes'), { recursive: true });
    const result = runRefractor(['validate', empty, ...FAST]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`refractor: ${empty}: holds no songs; expected`);
  });

  it('exits 2 for a report name without a known format, or --format without --out', () => {
    const unknown = runRefractor(['validate', work, '--out', join(work, 'r.txt')]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/cannot tell the report format from ".*r\.txt": name it \.json, \.yaml, \.yml or \.jsonl, or pass --format json\|yaml\|jsonl/);
    expect(runRefractor(['validate', work, '--format', 'yaml']).status).toBe(2);
    expect(runRefractor(['validate', work, '--out', 'r.json', '--format', 'xml']).status).toBe(2);
  }, 30_000);

  it('exits 2 for an unknown, repeated or empty color rule, or an unknown target table', () => {
    for (const rules of ['median', 'vote,vote', 'vote,,probs', '']) {
      const result = runRefractor(['validate', work, '--color-rule', rules]);
      expect(result.status, rules).toBe(2);
      expect(result.stderr).toContain('expected one or more of vote, probs, targets, comma-separated, each once');
    }
    expect(runRefractor(['validate', work, '--targets', 'seed']).stderr).toMatch(/Allowed choices are canonical, card/);
  }, 60_000);

  it('documents every option in --help', () => {
    const help = runRefractor(['validate', '--help']);
    expect(help.status).toBe(0);
    for (const flag of ['--out', '--format', '--models', '--offline', '--chunk-size', '--chunk-stride', '--crop', '--seed', '--targets', '--color-rule']) expect(help.stdout).toContain(flag);
    expect(help.stdout).toMatch(/Exit status: 0 every song scored; 1 some songs skipped/);
  });
});
