import { RefractorError } from '@refractor/core';
import { openOutputFile } from '../../output-file.js';
import { openDurableLines, type DurableLines } from './durable-lines.js';
import { recordEncoder, type EncoderOptions, type OutputFormat, type OutputRecord } from './formats.js';

/**
 * Where per-input records go. Records must be written in input order (see
 * `mapInOrder`); streamed formats (table, CSV, JSON Lines) write each
 * one as it comes, JSON and YAML write one document at `close()`.
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
  /** Write to this file instead of `stdout` (`-` is stdout; links are followed, devices and FIFOs written in place: see `openOutputFile`). */
  out?: string;
  /**
   * JSON Lines to a regular file `out` only: append
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
        `${path} line ${index + 1} is not a JSON Lines record (${(error as Error).message}); resuming needs a file of records written this way: move it away or fix the line`,
      );
    }
  });
}

/**
 * Opens where per-input results go: stdout or a file, in any of the
 * `OUTPUT_FORMATS`, streamed record by record where the format allows.
 * With `resume`, an existing JSON Lines file is read back (its records in
 * `existing`, a torn last line cut off) and appended to, each line on disk
 * before `write` resolves, so a killed run loses nothing it reported.
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
    if (options.format !== 'jsonl') throw new RefractorError(`resume: true needs format "jsonl" (got ${JSON.stringify(options.format)})`, { code: 'invalid-value' });
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

