import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { UnknownColorLabelError, parseColorLabel } from './labels.js';
import { DatasetError, type LabeledSong, type SkippedSong } from './types.js';

/** Columns a manifest may have; `path` and `color` are required. */
export const MANIFEST_COLUMNS = Object.freeze(['path', 'color', 'concept', 'id'] as const);
type ManifestColumn = (typeof MANIFEST_COLUMNS)[number];

const COLUMNS_HINT = 'expected the header path,color[,concept] (an id column is also accepted)';

/** The header row's column positions, or a DatasetError naming what is wrong. */
function readHeader(file: string, header: readonly string[]): Map<ManifestColumn, number> {
  const columns = new Map<ManifestColumn, number>();
  header.forEach((raw, index) => {
    const name = raw.trim().toLowerCase();
    // Unknown columns are an error rather than ignored: a typo like "concpet"
    // would otherwise silently score every song without its concept.
    if (!(MANIFEST_COLUMNS as readonly string[]).includes(name)) {
      throw new DatasetError(`${file} line 1: unknown column ${JSON.stringify(raw)}; ${COLUMNS_HINT}`);
    }
    if (columns.has(name as ManifestColumn)) throw new DatasetError(`${file} line 1: column "${name}" appears twice; ${COLUMNS_HINT}`);
    columns.set(name as ManifestColumn, index);
  });
  for (const required of ['path', 'color'] as const) {
    if (!columns.has(required)) throw new DatasetError(`${file} line 1: no "${required}" column; ${COLUMNS_HINT}`);
  }
  return columns;
}

interface Row {
  record: string[];
  info: { lines: number };
}

/** Where a manifest path points, from the current directory: relative paths are relative to the manifest's folder. */
function audioPath(file: string, path: string): string {
  return isAbsolute(path) ? path : join(dirname(file), path);
}

/**
 * Reads a CSV manifest: a header naming `path`, `color` and optionally
 * `concept` (and `id`), then one song per row. Fields follow RFC 4180:
 * quoted fields may hold commas, quotes (doubled) and line breaks; blank
 * lines are ignored. Paths are relative to the manifest's folder. A bad row
 * is skipped with a message naming the manifest line; a manifest that is not
 * valid CSV or lacks the required columns throws a {@link DatasetError}.
 *
 * @example
 * ```ts
 * // songs.csv:
 * //   path,color,concept
 * //   audio/a.wav,Indigo,"A song about forgetting the future, twice"
 * const { songs, skipped } = await readCsvDataset('songs.csv');
 * ```
 */
export async function readCsvDataset(file: string): Promise<{ songs: LabeledSong[]; skipped: SkippedSong[] }> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new DatasetError(`${file}: unreadable (${error.code ?? error.message})`);
  });
  let rows: Row[];
  try {
    // csv-parse miscounts lines on CRLF files; normalizing first keeps the
    // line numbers in our messages right (and concepts keep their line breaks).
    // csv-parse's types do not model `info: true` (records become { record, info }).
    rows = parse(text.replace(/\r\n?/g, '\n'), { bom: true, info: true, skip_empty_lines: true, relax_column_count: true }) as unknown as Row[];
  } catch (error) {
    throw new DatasetError(`${file}: not valid CSV (${(error as Error).message})`);
  }
  const [header, ...body] = rows;
  if (!header) return { songs: [], skipped: [] };
  const columns = readHeader(file, header.record);
  const field = (record: readonly string[], column: ManifestColumn) => {
    const index = columns.get(column);
    return index === undefined ? undefined : record[index];
  };

  const songs: LabeledSong[] = [];
  const skipped: SkippedSong[] = [];
  for (const { record, info } of body) {
    // info.lines is the line the record ends on; quoted line breaks move its start up.
    const line = info.lines - record.reduce((n, value) => n + (value.match(/\n/g)?.length ?? 0), 0);
    const where = `${file} line ${line}`;
    const path = (field(record, 'path') ?? '').trim();
    const id = (field(record, 'id') ?? '').trim() || (path ? path.slice(0, path.length - extname(path).length) : `line ${line}`);
    if (record.length > header.record.length) {
      skipped.push({
        id,
        file,
        reason: 'unreadable-label',
        message: `${where}: ${record.length} fields but the header names ${header.record.length} (quote a field that contains a comma)`,
      });
      continue;
    }
    if (path === '') {
      skipped.push({ id, file, reason: 'unreadable-label', message: `${where}: empty path; expected an audio file relative to ${dirname(file)}` });
      continue;
    }
    let color;
    try {
      color = parseColorLabel(field(record, 'color') ?? '', `${where}, column color`);
    } catch (error) {
      if (!(error instanceof UnknownColorLabelError)) throw error;
      skipped.push({ id, file, reason: 'unknown-color', message: error.message });
      continue;
    }
    const audio = audioPath(file, path);
    const audioInfo = await stat(audio).catch(() => undefined);
    if (!audioInfo?.isFile()) {
      skipped.push({ id, file: audio, reason: 'missing-audio', message: `missing audio: ${audio} ${audioInfo ? 'is not a file' : 'does not exist'} (${where})` });
      continue;
    }
    const concept = field(record, 'concept') ?? '';
    songs.push({ id, audio, color, concept: concept.trim() === '' ? null : concept, labelSource: where });
  }
  return { songs, skipped };
}
