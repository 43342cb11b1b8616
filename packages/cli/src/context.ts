import { RefractorError } from '@refractor/core';
import { AudioDecodeError } from '@refractor/audio';

/** What commands share: output streams and per-input failure accounting. */
export interface CommandContext {
  /** A line of results on stdout. */
  out(line: string): void;
  /** A line of diagnostics on stderr. */
  err(line: string): void;
  /**
   * Runs the work for one input; an expected failure (bad audio, bad value)
   * is reported as one line naming the input and counted, and the command goes on.
   */
  perInput(name: string, work: () => Promise<void>): Promise<void>;
  /** Reports one input that failed before any work (e.g. a missing file), and counts it. */
  fail(name: string, reason: string): void;
  /** How many inputs failed. */
  readonly failures: number;
}

/** Errors a user can act on, as opposed to bugs. */
export function isExpectedError(error: unknown): error is Error {
  return error instanceof AudioDecodeError || error instanceof RefractorError || (error as NodeJS.ErrnoException)?.code !== undefined;
}

export function createContext(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): CommandContext {
  let failures = 0;
  const context: CommandContext = {
    out: (line) => void stdout.write(`${line}\n`),
    err: (line) => void stderr.write(`${line}\n`),
    async perInput(name, work) {
      try {
        await work();
      } catch (error) {
        failures += 1;
        if (!isExpectedError(error)) throw error;
        // AudioDecodeError messages already start with the file name.
        const message = error instanceof AudioDecodeError ? error.message : `${name}: ${error.message}`;
        context.err(`refractor: ${message}`);
      }
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
