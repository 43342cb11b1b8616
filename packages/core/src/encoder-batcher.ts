import { InvalidValueError, RefractorError } from './errors.js';

/**
 * Something that embeds `count` rows laid back to back (for CLAP: `count`
 * chunks of log-mel features) and returns `count` output rows back to back.
 * The caller keeps `input` unchanged until the promise settles.
 */
export interface RowEncoder {
  encode(input: Float32Array, count: number): Promise<Float32Array>;
}

/** Called after every encoder run with its size in rows (and whether it failed). */
export type EncoderRunListener = (run: { rows: number; ok: boolean }) => void;

/** How {@link EncoderBatcher} gathers rows. */
export interface EncoderBatchingOptions {
  /**
   * Most rows (chunks) in one encoder run. A submission larger than this is
   * split over several runs.
   * @defaultValue `16`
   */
  maxBatch?: number;
  /**
   * Longest a row waits for others to join its run, in milliseconds. A run
   * starts as soon as `maxBatch` rows are queued, or when the oldest queued
   * row has waited this long, or (whatever the wait) as soon as the previous
   * run ends if rows queued up during it. 0: never wait (only rows that
   * queued during the previous run share a run).
   * @defaultValue `5`
   */
  maxWaitMs?: number;
}

/** The defaults of {@link EncoderBatchingOptions}: 16 rows (the GPU batch size guessed in #21), 5 ms. */
export const DEFAULT_ENCODER_BATCHING: Readonly<Required<EncoderBatchingOptions>> = Object.freeze({ maxBatch: 16, maxWaitMs: 5 });

/** Counts of encoder runs: what `/metrics` shows. */
export interface EncoderRunStats {
  /** Encoder runs made (retries of a failed run's parts included). */
  runs: number;
  /** Rows (chunks) encoded, over all runs. */
  rows: number;
  /** Runs that threw. */
  failedRuns: number;
  /** `runsBySize[n]`: runs of exactly `n` rows. */
  runsBySize: readonly number[];
}

/** Validates {@link EncoderBatchingOptions} and fills in the defaults. */
export function resolveEncoderBatching(options: EncoderBatchingOptions = {}): Required<EncoderBatchingOptions> {
  const maxBatch = options.maxBatch ?? DEFAULT_ENCODER_BATCHING.maxBatch;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_ENCODER_BATCHING.maxWaitMs;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new InvalidValueError('maxBatch', maxBatch, 'an integer >= 1');
  if (!Number.isFinite(maxWaitMs) || maxWaitMs < 0) throw new InvalidValueError('maxWaitMs', maxWaitMs, 'a number of milliseconds >= 0');
  return { maxBatch, maxWaitMs };
}

/**
 * A {@link RowEncoder} that counts its runs and tells listeners their sizes,
 * without changing them: what a scorer uses when cross-request batching is
 * off, so `/metrics` shows encoder run sizes either way.
 *
 * @example
 * ```ts
 * const encoder = new ObservedEncoder(clapEncoder(backend, clap));
 * encoder.onRun(({ rows }) => histogram.observe(rows));
 * ```
 */
export class ObservedEncoder implements RowEncoder {
  private readonly listeners = new Set<EncoderRunListener>();
  private readonly counts = { runs: 0, rows: 0, failedRuns: 0, runsBySize: [] as number[] };

  constructor(private readonly inner: RowEncoder) {}

  async encode(input: Float32Array, count: number): Promise<Float32Array> {
    let ok = false;
    try {
      const output = await this.inner.encode(input, count);
      ok = true;
      return output;
    } finally {
      this.record(count, ok);
    }
  }

  /** Calls `listener` after every run; returns a function that stops it. */
  onRun(listener: EncoderRunListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Nothing to finish here (a {@link EncoderBatcher} runs what it has queued). */
  async close(): Promise<void> {}

  /** Counts so far (a copy). */
  stats(): EncoderRunStats {
    return { ...this.counts, runsBySize: [...this.counts.runsBySize] };
  }

  /** Counts a run and tells the listeners (a throwing listener is ignored: metrics must not fail scoring). */
  protected record(rows: number, ok: boolean): void {
    const counts = this.counts;
    counts.runs += 1;
    counts.rows += rows;
    if (!ok) counts.failedRuns += 1;
    counts.runsBySize[rows] = (counts.runsBySize[rows] ?? 0) + 1;
    for (let n = 0; n < rows; n++) counts.runsBySize[n] ??= 0;
    for (const listener of this.listeners) {
      try {
        listener({ rows, ok });
      } catch {
        // ignored on purpose
      }
    }
  }
}

/** One caller's rows, waiting or in flight. */
interface Submission {
  input: Float32Array;
  count: number;
  /** Rows handed to a run so far. */
  taken: number;
  /** Rows whose output has arrived. */
  done: number;
  output: Float32Array | undefined;
  enqueuedAt: number;
  settled: boolean;
  resolve(output: Float32Array): void;
  reject(error: unknown): void;
}

/** Part of a submission inside one run. */
interface Piece {
  submission: Submission;
  from: number;
  rows: number;
}

// The host's timers: every JavaScript host core runs on (Node, browsers, workers) has these two, but
// core's compiler settings declare neither Node's nor the DOM's types, so they are declared here.
declare function setTimeout(callback: () => void, ms: number): unknown;
declare function clearTimeout(handle: unknown): void;
// Waits are a few milliseconds; Date.now's millisecond resolution is enough and is plain ECMAScript.
const now = (): number => Date.now();

/**
 * Gathers the rows that concurrent callers submit (chunks of different songs,
 * requests or jobs) into shared encoder runs: one run at a time, each of up
 * to `maxBatch` rows, started when that many are queued or when the oldest
 * has waited `maxWaitMs`. Each caller gets exactly its own output rows, so a
 * batched result equals the unbatched one (a CLAP row does not depend on its
 * neighbours). A run that throws is retried piece by piece, so one bad
 * submission fails only its own caller.
 *
 * The wait timer does not keep a Node process alive (it is `unref`ed): a
 * server or worker stays up through its sockets. {@link close} runs what is
 * queued and refuses new work.
 *
 * @example
 * ```ts
 * const batcher = new EncoderBatcher(clapEncoder(backend, clap), { inputSize: CLAP_INPUT_SIZE, outputSize: 512 }, { maxBatch: 16, maxWaitMs: 5 });
 * const scorer = new RefractorScorer(backend, { clap, cdm }, { encoder: batcher }); // one per request, all sharing `batcher`
 * // … later, on shutdown:
 * await batcher.close();
 * ```
 */
export class EncoderBatcher extends ObservedEncoder {
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  private readonly queue: Submission[] = [];
  private queuedRows = 0;
  private running = false;
  private timer: unknown;
  private closed = false;
  private drained: (() => void) | undefined;

  constructor(
    private readonly encoder: RowEncoder,
    private readonly shape: { inputSize: number; outputSize: number },
    options: EncoderBatchingOptions = {},
  ) {
    super(encoder);
    ({ maxBatch: this.maxBatch, maxWaitMs: this.maxWaitMs } = resolveEncoderBatching(options));
  }

  /** Rows waiting for a run (not counting the run in flight). */
  get pendingRows(): number {
    return this.queuedRows;
  }

  /** Queues `count` rows (`input` holds `count × inputSize` values); resolves with their `count × outputSize` outputs. */
  override encode(input: Float32Array, count: number): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new RefractorError('the encoder batcher is closed (the models are being released); retry on a running instance', { code: 'failed' }));
    if (!Number.isInteger(count) || count < 1 || input.length !== count * this.shape.inputSize) {
      return Promise.reject(new InvalidValueError('encoder input', `${input.length} values for ${count} rows`, `${this.shape.inputSize} values per row, at least one row`));
    }
    return new Promise<Float32Array>((resolve, reject) => {
      this.queue.push({ input, count, taken: 0, done: 0, output: undefined, enqueuedAt: now(), settled: false, resolve, reject });
      this.queuedRows += count;
      this.schedule();
    });
  }

  /**
   * Refuses new rows, runs those already queued, and resolves when the last
   * run has ended (release the session only after that).
   */
  override async close(): Promise<void> {
    this.closed = true;
    if (!this.running && this.queue.length === 0) return;
    await new Promise<void>((resolve) => {
      this.drained = resolve;
      this.schedule();
    });
  }

  /** Starts a run now, or sets the timer for when the oldest row's wait ends. */
  private schedule(): void {
    if (this.running) return; // the run in flight schedules the next when it ends
    if (this.queue.length === 0) {
      this.clearTimer();
      const drained = this.drained;
      this.drained = undefined;
      drained?.();
      return;
    }
    const waited = now() - this.queue[0]!.enqueuedAt;
    if (this.closed || this.queuedRows >= this.maxBatch || waited >= this.maxWaitMs) {
      this.clearTimer();
      void this.runNext();
      return;
    }
    if (this.timer !== undefined) return;
    const handle = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, this.maxWaitMs - waited);
    // Pending rows have callers awaiting them, and those callers (a request, a job) hold the process.
    (handle as { unref?: () => void }).unref?.();
    this.timer = handle;
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Takes up to `maxBatch` rows off the front of the queue and runs them. */
  private async runNext(): Promise<void> {
    this.running = true;
    const pieces: Piece[] = [];
    let rows = 0;
    while (rows < this.maxBatch && this.queue.length > 0) {
      const submission = this.queue[0]!;
      const take = Math.min(submission.count - submission.taken, this.maxBatch - rows);
      pieces.push({ submission, from: submission.taken, rows: take });
      submission.taken += take;
      rows += take;
      this.queuedRows -= take;
      if (submission.taken === submission.count) this.queue.shift();
    }
    try {
      await this.runPieces(pieces, rows);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  /** One encoder run over `pieces`; if it throws and held several, each piece alone, so an error reaches only its own caller. */
  private async runPieces(pieces: Piece[], rows: number): Promise<void> {
    let output: Float32Array;
    try {
      output = await this.run(pieces, rows);
    } catch (error) {
      if (pieces.length === 1) {
        this.fail(pieces[0]!.submission, error);
        return;
      }
      for (const piece of pieces) {
        if (!piece.submission.settled) await this.runPieces([piece], piece.rows);
      }
      return;
    }
    const { outputSize } = this.shape;
    let at = 0;
    for (const { submission, from, rows: n } of pieces) {
      const part = output.subarray(at * outputSize, (at + n) * outputSize);
      at += n;
      if (submission.settled) continue;
      if (n === submission.count) {
        // The whole submission in one run: its rows as they came out, no copy.
        submission.settled = true;
        submission.resolve(part);
        continue;
      }
      submission.output ??= new Float32Array(submission.count * outputSize);
      submission.output.set(part, from * outputSize);
      submission.done += n;
      if (submission.done === submission.count) {
        submission.settled = true;
        submission.resolve(submission.output);
      }
    }
  }

  /** Runs the encoder on the pieces' rows laid back to back, and checks its output's length. */
  private async run(pieces: Piece[], rows: number): Promise<Float32Array> {
    const { inputSize, outputSize } = this.shape;
    let input: Float32Array;
    if (pieces.length === 1 && pieces[0]!.rows === pieces[0]!.submission.count) {
      input = pieces[0]!.submission.input; // unchanged until its promise settles
    } else {
      input = new Float32Array(rows * inputSize);
      let at = 0;
      for (const { submission, from, rows: n } of pieces) {
        input.set(submission.input.subarray(from * inputSize, (from + n) * inputSize), at * inputSize);
        at += n;
      }
    }
    let ok = false;
    try {
      const output = await this.encoder.encode(input, rows);
      if (output.length !== rows * outputSize) throw new InvalidValueError('encoder output', `${output.length} values for ${rows} rows`, `${outputSize} values per row`);
      ok = true;
      return output;
    } finally {
      this.record(rows, ok);
    }
  }

  /** Rejects a submission once, dropping its rows still queued. */
  private fail(submission: Submission, error: unknown): void {
    if (submission.settled) return;
    submission.settled = true;
    const index = this.queue.indexOf(submission);
    if (index >= 0) {
      this.queue.splice(index, 1);
      this.queuedRows -= submission.count - submission.taken;
    }
    submission.reject(error);
  }
}
