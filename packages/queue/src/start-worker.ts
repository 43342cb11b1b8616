import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Refractor, RefractorError, type RefractorLoadOptions } from '@refractor/node';
import { connectRedis, DEFAULT_QUEUE, DEFAULT_REDIS_URL } from './connection.js';
import { parseFailedReason } from './errors.js';
import type { FetchLimits } from './fetch-input.js';
import { describeJob, type JobData, type JobResult } from './jobs.js';
import { modelsKey } from './keys.js';
import { createProcessor } from './processor.js';

/** Options for {@link startWorker}. */
export interface WorkerOptions {
  /**
   * Redis URL (default redis://127.0.0.1:6379).
   * @defaultValue `redis://127.0.0.1:6379`
   */
  redis?: string;
  /**
   * Queue name (default `refractor`).
   * @defaultValue `'refractor'`
   */
  queue?: string;
  /**
   * Jobs processed at once by this process, sharing its one model set (default 1).
   * @defaultValue `1`
   */
  concurrency?: number;
  /** Limits for URL inputs. */
  fetch?: FetchLimits;
  /**
   * How long a job's lock lasts without renewal (default 30 000 ms; renewed
   * every half of it while the job runs). A worker that dies holds its jobs
   * this long at most before another worker may take them.
   * @defaultValue `30_000`
   */
  lockDurationMs?: number;
  /**
   * How often this worker looks for jobs whose worker died (default 30 000 ms).
   * @defaultValue `30_000`
   */
  stalledIntervalMs?: number;
  /**
   * How often a job may stall (its worker died) before it fails for good (default 2).
   * @defaultValue `2`
   */
  maxStalledCount?: number;
  /**
   * Shown in BullMQ as the job's `processedBy` (default host:pid).
   * @defaultValue host:pid
   */
  name?: string;
  /** One line per event (job started, done, failed; connection lost). */
  log?: (line: string) => void;
  /**
   * Detail lines (the CLI's `--verbose`): after each job, the CLAP runs made
   * since the last such line and their sizes in chunks, which show whether
   * cross-request batching is filling its runs.
   */
  debug?: (line: string) => void;
  /** Called when a job starts (before any work). */
  onJobStart?: (job: Job<JobData, JobResult>) => void;
}

/** A running worker. */
export interface RefractorWorker {
  readonly worker: Worker<JobData, JobResult>;
  /** Finishes the jobs in progress, takes no more, and disconnects; closes the models only when the worker loaded them. */
  close(): Promise<void>;
}

/** The worker's model set does not match the one the queue's results were made with. */
export class ModelSetMismatchError extends RefractorError {
  override readonly name = 'ModelSetMismatchError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'model-set-mismatch' });
  }
}

/**
 * Starts a BullMQ worker that processes Refractor jobs with one loaded
 * model set. At least once: a job whose worker dies (even SIGKILL) is found
 * stalled once its lock runs out and handed to another worker; the result is
 * the same whoever computes it. When Redis goes away the worker keeps
 * retrying the connection and carries on when it is back.
 *
 * The first worker of a queue records its model set in Redis; a worker with
 * another set refuses to start there (job ids do not include the models,
 * so mixing sets would mix results).
 *
 * `models` is a loaded `Refractor` (the caller closes it) or
 * @refractor/node's `RefractorLoadOptions` as they are: the worker then
 * loads the models itself and closes them in `close()`, with
 * `crossRequestBatching: 'auto'` unless given: on a GPU the chunks of the
 * jobs it runs at once (`concurrency`, so set it above 1) share CLAP runs;
 * on CPU, where batch 1 is fastest, it stays off unless asked.
 *
 * @example
 * ```ts
 * const worker = await startWorker({ models: 'tiny', intraOpNumThreads: 2 }, { redis: 'redis://127.0.0.1:6379', concurrency: 2 });
 * process.once('SIGTERM', () => void worker.close());
 * ```
 */
export async function startWorker(models: Refractor | RefractorLoadOptions, options: WorkerOptions = {}): Promise<RefractorWorker> {
  const owned = !(models instanceof Refractor);
  const refractor = models instanceof Refractor ? models : await Refractor.load({ crossRequestBatching: 'auto', ...models });
  try {
    return await startWith(refractor, owned, options);
  } catch (error) {
    if (owned) await refractor.close();
    throw error;
  }
}

async function startWith(refractor: Refractor, owned: boolean, options: WorkerOptions): Promise<RefractorWorker> {
  const log = options.log ?? (() => undefined);
  const queue = options.queue ?? DEFAULT_QUEUE;
  let down = false;
  const redis: Redis = connectRedis(options.redis ?? DEFAULT_REDIS_URL, {
    role: 'worker',
    onError: (error) => {
      // ioredis reports every failed reconnect; say it once per outage.
      if (!down) log(`redis: connection lost (${error.message}); retrying`);
      down = true;
    },
  });
  redis.on('ready', () => {
    if (down) log('redis: reconnected');
    down = false;
  });

  const set = refractor.modelSet.name;
  await redis.set(modelsKey(queue), set, 'NX');
  const recorded = await redis.get(modelsKey(queue));
  if (recorded !== set) {
    redis.disconnect();
    throw new ModelSetMismatchError(
      `queue "${queue}" is worked with the model set "${recorded}"; this worker has "${set}". ` +
        'Use another --queue for another model set (or delete the key ' + modelsKey(queue) + ' once the queue is empty)',
    );
  }

  const started = new Map<string, number>();
  const worker = new Worker<JobData, JobResult>(
    queue,
    createProcessor(refractor, {
      ...(options.fetch ? { fetch: options.fetch } : {}),
      onStart: (job) => {
        started.set(job.id!, performance.now());
        log(`start ${job.id} ${describe(job)}${job.attemptsStarted > 1 ? ` (attempt ${job.attemptsStarted})` : ''}`);
        options.onJobStart?.(job);
      },
    }),
    {
      connection: redis,
      concurrency: options.concurrency ?? 1,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 2,
      name: options.name ?? `${hostname()}:${process.pid}`,
      autorun: true,
    },
  );
  // Run sizes since the last debug line, reported after each job (one line per job, not per run).
  const runs: number[] = [];
  const stopObserving = options.debug ? refractor.onEncoderRun(({ rows }) => runs.push(rows)) : undefined;
  const reportRuns = () => {
    if (!options.debug || runs.length === 0) return;
    const sizes = runs.splice(0);
    const chunks = sizes.reduce((sum, n) => sum + n, 0);
    const batching = refractor.crossRequestBatching;
    options.debug(
      `encoder: ${sizes.length} CLAP run${sizes.length === 1 ? '' : 's'}, ${chunks} chunks (mean ${(chunks / sizes.length).toFixed(1)}; sizes ${summarizeSizes(sizes)}); ` +
        `cross-request batching ${batching ? `on (max ${batching.maxBatch} chunks, ${batching.maxWaitMs} ms)` : 'off'}`,
    );
  };
  const seconds = (job: Job) => {
    const at = started.get(job.id!);
    started.delete(job.id!);
    return at === undefined ? '' : ` ${((performance.now() - at) / 1000).toFixed(2)} s`;
  };
  worker.on('completed', (job) => {
    log(`done ${job.id} ${describe(job)}${seconds(job)}`);
    reportRuns();
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    const { code, message } = parseFailedReason(error.message);
    const final = job.finishedOn !== undefined;
    log(`${final ? 'failed' : 'retry'} ${job.id} ${describe(job)}${seconds(job)}: ${code}: ${message}`);
    reportRuns();
  });
  // Without a listener an 'error' event would end the process; BullMQ retries by itself.
  worker.on('error', (error) => {
    if (!down) log(`worker: ${error.message}`);
  });
  await worker.waitUntilReady();

  return {
    worker,
    async close() {
      await worker.close();
      stopObserving?.();
      await redis.quit().catch(() => redis.disconnect());
      if (owned) await refractor.close();
    },
  };
}

const describe = (job: Job<JobData, JobResult>): string => describeJob(job.data);

/** Run sizes as `16×3, 5×1`, largest first. */
function summarizeSizes(sizes: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const size of sizes) counts.set(size, (counts.get(size) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([size, count]) => `${size}×${count}`)
    .join(', ');
}
