import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledSetDirectory } from '@refractor/node';
import { writeCardCompatDataset, writeCompatMidi } from './card-compat-dataset.js';
import { runRefractor } from './run-cli.js';

// Issue #25: `--targets card --color-rule targets` reproduces the output of
// the build before the canonical targets (fixtures captured from it, see
// fixtures/card-compat/README.md) byte for byte.
//
// Text outputs (table format, validate's stdout) must match whole. JSON
// records (and CSV columns) may differ only by the keys other changes of the
// same wave added, named here; everything else is compared byte for byte
// after removing them:
// - `model` (one record shape, #19: every record says which model answered);
// - `predicted_color_by_vote`, `predicted_color_by_targets` (#25: all three
//   song colors on a CDM song) and a base-model record's derived
//   `predicted_color` (#19/#25: base records name their nearest target color);
// - `predicted_by_vote` on validate's per-song outcomes (#25);
// - JSON Lines' `color` (#19: one song record for every door; it equals
//   `predicted_color`);
// - in `settings`: `targets`, `color_rule` (#25), `concept_sha256` and
//   `target` (#19: settings reproduce a record);
// - JSON Lines' `settings_digest`: a hash of the settings `--resume` compares,
//   which now include `targets` and `color_rule` (so a file written before
//   #25 is scored again, as it must be: its default numbers changed).
// To recapture (only from a build before #25): REFRACTOR_CAPTURE_CARD_COMPAT=1.

const ROOT = join(import.meta.dirname, '..', '..', '..');
const FIXTURES = join(import.meta.dirname, 'fixtures', 'card-compat');
const CAPTURE = process.env.REFRACTOR_CAPTURE_CARD_COMPAT === '1';
const TINY = ['--models', 'tiny', '--offline', '-q'];
const CARD = ['--targets', 'card', '--color-rule', 'targets'];
const STRIPPED_RECORD_KEYS = ['model', 'predicted_color_by_vote', 'predicted_color_by_targets', 'predicted_by_vote', 'color', 'settings_digest'];
const STRIPPED_BASE_KEYS = ['predicted_color'];
const STRIPPED_SETTINGS_KEYS = ['targets', 'color_rule', 'concept_sha256', 'target'];
const SLOW = 120_000;

const work = mkdtempSync(join(tmpdir(), 'refractor-card-compat-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Case {
  /** Fixture file name. */
  fixture: string;
  /** Today's command (the captured one). */
  args: string[];
  /** What reproduces it now. */
  compat: string[];
  cwd: string;
  /** `text`: whole output; `json`: records less the named keys; `csv`: rows less the named keys' columns. */
  kind: 'text' | 'json' | 'csv';
  /** Validate's report file, read instead of stdout. */
  reportFile?: string;
  /** Base-model records (their derived `predicted_color` is new). */
  base?: boolean;
}

const CLIP = 'examples/clip.ogg';
const CASES: Case[] = [
  { fixture: 'score-clip.json', args: ['score', CLIP, ...TINY, '--format', 'json'], compat: CARD, cwd: ROOT, kind: 'json' },
  { fixture: 'score-clip-blue.json', args: ['score', CLIP, ...TINY, '--format', 'json', '--target', 'Blue'], compat: CARD, cwd: ROOT, kind: 'json' },
  { fixture: 'score-clip-blue.jsonl', args: ['score', CLIP, ...TINY, '--format', 'jsonl', '--target', 'B', '--concept', 'A song about forgetting the future'], compat: CARD, cwd: ROOT, kind: 'json' },
  { fixture: 'score-clip.txt', args: ['score', CLIP, ...TINY, '--format', 'table'], compat: CARD, cwd: ROOT, kind: 'text' },
  { fixture: 'score-clip-blue-timeline.txt', args: ['score', CLIP, ...TINY, '--target', 'Blue', '--timeline'], compat: CARD, cwd: ROOT, kind: 'text' },
  { fixture: 'score-clip-white.csv', args: ['score', CLIP, ...TINY, '--format', 'csv', '--target', 'White'], compat: CARD, cwd: ROOT, kind: 'csv' },
  { fixture: 'score-midi.json', args: ['score', 'a.mid', 'b.mid', ...TINY, '--format', 'json', '--concept', 'leaving home'], compat: CARD, cwd: work, kind: 'json', base: true },
  {
    fixture: 'validate.txt',
    args: ['validate', 'songs', ...TINY, '--chunk-size', '5', '--chunk-stride', '5'],
    compat: ['--targets', 'card', '--color-rule', 'targets,probs'],
    cwd: work,
    kind: 'text',
  },
  {
    fixture: 'validate-report.json',
    args: ['validate', 'songs', ...TINY, '--chunk-size', '5', '--chunk-stride', '5', '--out', 'report.json'],
    compat: ['--targets', 'card', '--color-rule', 'targets,probs'],
    cwd: work,
    kind: 'json',
    reportFile: 'report.json',
  },
];

/** The bundled tiny set's directory differs per checkout: fixtures say `<tiny>`. */
function normalise(text: string): string {
  return text.split(bundledSetDirectory('tiny')!).join('<tiny>');
}

function strip(value: unknown, base: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => strip(item, base));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const drop = new Set([...STRIPPED_RECORD_KEYS, ...(base && record.model === 'base' ? STRIPPED_BASE_KEYS : [])]);
  return Object.fromEntries(
    Object.entries(record)
      .filter(([key]) => !drop.has(key))
      .map(([key, inner]) => [
        key,
        key === 'settings' && inner && typeof inner === 'object'
          ? Object.fromEntries(Object.entries(inner).filter(([k]) => !STRIPPED_SETTINGS_KEYS.includes(k)))
          : strip(inner, base),
      ]),
  );
}

/** JSON (one document or JSON Lines) less the stripped keys, serialized as it came. */
function comparableJson(text: string, base: boolean): string {
  const lines = text.trimEnd().split('\n');
  if (lines.length > 1 && lines.every((line) => line.startsWith('{') && line.endsWith('}'))) {
    return lines.map((line) => JSON.stringify(strip(JSON.parse(line), base))).join('\n') + '\n';
  }
  return `${JSON.stringify(strip(JSON.parse(text), base), null, 2)}\n`;
}

/** CSV less the columns of the stripped keys (no field here holds a comma or a quote). */
function comparableCsv(text: string): string {
  const rows = text.trimEnd().split('\n').map((line) => line.split(','));
  const dropped = new Set([...STRIPPED_RECORD_KEYS, ...STRIPPED_SETTINGS_KEYS.map((key) => `settings.${key}`)]);
  const keep = rows[0]!.map((column, i) => (dropped.has(column) ? -1 : i)).filter((i) => i >= 0);
  return rows.map((row) => keep.map((i) => row[i]).join(',')).join('\n') + '\n';
}

function run(c: Case, extra: string[]): string {
  const result = runRefractor([...c.args, ...extra], { cwd: c.cwd });
  expect(result.status, result.stderr).toBe(0);
  return normalise(c.reportFile ? readFileSync(join(c.cwd, c.reportFile), 'utf8') : result.stdout);
}

beforeAll(() => {
  writeCardCompatDataset(join(work, 'songs'));
  writeCompatMidi(join(work, 'a.mid'), [60, 64, 67]);
  writeCompatMidi(join(work, 'b.mid'), [40, 41, 43, 45]);
});

describe.runIf(CAPTURE)('capture the card-compatibility fixtures (from a build before #25)', () => {
  it.each(CASES)('$fixture', (c) => {
    mkdirSync(FIXTURES, { recursive: true });
    writeFileSync(join(FIXTURES, c.fixture), run(c, []));
  }, SLOW);
});

describe.skipIf(CAPTURE)('--targets card --color-rule targets reproduces the output before #25', () => {
  it.each(CASES)('$fixture', (c) => {
    const expected = readFileSync(join(FIXTURES, c.fixture), 'utf8');
    const actual = run(c, c.compat);
    if (c.kind === 'text') expect(actual).toBe(expected);
    else if (c.kind === 'csv') expect(comparableCsv(actual)).toBe(comparableCsv(expected));
    else expect(comparableJson(actual, c.base === true)).toBe(comparableJson(expected, c.base === true));
  }, SLOW);
});
