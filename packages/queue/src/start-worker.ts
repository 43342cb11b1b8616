import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Refractor, RefractorError, type RefractorLoadOptions } from '@refractor/node';
import { connectRedis, DEFAULT_QUEUE, DEFAULT_REDIS_TIMEOUT_MS, DEFAULT_REDIS_URL, redact } from './connection.js';
import { HealthTracker, startHealthServer, type HealthServer, type WorkerHealth } from './health.js';
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
  /**
   * How long Redis may stay silent (ms) before the worker drops the
   * connection and reconnects, on top of the longest wait for a job (10 s);
   * also the connection timeout (default 10 000 ms).
   * @defaultValue `10_000`
   */
  redisTimeoutMs?: number;
  /**
   * Serve `GET /readyz`, `/livez` and `/healthz` on this port ({@link startHealthServer};
   * 0: any free port, see `health().port`). Default: no health endpoint.
   */
  healthPort?: number;
  /**
   * Address of the health endpoint (default `127.0.0.1`; `0.0.0.0` for probes from other hosts).
   * @defaultValue `'127.0.0.1'`
   */
  healthHost?: string;
  /**
   * Ready while Redis answered a PING within this window (default 5000 ms).
   * @defaultValue `5000`
   */
  healthReadyWithinMs?: number;
  /**
   * Live while the worker loop made progress within this window (default 60 000 ms).
   * @defaultValue `60_000`
   */
  healthLiveWithinMs?: number;
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
  /**
   * Its health now: ready (Redis answers), live (the worker loop makes
   * progress), jobs in progress; `port`: the health endpoint's, if any.
   */
  health(): WorkerHealth & { port?: number };
  /**
   * Finishes the jobs in progress, takes no more, and disconnects; closes
   * the models only when the worker loaded them. When Redis has not answered
   * for the worker's Redis time limit, it stops waiting for it (the jobs in
   * progress go to other workers once their locks expire).
   */
  close(): Promise<void>;
}

/** BullMQ's refusals of a job's completion from a worker that lost its lock. */
const LOCK_LOST = /^(?:Missing lock for job (\S+?)\.|Lock mismatch for job (\S+?)\.|Job (\S+) is not in the active state\.)/;

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
  const timeoutMs = options.redisTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  let down = false;
  const redis: Redis = connectRedis(options.redis ?? DEFAULT_REDIS_URL, {
    role: 'worker',
    timeoutMs,
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

  const tracker = new HealthTracker({ readyWithinMs: options.healthReadyWithinMs, liveWithinMs: options.healthLiveWithinMs });
  const started = new Map<string, number>();
  const worker = new Worker<JobData, JobResult>(
    queue,
    createProcessor(refractor, {
      ...(options.fetch ? { fetch: options.fetch } : {}),
      onStart: (job) => {
        tracker.jobStarted();
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
    tracker.jobFinished();
    log(`done ${job.id} ${describe(job)}${seconds(job)}`);
    reportRuns();
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    tracker.jobFinished();
    const { code, message } = parseFailedReason(error.message);
    const final = job.finishedOn !== undefined;
    log(`${final ? 'failed' : 'retry'} ${job.id} ${describe(job)}${seconds(job)}: ${code}: ${message}`);
    reportRuns();
  });
  worker.on('locksRenewed', () => tracker.progress());
  worker.on('drained', () => tracker.progress());
  // Without a listener an 'error' event would end the process; BullMQ retries by itself.
  worker.on('error', (error) => {
    const late = LOCK_LOST.exec(error.message);
    if (late) {
      // The job's lock ran out while this worker was cut off (or too slow): another worker
      // has it, and Redis refused this result, so the stored one is neither duplicated nor
      // overwritten. The job counts as finished here.
      const id = late[1] ?? late[2] ?? late[3]!;
      // BullMQ reports the refusal of the result, then of the failure it turns it into: say it once.
      if (!started.has(id)) return;
      started.delete(id);
      tracker.jobFinished();
      log(`late ${id}: result refused by Redis (the job's lock was lost, another worker took the job): ${error.message}`);
      return;
    }
    if (!down) log(`worker: ${error.message}`);
  });
  await worker.waitUntilReady();

  // One PING at a time (never a pile of them queued while Redis is away), each given the ready window.
  let closed = false;
  let pinging = false;
  const ping = async () => {
    if (pinging || closed) return;
    pinging = true;
    try {
      const answer = await Promise.race([redis.ping(), new Promise<null>((resolve) => setTimeout(resolve, tracker.readyWithinMs, null).unref())]);
      if (answer === 'PONG') tracker.pong();
    } catch {
      // Not ready: the health says so.
    } finally {
      pinging = false;
    }
  };
  await ping();
  const pinger = setInterval(() => void ping(), 1000);
  pinger.unref();

  let server: HealthServer | undefined;
  if (options.healthPort !== undefined) {
    try {
      server = await startHealthServer(() => tracker.health(), { port: options.healthPort, ...(options.healthHost !== undefined ? { host: options.healthHost } : {}) });
    } catch (error) {
      clearInterval(pinger);
      await worker.close(true).catch(() => undefined);
      redis.disconnect();
      throw error;
    }
  }

  return {
    worker,
    health: () => ({ ...tracker.health(), ...(server ? { port: server.port } : {}) }),
    async close() {
      tracker.close();
      // A graceful close waits for the jobs in progress, and for Redis to take their results.
      // Redis silent for the time limit: stop waiting (those jobs go to other workers).
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<boolean>((resolve) => {
        timer = setInterval(() => {
          const { redisAnsweredMsAgo } = tracker.health();
          if (redisAnsweredMsAgo === null || redisAnsweredMsAgo > timeoutMs) resolve(true);
        }, 250);
      });
      const abandoned = await Promise.race([worker.close().then(() => false), gaveUp]);
      clearInterval(timer);
      closed = true;
      clearInterval(pinger);
      if (abandoned) {
        log(`redis: no answer from ${redact(options.redis ?? DEFAULT_REDIS_URL)} for ${timeoutMs} ms; closing without it`);
        await Promise.race([worker.close(true).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        redis.disconnect();
      } else {
        await Promise.race([redis.quit().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        redis.disconnect();
      }
      stopObserving?.();
      await server?.close();
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
