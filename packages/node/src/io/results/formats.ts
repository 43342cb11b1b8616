import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { stringify as stringifyYaml } from 'yaml';

/** The error of a record for an input that gave no result: a stable code and a message naming the input. */
export interface RecordError {
  code: string;
  message: string;
}

/** Output formats of per-input results. */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml', 'csv', 'jsonl'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Formats written record by record as inputs finish (the others are whole documents written at the end). */
export const STREAMED_FORMATS: readonly OutputFormat[] = ['table', 'csv', 'jsonl'];

/**
 * One input's output: a result (a plain object whose first key is `file`) or
 * a failure (`{ file, error: { code, message } }`). Any report fits (songs,
 * MIDI candidates, …).
 */
export type OutputRecord = { file: string; [key: string]: unknown } | { file: string; error: RecordError };

/**
 * Whether a record says the input failed.
 *
 * @example
 * ```ts
 * isErrorRecord({ file: 'a.wav', error: { code: 'not-found', message: 'a.wav: no such file' } }); // true
 * ```
 */
export function isErrorRecord(record: OutputRecord): record is { file: string; error: RecordError } {
  return 'error' in record && typeof record.error === 'object' && record.error !== null;
}

/** How one format turns records into text. */
export interface RecordEncoder {
  /** Text before the first record (CSV's header). */
  header(): string;
  /** Text for one record, or '' (table output leaves failures to stderr). */
  record(record: OutputRecord): string;
  /** For whole-document formats: the document of all records, at the end. */
  document?(records: readonly OutputRecord[]): string;
}

/** What formats need to know about the records of a command. */
export interface EncoderOptions {
  /** Table lines for a result (table format). */
  tableLines?: (record: OutputRecord) => string[];
  /** CSV columns, as dotted paths into a record (`temporal.past`); `error.code` and `error.message` are added. */
  csvColumns?: readonly string[];
}

/** The dotted-path cell of a CSV row. */
function cell(record: OutputRecord, column: string): string | number | boolean {
  const value = column.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], record);
  return value === undefined || value === null ? '' : (value as string | number | boolean);
}

/**
 * The encoder of a format.
 *
 * @example
 * ```ts
 * const jsonl = recordEncoder('jsonl');
 * process.stdout.write(jsonl.record({ file: 'a.wav', error: { code: 'not-found', message: 'a.wav: no such file' } }));
 * ```
 */
export function recordEncoder(format: OutputFormat, options: EncoderOptions = {}): RecordEncoder {
  switch (format) {
    case 'jsonl':
      return { header: () => '', record: (record) => `${JSON.stringify(record)}\n` };
    case 'csv': {
      const columns = [...(options.csvColumns ?? ['file']), 'error.code', 'error.message'];
      return {
        header: () => stringifyCsv([columns]),
        record: (record) => stringifyCsv([columns.map((column) => cell(record, column))]),
      };
    }
    case 'table':
      return {
        header: () => '',
        record: (record) => {
          if (isErrorRecord(record) || !options.tableLines) return '';
          return options.tableLines(record).map((line) => `${line}\n`).join('');
        },
      };
    case 'json':
      return { header: () => '', record: () => '', document: (records) => `${JSON.stringify(records, null, 2)}\n` };
    case 'yaml':
      return { header: () => '', record: () => '', document: (records) => (records.length === 0 ? '[]\n' : stringifyYaml(records, { aliasDuplicateObjects: false })) };
  }
}
