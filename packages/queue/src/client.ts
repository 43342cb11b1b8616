import { createHash } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { canonicalJson, rankByConfidence } from '@refractor/core';
import type { Batch, QueuedInput, BatchSettings } from './batches.js';
import { connectRedis, DEFAULT_QUEUE, DEFAULT_REDIS_TIMEOUT_MS, DEFAULT_REDIS_URL, QueueUnreachableError, queueError } from './connection.js';
import { parseFailedReason, type JobErrorRecord } from './errors.js';
import { jobIdFor, type JobData, type JobResult, type JobTask } from './jobs.js';
import { batchKeys, modelsKey, queueKeys } from './keys.js';
import { decodeFloat32 } from './float32-base64.js';
import { resultRecord, type Outcome, type ResultRecord } from './records.js';

/** A batch as recorded: what was asked, and when. */
export type BatchInfo = {
  [T in JobTask]: {
    id: string;
    task: T;
    /** Milliseconds since the epoch. */
    created: number;
    /** Inputs, including those that could not be queued. */
    count: number;
    /** The settings every job of the batch shares, for the record. */
    settings: BatchSettings[T];
  };
}[JobTask];

/** Job options for {@link RefractorQueue.addBatch}. */
export interface AddOptions {
  /** Tries per job before it fails for good (default 5). Permanent errors fail at once. */
  attempts?: number;
  /** First retry delay in ms, doubling each time (default 2000). */
  backoffMs?: number;
  /** Put the batch's jobs that failed for good back in the queue (e.g. after a long network outage), attempts reset. */
  retryFailed?: boolean;
}

/** What {@link RefractorQueue.addBatch} did. */
export interface AddReport {
  batch: string;
  /** True when the same batch had been added before (nothing new recorded). */
  existing: boolean;
  inputs: number;
  /** Distinct jobs the batch needs. */
  jobs: number;
  /** Of those, how many were new to the queue (the rest were queued or done already). */
  added: number;
  /** Inputs that could not be queued. */
  failed: number;
  /** Failed jobs put back in the queue (with `retryFailed`). */
  retried: number;
}

/** One song's rows of an extract batch, from {@link RefractorQueue.embeddings}. */
export interface SongEmbeddings {
  index: number;
  file: string;
  /** The song's id and color, as the dataset gave them. */
  id: string;
  color: string;
  /** Rows (chunks). */
  chunks: number;
  /** `chunks × 512` CLAP embeddings, row by row. */
  clap: Float32Array;
  /** The 768-d concept embedding (the same for every row). */
  concept: Float32Array;
}

/** Counts and recent throughput, as `refractor queue status` shows them. */
export interface QueueStatus {
  queue: string;
  /** The model set the workers of this queue use (set by the first worker), or null. */
  models: string | null;
  counts: { waiting: number; active: number; delayed: number; completed: number; failed: number };
  workers: number;
  /** Jobs completed in the last minute and the last five, per second. */
  throughput: { last_1m: number; last_5m: number };
  batches: number;
}

/** Progress of one batch, per input. */
export interface BatchProgress {
  batch: BatchInfo;
  completed: number;
  /** Inputs that failed for good, or could not be queued (not counting `missing`). */
  failed: number;
  pending: number;
  /**
   * Inputs whose job Redis no longer holds: neither a result nor a pending
   * job (removed by hand, or lost by a Redis that restarted without
   * persistence or with `appendfsync everysec` after a crash). Adding the
   * batch again queues exactly these; the rest is kept as it is.
   */
  missing: number;
  /** The first few missing inputs (at most 20), as the batch names them. */
  missingInputs: string[];
}

/** Options for {@link RefractorQueue.open}. */
export interface OpenOptions {
  /**
   * Queue name (default `refractor`).
   * @defaultValue `'refractor'`
   */
  queue?: string;
  /**
   * How long to wait for Redis, per connection attempt and per command (default 10 000 ms):
   * past it, the call fails with a {@link QueueUnreachableError} (code `queue-unreachable`).
   * @defaultValue `10_000`
   */
  timeoutMs?: number;
}

/** Keeps an unfinished batch's items around for a day at most (a client that died mid-add). */
const UNCOMMITTED_TTL_S = 24 * 3600;
const PAGE = 500;

/**
 * The job client: adds batches of Refractor jobs to a BullMQ queue on Redis,
 * records each batch's input order, reports progress, and reads results
 * back in input order. Jobs are named by their content and settings
 * ({@link jobIdFor}), so work already queued or done is never repeated.
 * Finished jobs stay in Redis until {@link RefractorQueue.removeBatch}.
 *
 * Only the job client: importing it loads no model runtime (the worker is
 * `@refractor/queue/worker`).
 *
 * @example
 * ```ts
 * const queue = await RefractorQueue.open('redis://127.0.0.1:6379');
 * const report = await queue.addBatch(await songBatch(['/music/a.wav'], settings));
 * for await (const record of queue.records(report.batch)) console.log(JSON.stringify(record));
 * await queue.close();
 * ```
 */
export class RefractorQueue {
  private constructor(
    readonly name: string,
    readonly redis: Redis,
    readonly queue: Queue<JobData, JobResult>,
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Connects. Throws a {@link QueueUnreachableError} (code
   * `queue-unreachable`, the URL's password hidden) when Redis does not
   * answer within `timeoutMs`; every later call fails the same way when
   * Redis stops answering.
   *
   * @example
   * ```ts
   * const queue = await RefractorQueue.open('redis://10.0.0.5:6379', { queue: 'catalog', timeoutMs: 5000 });
   * ```
   */
  static async open(url: string = DEFAULT_REDIS_URL, options: OpenOptions = {}): Promise<RefractorQueue> {
    const name = options.queue ?? DEFAULT_QUEUE;
    const timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
    let lastError: Error | undefined;
    const redis = connectRedis(url, { role: 'client', timeoutMs, onError: (error) => (lastError = error) });
    try {
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      // The last connection error says more ("ECONNREFUSED") than the command's ("max retries").
      const cause = lastError ?? error;
      throw new QueueUnreachableError(url, cause instanceof Error ? cause.message : String(cause), { cause });
    }
    const queue = new Queue<JobData, JobResult>(name, { connection: redis });
    // BullMQ re-emits connection errors; the calls that meet them fail with QueueUnreachableError anyway.
    queue.on('error', () => undefined);
    return new RefractorQueue(name, redis, queue, url, timeoutMs);
  }

  /** Set when a call found Redis not answering: close() then drops the connection without a goodbye. */
  private unreachable = false;

  /** Runs a Redis call; "no answer" failures become a {@link QueueUnreachableError}. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const mapped = queueError(error, this.url);
      if (mapped instanceof QueueUnreachableError) this.unreachable = true;
      throw mapped;
    }
  }

  /**
   * Adds a batch ({@link songBatch}, {@link candidateBatch},
   * {@link extractBatch}): records its items in input order, then adds one
   * job per distinct job id (jobs already in the queue, in any state, are
   * kept as they are), then commits the batch. The batch id follows from its
   * items, so adding the same batch again changes nothing.
   *
   * @example
   * ```ts
   * const report = await queue.addBatch(await songBatch(files, settings), { attempts: 3 });
   * console.log(report.batch, `${report.added} new jobs`);
   * ```
   */
  async addBatch(batch: Batch, options: AddOptions = {}): Promise<AddReport> {
    return this.guard(() => this.add(batch, options));
  }

  private async add(batch: Batch, options: AddOptions): Promise<AddReport> {
    const { task, settings } = batch;
    const jobs: ReadonlyArray<{ data?: JobData; item: Omit<QueuedInput, 'job'> }> = batch.entries;
    const items: QueuedInput[] = jobs.map((job) => (job.data ? { ...job.item, job: jobIdFor(job.data) } : job.item));
    const id = createHash('sha256').update(canonicalJson({ task, settings, items })).digest('hex').slice(0, 16);
    const keys = batchKeys(this.name, id);
    const unique = new Map<string, JobData>();
    for (const job of jobs) if (job.data) unique.set(jobIdFor(job.data), job.data);
    const report = { batch: id, inputs: items.length, jobs: unique.size, failed: items.filter((item) => !item.job).length };

    const existing = (await this.redis.exists(keys.meta)) === 1;
    const ids = [...unique.keys()];
    const known = await this.existingJobs(ids);
    if (!existing) {
      await this.redis.del(keys.items);
      for (let at = 0; at < items.length; at += PAGE) {
        await this.redis.rpush(keys.items, ...items.slice(at, at + PAGE).map((item) => JSON.stringify(item)));
      }
      await this.redis.expire(keys.items, UNCOMMITTED_TTL_S);
    }
    const jobOptions = {
      attempts: options.attempts ?? 5,
      backoff: { type: 'exponential', delay: options.backoffMs ?? 2000 },
      // Results stay until collected (removeBatch), however long that takes.
      removeOnComplete: false,
      removeOnFail: false,
    } as const;
    for (let at = 0; at < ids.length; at += PAGE) {
      await this.queue.addBulk(ids.slice(at, at + PAGE).map((jobId) => ({ name: unique.get(jobId)!.task, data: unique.get(jobId)!, opts: { ...jobOptions, jobId } })));
    }
    if (!existing) {
      const info = { id, task, created: Date.now(), count: items.length, settings } as BatchInfo;
      await this.redis.multi().set(keys.meta, JSON.stringify(info)).persist(keys.items).rpush(queueKeys(this.name).batches, id).exec();
    }
    let retried = 0;
    if (options.retryFailed) {
      const states = await this.jobStates(ids);
      for (const [i, jobId] of ids.entries()) {
        if (states[i] !== 'failed') continue;
        await (await this.queue.getJob(jobId))?.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        retried += 1;
      }
    }
    return { ...report, existing, added: ids.length - known.size, retried };
  }

  /**
   * Where each job stands, from set membership alone (cheap even for a
   * catalog: the results themselves are not read).
   */
  async jobStates(ids: readonly string[]): Promise<Array<'completed' | 'failed' | 'pending' | 'missing'>> {
    const states: Array<'completed' | 'failed' | 'pending' | 'missing'> = [];
    const completed = this.queue.toKey('completed');
    const failed = this.queue.toKey('failed');
    for (let at = 0; at < ids.length; at += PAGE) {
      const page = ids.slice(at, at + PAGE);
      const pipeline = this.redis.pipeline();
      for (const jobId of page) pipeline.zscore(completed, jobId).zscore(failed, jobId).exists(this.queue.toKey(jobId));
      const answers = ((await pipeline.exec()) ?? []).map(([error, value]) => {
        if (error) throw error;
        return value;
      });
      for (let i = 0; i < page.length; i++) {
        const [inCompleted, inFailed, exists] = answers.slice(3 * i, 3 * i + 3);
        states.push(exists !== 1 ? 'missing' : inCompleted !== null ? 'completed' : inFailed !== null ? 'failed' : 'pending');
      }
    }
    return states;
  }

  /** Which of these job ids the queue holds already. */
  private async existingJobs(ids: readonly string[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (let at = 0; at < ids.length; at += PAGE) {
      const page = ids.slice(at, at + PAGE);
      const pipeline = this.redis.pipeline();
      for (const jobId of page) pipeline.exists(this.queue.toKey(jobId));
      const answers = (await pipeline.exec()) ?? [];
      answers.forEach(([, found], i) => found === 1 && known.add(page[i]!));
    }
    return known;
  }

  /** Every committed batch, oldest first. */
  async batches(): Promise<BatchInfo[]> {
    const ids = await this.redis.lrange(queueKeys(this.name).batches, 0, -1);
    const infos = await Promise.all(ids.map((id) => this.batch(id)));
    return infos.filter((info): info is BatchInfo => info !== undefined);
  }

  /** A batch's record, or undefined when there is no such batch. */
  async batch(id: string): Promise<BatchInfo | undefined> {
    const text = await this.redis.get(batchKeys(this.name, id).meta);
    return text === null ? undefined : (JSON.parse(text) as BatchInfo);
  }

  /** The job ids a batch names (its items only; no job is read). */
  private async jobIdsOf(id: string): Promise<string[]> {
    const items = await this.redis.lrange(batchKeys(this.name, id).items, 0, -1);
    return items.flatMap((text) => (JSON.parse(text) as QueuedInput).job ?? []);
  }

  /** Each input of a batch with its result, error or pending state, in input order (read a page at a time). */
  async *outcomes(id: string): AsyncGenerator<Outcome> {
    const key = batchKeys(this.name, id).items;
    const total = await this.redis.llen(key);
    for (let at = 0; at < total; at += PAGE) {
      const items = (await this.redis.lrange(key, at, at + PAGE - 1)).map((text) => JSON.parse(text) as QueuedInput);
      const jobs = await Promise.all(items.map((item) => (item.job ? this.queue.getJob(item.job) : undefined)));
      for (const [i, item] of items.entries()) yield outcomeOf(at + i, item, jobs[i]);
    }
  }

  /**
   * A batch's result records, in input order: for a song batch the record
   * `refractor score --format jsonl` writes for each input, byte for byte;
   * for a candidate batch its candidate record plus `content_sha256`; or
   * `{ file, error }`. Candidates of a batch added with
   * `rank: true` carry their 0-based confidence rank (ties keep input order).
   * Pending inputs come as errors: wait for {@link RefractorQueue.progress}
   * to show none pending first.
   *
   * @example
   * ```ts
   * for await (const record of queue.records(batch)) process.stdout.write(`${JSON.stringify(record)}\n`);
   * ```
   */
  async *records(id: string): AsyncGenerator<ResultRecord> {
    const info = await this.batch(id);
    if (info?.task === 'embed') throw new Error(`batch ${id} is an extract batch: read its rows with embeddings(), not records()`);
    const ranks = info?.task === 'candidate' && info.settings.rank ? await this.candidateRanks(id) : undefined;
    const concept = info?.task === 'score' ? info.settings.concept : null;
    for await (const outcome of this.outcomes(id)) yield resultRecord(outcome, { rank: ranks?.get(outcome.index), concept });
  }

  /** The 0-based confidence rank of each scored candidate of a batch, by input index. */
  private async candidateRanks(id: string): Promise<Map<number, number>> {
    const scored: Array<{ confidence: number; index: number }> = [];
    for await (const outcome of this.outcomes(id)) {
      if (outcome.result?.task === 'candidate') scored.push({ confidence: outcome.result.result.confidence, index: outcome.index });
    }
    return new Map(rankByConfidence(scored).map(({ index, rank }) => [index, rank]));
  }

  /**
   * An extract batch's rows, song by song in dataset order: each song's CLAP
   * embeddings (`chunks × 512`) and its concept embedding (768, the same for
   * every row), labelled with its id and color; or the song's error.
   *
   * @example
   * ```ts
   * for await (const song of queue.embeddings(batch)) if ('clap' in song) console.log(song.id, song.chunks);
   * ```
   */
  async *embeddings(id: string): AsyncGenerator<SongEmbeddings | { index: number; file: string; id: string; error: JobErrorRecord }> {
    for await (const outcome of this.outcomes(id)) {
      const { item, result } = outcome;
      const songId = item.song?.id ?? item.file;
      if (outcome.state !== 'completed' || result?.task !== 'embed') {
        yield { index: outcome.index, file: item.file, id: songId, error: outcome.error ?? { code: 'failed', message: `${item.file}: not an embedding result` } };
        continue;
      }
      yield { index: outcome.index, file: item.file, id: songId, color: item.song?.color ?? '', chunks: result.chunks, clap: decodeFloat32(result.clap), concept: decodeFloat32(result.concept) };
    }
  }

  /**
   * How far a batch has come, per input: completed, failed (or not
   * queued), pending, and missing (its job is gone from Redis: add the
   * batch again to queue exactly those).
   *
   * @example
   * ```ts
   * const progress = await queue.progress(batch);
   * if (progress?.missing) await queue.addBatch(sameBatch); // queues only the missing inputs
   * ```
   */
  async progress(id: string): Promise<BatchProgress | undefined> {
    return this.guard(async () => {
      const batch = await this.batch(id);
      if (!batch) return undefined;
      const progress: BatchProgress = { batch, completed: 0, failed: 0, pending: 0, missing: 0, missingInputs: [] };
      const key = batchKeys(this.name, id).items;
      const total = await this.redis.llen(key);
      for (let at = 0; at < total; at += PAGE) {
        const items = (await this.redis.lrange(key, at, at + PAGE - 1)).map((text) => JSON.parse(text) as QueuedInput);
        const queued = items.filter((item) => item.job !== undefined);
        progress.failed += items.length - queued.length;
        const states = await this.jobStates(queued.map((item) => item.job!));
        for (const [i, state] of states.entries()) {
          progress[state] += 1;
          if (state === 'missing' && progress.missingInputs.length < 20) progress.missingInputs.push(queued[i]!.file);
        }
      }
      return progress;
    });
  }

  /** Job counts, live workers and recent throughput. */
  async status(): Promise<QueueStatus> {
    return this.guard(() => this.readStatus());
  }

  private async readStatus(): Promise<QueueStatus> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
    const now = Date.now();
    const completedKey = this.queue.toKey('completed');
    const [last1, last5, workers, batches, models] = await Promise.all([
      this.redis.zcount(completedKey, now - 60_000, '+inf'),
      this.redis.zcount(completedKey, now - 300_000, '+inf'),
      this.queue.getWorkersCount(),
      this.redis.llen(queueKeys(this.name).batches),
      this.redis.get(modelsKey(this.name)),
    ]);
    return {
      queue: this.name,
      models,
      counts: {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        completed: counts.completed ?? 0,
        failed: counts.failed ?? 0,
      },
      workers,
      throughput: { last_1m: last1 / 60, last_5m: last5 / 300 },
      batches,
    };
  }

  /**
   * Deletes a batch's record and the jobs (with their results) that no other
   * batch still names. Call it once the results are collected.
   */
  async removeBatch(id: string): Promise<{ jobsRemoved: number }> {
    const keys = batchKeys(this.name, id);
    const mine = new Set(await this.jobIdsOf(id));
    for (const other of await this.redis.lrange(queueKeys(this.name).batches, 0, -1)) {
      if (other !== id) for (const job of await this.jobIdsOf(other)) mine.delete(job);
    }
    await this.redis.multi().lrem(queueKeys(this.name).batches, 0, id).del(keys.meta, keys.items).exec();
    let jobsRemoved = 0;
    for (const jobId of mine) jobsRemoved += await this.queue.remove(jobId);
    return { jobsRemoved };
  }

  /**
   * Disconnects. Never hangs on a Redis that went away: when Redis is not
   * answering, the connection is dropped at once (or after the time limit).
   */
  async close(): Promise<void> {
    if (this.unreachable) {
      this.redis.disconnect();
      await this.queue.close().catch(() => undefined);
      return;
    }
    const polite = (async () => {
      await this.queue.close();
      if (this.redis.status === 'ready') await this.redis.quit();
    })().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(this.timeoutMs, 5000))));
    await Promise.race([polite, limit]);
    clearTimeout(timer);
    this.redis.disconnect();
  }
}

/** An item's outcome from its job's stored state. */
function outcomeOf(index: number, item: QueuedInput, job: Job<JobData, JobResult> | undefined): Outcome {
  if (!item.job) return { index, item, state: 'failed', error: item.error ?? { code: 'failed', message: `${item.file}: not queued` } };
  if (!job) return { index, item, state: 'failed', error: { code: 'missing-job', message: `${item.file}: job ${item.job} is no longer in Redis (removed?); add the input again` } };
  // finishedOn is set only when a job is done for good: completed, or failed with no attempt left.
  if (!job.finishedOn) return { index, item, state: 'pending' };
  if (job.returnvalue) return { index, item, state: 'completed', result: job.returnvalue };
  return { index, item, state: 'failed', error: parseFailedReason(job.failedReason) };
}
