import { open, readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { isMidi } from '@refractor/audio';
import { RefractorError } from '@refractor/core';
import type { Candidate } from '../candidates.js';

/** Columns a candidates file may have; at least one of midi, audio, lyric per row. */
export const CANDIDATE_COLUMNS = ['id', 'midi', 'audio', 'lyric'] as const;

/** A candidates file that cannot be read, naming the file, row and field. */
export class CandidatesFileError extends RefractorError {
  override readonly name = 'CandidatesFileError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'candidates-file' });
  }
}

/**
 * Whether a file starts with `MThd` (MIDI is recognised by content, not by
 * extension). Reads only the first four bytes.
 *
 * @example
 * ```ts
 * await fileIsMidi('take-3.mid'); // true
 * await fileIsMidi('clip.ogg');   // false
 * ```
 */
export async function fileIsMidi(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return isMidi(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * Files as candidates for `Refractor.scoreCandidates`: MIDI files (by
 * content) as `midi`, the rest as `audio`, each with the shared lyric. A file
 * that cannot be read is passed on as `audio`, so scoring reports it.
 *
 * @example
 * ```ts
 * await candidatesFromFiles(['a.mid', 'b.ogg'], 'a lyric'); // [{ midi: 'a.mid', lyric: 'a lyric' }, { audio: 'b.ogg', lyric: 'a lyric' }]
 * ```
 */
export async function candidatesFromFiles(files: readonly string[], lyric: string | undefined): Promise<Candidate[]> {
  return Promise.all(
    files.map(async (file) => {
      // An unreadable file is reported later, when it is scored, as audio.
      const midi = await fileIsMidi(file).catch(() => false);
      return { ...(midi ? { midi: file } : { audio: file }), ...(lyric !== undefined ? { lyric } : {}) };
    }),
  );
}

/**
 * Reads a candidates file: CSV with a header row, or JSON Lines (one object
 * per line; chosen by the `.jsonl`/`.ndjson` extension), with the columns
 * `midi`, `audio`, `lyric` (and an optional `id`). Paths are relative to the
 * file's directory. Empty cells are absent values.
 *
 * @example
 * ```ts
 * await readCandidatesFile('generation-12/candidates.csv'); // [{ midi: 'generation-12/a.mid', lyric: '…' }, …]
 * ```
 */
export async function readCandidatesFile(path: string): Promise<Candidate[]> {
  const text = await readFile(path, 'utf8');
  const jsonl = ['.jsonl', '.ndjson'].includes(extname(path).toLowerCase());
  const rows: Array<{ at: string; row: Record<string, unknown> }> = [];
  if (jsonl) {
    text.split(/\r?\n/).forEach((line, index) => {
      if (line.trim() === '') return;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (error) {
        throw new CandidatesFileError(`${path}: line ${index + 1} is not JSON (${(error as Error).message})`);
      }
      if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new CandidatesFileError(`${path}: line ${index + 1} is not a JSON object`);
      rows.push({ at: `line ${index + 1}`, row: row as Record<string, unknown> });
    });
  } else {
    let records: Record<string, string>[];
    try {
      records = parseCsv(text, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, bom: true, trim: true });
    } catch (error) {
      throw new CandidatesFileError(`${path}: not a readable CSV file (${(error as Error).message})`);
    }
    const header = records.length ? Object.keys(records[0]!) : [];
    if (records.length && !header.some((column) => ['midi', 'audio', 'lyric'].includes(column))) {
      throw new CandidatesFileError(`${path}: the header row has none of the columns midi, audio, lyric (found: ${header.join(', ')})`);
    }
    records.forEach((row, index) => rows.push({ at: `row ${index + 2}`, row }));
  }
  if (rows.length === 0) throw new CandidatesFileError(`${path}: holds no candidates`);
  const base = dirname(path);
  const resolvePath = (value: string) => (isAbsolute(value) ? value : join(base, value));
  return rows.map(({ at, row }) => {
    const field = (name: (typeof CANDIDATE_COLUMNS)[number]): string | undefined => {
      const value = row[name];
      if (value === undefined || value === null || value === '') return undefined;
      if (typeof value !== 'string') throw new CandidatesFileError(`${path}: ${at}: ${name} is ${JSON.stringify(value)}; expected text`);
      return value;
    };
    const [id, midi, audio, lyric] = CANDIDATE_COLUMNS.map(field);
    if (midi === undefined && audio === undefined && lyric === undefined) {
      throw new CandidatesFileError(`${path}: ${at} has no midi, audio or lyric`);
    }
    return {
      id: id ?? (midi !== undefined ? resolvePath(midi) : audio !== undefined ? resolvePath(audio) : `${path}:${at}`),
      ...(midi !== undefined ? { midi: resolvePath(midi) } : {}),
      ...(audio !== undefined ? { audio: resolvePath(audio) } : {}),
      ...(lyric !== undefined ? { lyric } : {}),
    };
  });
}
