import { RefractorError } from '@refractor/core';
import { openOutputFile } from '../atomic.js';
import { openDurableLines, type DurableLines } from './durable-lines.js';
import { recordEncoder, type EncoderOptions, type OutputFormat, type OutputRecord } from './formats.js';
import { supportsTrueColor } from '../score/table.js';

/**
 * Where per-input records go. Records must be written in input order (see
 * {@link mapInOrder}); streamed formats (table, CSV, JSON Lines) write each
 * one as it comes, JSON and YAML write one document at {@link close}.
 */
export interface ResultSink {
  /** Records already in a `--resume` file (empty otherwise). */
  readonly existing: readonly OutputRecord[];
  /** Bytes of a torn last line that opening a `--resume` file cut off. */
  readonly repairedBytes: number;
  write(record: OutputRecord): Promise<void>;
  /** Finishes the output: writes whole documents, moves a finished file into place. Returns how many records this run wrote. */
  close(): Promise<number>;
  /** Gives up after a failure: a temporary file is removed, a `--resume` file keeps its complete lines. */
  abort(): Promise<void>;
}

/** Options for {@link openResultSink}. */
export interface SinkOptions extends EncoderOptions {
  format: OutputFormat;
  /** Write to this file instead of `stdout` (`-` is stdout; see `openOutputFile` for links, devices and FIFOs). */
  out?: string;
  /**
   * JSON Lines to a regular file `out` only (see `resumeUsageError`): append
   * to the file in place, each line durably (see {@link openDurableLines}),
   * after reading what is there. Without it a regular file is written beside
   * its target and renamed over it at the end, so readers never see half an output.
   */
  resume?: boolean;
  stdout: NodeJS.WritableStream;
}

/** A JSON Lines file that cannot be resumed from: a line that is not a record. */
export class ResumeFileError extends RefractorError {
  override readonly name = 'ResumeFileError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'resume-file' });
  }
}

function parseExisting(path: string, lines: readonly string[]): OutputRecord[] {
  return lines.map((line, index) => {
    try {
      const record = JSON.parse(line) as OutputRecord;
      if (typeof record?.file !== 'string') throw new Error('no "file" key');
      return record;
    } catch (error) {
      throw new ResumeFileError(
        `${path} line ${index + 1} is not a JSON Lines record (${(error as Error).message}); --resume needs a file this command wrote: move it away or fix the line`,
      );
    }
  });
}

/**
 * Opens the output of a per-input command.
 *
 * @example
 * ```ts
 * const sink = await openResultSink({ format: 'jsonl', out: 'results.jsonl', resume: true, stdout: process.stdout });
 * const done = new Set(sink.existing.map((r) => r.file));
 * await sink.write({ file: 'a.wav', predicted_color: 'Red' });
 * await sink.close();
 * ```
 */
export async function openResultSink(options: SinkOptions): Promise<ResultSink> {
  const encoder = recordEncoder(options.format, options);
  const documentRecords: OutputRecord[] = [];
  let written = 0;

  if (options.out !== undefined && options.resume) {
    if (options.format !== 'jsonl') throw new Error('--resume needs --format jsonl');
    const file: DurableLines = await openDurableLines(options.out);
    let existing: OutputRecord[];
    try {
      existing = parseExisting(options.out, file.existing.lines);
    } catch (error) {
      await file.close();
      throw error;
    }
    return {
      existing,
      repairedBytes: file.existing.truncatedBytes,
      async write(record) {
        await file.append(JSON.stringify(record));
        written += 1;
      },
      close: async () => {
        await file.close();
        return written;
      },
      abort: () => file.close(),
    };
  }

  // stdout, a file renamed into place at the end, or a device or FIFO written in place.
  const output = await openOutputFile(options.out ?? '-', { stdout: options.stdout });
  const emit = async (text: string) => {
    if (text !== '') await output.write(text);
  };
  await emit(encoder.header());
  return {
    existing: [],
    repairedBytes: 0,
    async write(record) {
      if (encoder.document) documentRecords.push(record);
      else await emit(encoder.record(record));
      written += 1;
    },
    async close() {
      if (encoder.document) await emit(encoder.document(documentRecords));
      await output.commit();
      return written;
    },
    abort: () => output.abort(),
  };
}

/**
 * The sink of a per-input command from its flags: stdout or `--out`,
 * `--resume`, and table lines painted when they go to a color terminal.
 *
 * @example
 * ```ts
 * const sink = await openCommandSink(flags, (record, painted) => tableLines(record, { painted }), csvColumns(false));
 * ```
 */
export function openCommandSink(
  flags: { format: OutputFormat; out?: string; resume: boolean },
  tableLines: (record: OutputRecord, painted: boolean) => string[],
  csvColumns: readonly string[],
): Promise<ResultSink> {
  const painted = flags.out === undefined && flags.format === 'table' && supportsTrueColor(process.stdout);
  return openResultSink({
    format: flags.format,
    ...(flags.out !== undefined ? { out: flags.out } : {}),
    resume: flags.resume,
    stdout: process.stdout,
    tableLines: (record) => tableLines(record, painted),
    csvColumns,
  });
}
