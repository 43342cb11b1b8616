import { errorOutcome } from '@refractor/core';
import { AudioDecodeError } from '@refractor/audio';

/** What commands share: output streams and per-input failure accounting. */
export interface CommandContext {
  /** A line of results on stdout. */
  out(line: string): void;
  /** A line of diagnostics on stderr. */
  err(line: string): void;
  /** A side remark on stderr ("model set tiny is a test set", "wrote x"); dropped by `--quiet`. */
  note(line: string): void;
  /** Detail on stderr for `--verbose` only (per-stage timings). */
  detail(line: string): void;
  /** `--quiet`: no notes, no progress bars (errors still print). */
  quiet: boolean;
  /** `--verbose`: per-input timings and other detail on stderr. */
  verbose: boolean;
  /**
   * Runs the work for one input; an expected failure (bad audio, bad value)
   * is reported as one line naming the input and counted, and the command goes on.
   */
  perInput(name: string, work: () => Promise<void>): Promise<void>;
  /** Reports one input that failed before any work (e.g. a missing file), and counts it. */
  fail(name: string, reason: string): void;
  /**
   * Reports and counts a failed input given its error: one stderr line; an
   * error a user cannot act on (a bug) is rethrown.
   */
  failed(name: string, error: unknown): void;
  /** How many inputs failed. */
  readonly failures: number;
}

/** Errors a user can act on, as opposed to bugs: any the error table gives a code other than `failed`. */
export function isExpectedError(error: unknown): error is Error {
  return error instanceof Error && errorOutcome(error).code !== 'failed';
}

export function createContext(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): CommandContext {
  let failures = 0;
  const context: CommandContext = {
    out: (line) => void stdout.write(`${line}\n`),
    err: (line) => void stderr.write(`${line}\n`),
    note: (line) => {
      if (!context.quiet) context.err(line);
    },
    detail: (line) => {
      if (context.verbose) context.err(line);
    },
    quiet: false,
    verbose: false,
    async perInput(name, work) {
      try {
        await work();
      } catch (error) {
        context.failed(name, error);
      }
    },
    failed(name, error) {
      failures += 1;
      if (!isExpectedError(error)) throw error;
      // AudioDecodeError messages already start with the file name.
      const message = error instanceof AudioDecodeError ? error.message : `${name}: ${error.message}`;
      context.err(`refractor: ${message}`);
    },
    fail(name, reason) {
      failures += 1;
      context.err(`refractor: ${name}: ${reason}`);
    },
    get failures() {
      return failures;
    },
  };
  return context;
}
