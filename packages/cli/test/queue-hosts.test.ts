import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, RefractorQueue, type BatchProgress } from '@refractor/queue';
import { makeWav, seededNoise, sine } from '@refractor/test-helpers';
import { REDIS_SKIP_REASON } from '@refractor/test-helpers/redis-server';
import { Lab, NETNS_SKIP_REASON, type Host, type HostProcess, type HostRedis } from '@refractor/test-helpers/netns';
import { FAST_STALL, finishedJobs, startedJobs, waitFor } from './queue-helpers.js';
import { BIN, runRefractorAsync } from './run-cli.js';

// The queue across hosts (#22). Each "host" is a network namespace of its own
// (@refractor/test-helpers/netns): Redis on one, each worker on another, the
// producer and a file server on others, joined by veth pairs on a bridge.
// Partitions take a host's link down (packets vanish, no reset); a host that
// vanishes has its processes SIGKILLed and its namespace deleted. Workers and
// producers are real `refractor` processes; the test reads Redis through a
// unix socket. After each fault, `queue results` must hold exactly one record
// per input, equal to `refractor score --format jsonl` for the good ones, and
// no worker may be left running. Recovery times are printed as `[figure]` lines.

const MODELS = ['--models', 'tiny', '--offline'];
/** A Redis that stops answering is noticed within 2 s (commands) or 12 s (a worker's connection). */
const REDIS_TIMEOUT = ['--redis-timeout', '2000'];
const skipReason = NETNS_SKIP_REASON ?? REDIS_SKIP_REASON;
if (skipReason) console.warn(`queue-hosts tests: ${skipReason}`);

type JsonRecord = Record<string, unknown> & { file: string; error?: { code: string; message: string } };
const work = mkdtempSync(join(tmpdir(), 'refractor-hosts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function writeSongs(dir: string, count: number, seed: number): string[] {
  mkdirSync(dir, { recursive: true });
  return Array.from({ length: count }, (_, i) => {
    const rate = 22050;
    const samples = i % 3 === 1 ? seededNoise(2 * rate, seed * 100 + i, 0.3) : sine(120 + 31 * i + seed, 2 + (i % 2), rate, 0.4);
    const path = join(dir, `song-${seed}-${i}.wav`);
    writeFileSync(path, makeWav({ sampleRate: rate, channels: [samples], bits: 16 }));
    return path;
  });
}

describe.skipIf(skipReason !== undefined)(`the queue across hosts${skipReason ? ` (SKIPPED: ${skipReason})` : ''}`, () => {
  let lab: Lab;
  let db: Host;
  let redis: HostRedis;
  const hosts: Record<string, Host> = {};
  const processes: HostProcess[] = [];
  /** `refractor score --format jsonl` records, by file: the references. */
  const reference = new Map<string, JsonRecord>();
  /** A 20-minute song, long enough that a worker is still on it when cut off (10 minutes was sometimes finished first once the front end got faster). */
  let long: string;
  let songs: string[];
  const bad = join(work, 'not-audio.wav');

  beforeAll(async () => {
    lab = Lab.create('hosts');
    db = lab.addHost('db');
    for (const name of ['db2', 'w1', 'w2', 'w3', 'client', 'files']) hosts[name] = lab.addHost(name);
    redis = await lab.startRedis(db, { appendfsync: 'always' });
    long = join(work, 'long.wav');
    writeFileSync(long, makeWav({ sampleRate: 22050, channels: [sine(196, 1200, 22050, 0.3)], bits: 16 }));
    songs = writeSongs(join(work, 'songs'), 8, 1);
    writeFileSync(bad, 'this is not audio\n');
    const run = await runRefractorAsync(['score', long, ...songs, bad, '--format', 'jsonl', ...MODELS], { timeoutMs: 120_000 });
    expect(run.status, run.stderr).toBe(1); // the bad file
    for (const line of run.stdout.trim().split('\n')) {
      const record = JSON.parse(line) as JsonRecord;
      reference.set(record.file, record);
    }
    expect(reference.size).toBe(songs.length + 2);
  }, 180_000);

  afterEach(async () => {
    // No worker (or producer) outlives its test.
    await Promise.all(processes.filter((proc) => proc !== redis.process()).map((proc) => proc.stop(5000)));
    expect(processes.filter((proc) => proc.running() && proc !== redis.process()).map((proc) => proc.host.name)).toEqual([]);
    processes.length = 0;
  });
  afterAll(async () => {
    await lab?.dispose();
  });

  const worker = (host: Host, queue: string, extra: string[] = []): HostProcess => {
    const proc = lab.spawn(host, process.execPath, [BIN, 'worker', '--redis', redis.url, '--queue', queue, ...MODELS, ...FAST_STALL, ...REDIS_TIMEOUT, ...extra]);
    processes.push(proc);
    return proc;
  };
  /** `refractor queue add` run on a host; resolves with its exit, stdout and stderr. */
  const addOn = async (host: Host, queue: string, inputs: string[], extra: string[] = []) => {
    const proc = lab.spawn(host, process.execPath, [BIN, 'queue', 'add', ...inputs, '--redis', redis.url, '--queue', queue, ...(extra.includes('--redis-timeout') ? [] : REDIS_TIMEOUT), ...extra]);
    processes.push(proc);
    const { code } = await proc.exited;
    return { code, log: proc.log(), batch: /^[0-9a-f]{16}$/m.exec(proc.log())?.[0] };
  };
  /** Reads the queue through Redis's unix socket (the test is on no host). */
  const withQueue = async <T>(queue: string, work: (q: RefractorQueue) => Promise<T>): Promise<T> => {
    const q = await RefractorQueue.open(redis.socket, { queue, timeoutMs: 5000 });
    try {
      return await work(q);
    } finally {
      await q.close();
    }
  };
  const progress = (queue: string, batch: string) => withQueue(queue, async (q) => (await q.progress(batch))!);
  const waitDone = async (queue: string, batch: string, timeoutMs: number): Promise<BatchProgress> => {
    let last: BatchProgress | undefined;
    await waitFor(
      `batch ${batch} to finish`,
      async () => {
        last = await progress(queue, batch).catch(() => undefined);
        return last !== undefined && last.pending === 0;
      },
      timeoutMs,
    );
    return last!;
  };
  const jobIdOf = (queue: string, batch: string, index: number) =>
    withQueue(queue, async (q) => {
      let i = 0;
      for await (const outcome of q.outcomes(batch)) if (i++ === index) return outcome.item.job!;
      throw new Error('no such input');
    });

  /** `queue results` (through the socket): exactly one record per input, equal to `refractor score`'s for the good ones. */
  async function expectOneResultPerInput(
    queue: string,
    batch: string,
    inputs: readonly string[],
    expectErrors: Record<string, string> = {},
    jobsInQueue = new Set(inputs).size,
  ): Promise<JsonRecord[]> {
    const out = join(work, `${queue}-${batch}.jsonl`);
    const results = await runRefractorAsync(['queue', 'results', '--batch', batch, '--redis', redis.socket, '--queue', queue, '--out', out], { timeoutMs: 60_000 });
    expect([0, 1], results.stderr).toContain(results.status);
    const records = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as JsonRecord);
    expect(records.map((record) => record.file)).toEqual(inputs);
    for (const record of records) {
      if (expectErrors[record.file]) expect(record.error?.code, record.file).toBe(expectErrors[record.file]);
      else expect(record, record.file).toEqual(reference.get(record.file));
    }
    // No duplicate job: the queue holds one finished job per distinct input (of all its batches).
    const counts = await withQueue(queue, async (q) => (await q.status()).counts);
    expect(counts.completed + counts.failed).toBe(jobsInQueue);
    expect(counts.active + counts.waiting + counts.delayed).toBe(0);
    return records;
  }

  it('1. a worker partitioned from Redis mid-job, longer than the job lock: another finishes it; the late result is refused; the old worker goes on', { timeout: 150_000 }, async () => {
    const queue = 'f1';
    const inputs = [long, ...songs.slice(0, 3)];
    const w1 = worker(hosts.w1!, queue);
    await waitFor('w1 to be ready', () => / ready: /.test(w1.log()), 30_000);
    const added = await addOn(hosts.client!, queue, inputs);
    expect(added.code, added.log).toBe(0);
    const batch = added.batch!;
    const longJob = await jobIdOf(queue, batch, 0);
    await waitFor('w1 to start the long job', () => startedJobs(w1.log()).includes(longJob), 20_000);
    lab.partition(hosts.w1!);
    const cut = performance.now();
    const w2 = worker(hosts.w2!, queue);
    // w2 takes the long job once w1's lock has run out (3 s), and the rest.
    await waitFor('w2 to finish the long job', () => finishedJobs(w2.log()).includes(longJob), 60_000);
    const takenOver = performance.now() - cut;
    await waitDone(queue, batch, 30_000);
    const stored = await withQueue(queue, async (q) => {
      const job = (await q.queue.getJob(longJob))!;
      return { returnvalue: JSON.stringify(job.returnvalue), finishedOn: job.finishedOn, processedBy: job.processedBy };
    });
    expect(stored.processedBy).toContain(`:${w2.child.pid}`);
    // w1 finished its copy meanwhile (the job takes ~2.5 s) but cannot tell Redis.
    expect(finishedJobs(w1.log())).not.toContain(longJob);

    lab.heal(hosts.w1!);
    const healed = performance.now();
    await waitFor('w1 to report its late result refused', () => new RegExp(`late ${longJob}: result refused`).test(w1.log()), 60_000);
    const refusedAfter = performance.now() - healed;
    // Neither duplicated nor overwritten.
    const after = await withQueue(queue, async (q) => {
      const job = (await q.queue.getJob(longJob))!;
      return { returnvalue: JSON.stringify(job.returnvalue), finishedOn: job.finishedOn, processedBy: job.processedBy };
    });
    expect(after).toEqual(stored);
    await expectOneResultPerInput(queue, batch, inputs);

    // The old worker goes on with new jobs: w2 stops, a new batch goes to w1 alone.
    await w2.stop();
    const more = await addOn(hosts.client!, queue, songs.slice(3, 5));
    expect(more.code, more.log).toBe(0);
    await waitDone(queue, more.batch!, 60_000);
    const newJobs = [await jobIdOf(queue, more.batch!, 0), await jobIdOf(queue, more.batch!, 1)];
    for (const job of newJobs) expect(finishedJobs(w1.log())).toContain(job);
    await expectOneResultPerInput(queue, more.batch!, songs.slice(3, 5), {}, inputs.length + 2);
    console.log(`[figure] fault 1: job taken over ${(takenOver / 1000).toFixed(1)} s after the partition (lock 3 s, stalled interval 1 s); late result refused ${(refusedAfter / 1000).toFixed(1)} s after the heal`);
  });

  it('2. the producer partitioned while adding a batch: the add fails clearly (exit 3); the same add afterwards completes it, without duplicates', { timeout: 120_000 }, async () => {
    const queue = 'f2';
    const inputs = [...songs.slice(0, 6), bad];
    const client = hosts.client!;
    // A bare connection: one that BullMQ also uses could have a write of its own held by the pause,
    // and every later command of that connection behind it.
    const control = connectRedis(redis.socket, { role: 'client', timeoutMs: 5000 });
    let failed: Awaited<ReturnType<typeof addOn>>;
    try {
      // Writes wait (CLIENT PAUSE WRITE): the add is caught mid-way, its RPUSH sent; then its link goes down.
      await control.call('CLIENT', 'PAUSE', '20000', 'WRITE');
      // A time limit longer than the moment it takes to cut the link: the partition, not the pause, fails it.
      const adding = addOn(client, queue, inputs, ['--redis-timeout', '4000']);
      // Its connection from the client host, blocked (flags=b) on its first write.
      const blocked = new RegExp(`addr=${client.address.replace(/\./g, '\\.')}:\\d+ .*flags=b`);
      await waitFor('the add to wait on its first write', async () => blocked.test(String(await control.call('CLIENT', 'LIST'))), 20_000);
      lab.partition(client);
      const cut = performance.now();
      await control.call('CLIENT', 'UNPAUSE');
      failed = await adding;
      console.log(`[figure] fault 2: the partitioned add exited ${failed.code} ${((performance.now() - cut) / 1000).toFixed(1)} s after its link went down (--redis-timeout 4000)`);
    } finally {
      await control.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      control.disconnect();
      lab.heal(client);
    }
    expect(failed.code, failed.log).toBe(3);
    expect(failed.log).toMatch(new RegExp(`cannot reach Redis at ${redis.url.replace(/\./g, '\\.')}: .*(timed out|Socket)`, 'i'));
    // Nothing committed: no batch listed, no job yet.
    expect(await withQueue(queue, (q) => q.batches())).toEqual([]);

    const retried = await addOn(client, queue, inputs);
    expect(retried.code, retried.log).toBe(0);
    expect(retried.log).toContain(`queued batch ${retried.batch}: 7 inputs, 7 jobs (7 new, 0 already queued or done)`);
    const again = await addOn(client, queue, inputs);
    expect(again.log).toContain(`batch already queued ${retried.batch}: 7 inputs, 7 jobs (0 new, 7 already queued or done)`);
    worker(hosts.w1!, queue);
    await waitDone(queue, retried.batch!, 60_000);
    const records = await expectOneResultPerInput(queue, retried.batch!, inputs, { [bad]: 'decode' });
    expect(records.filter((record) => record.error)).toHaveLength(1);
    expect(await withQueue(queue, async (q) => (await q.batches()).length)).toBe(1);
  });

  // `always` as docs/operations.md recommends; `everysec` too: a SIGKILL of the process (not of the machine)
  // loses nothing there either, since Redis writes the AOF to the OS before it answers.
  for (const fsync of ['always', 'everysec'] as const) {
    it(`3. Redis SIGKILLed mid-run and restarted (AOF, appendfsync ${fsync}): workers and the producer reconnect by themselves; every input ends with exactly one result`, { timeout: 150_000 }, async () => {
      const queue = `f3${fsync}`;
      const original = redis;
      if (fsync !== 'always') redis = await lab.startRedis(hosts.db2!, { appendfsync: fsync });
      try {
        const inputs = [...songs, long];
        const added = await addOn(hosts.client!, queue, inputs);
        expect(added.code, added.log).toBe(0);
        const batch = added.batch!;
        // The producer waits for the results from its host, through the outage; it is connected before the
        // workers start (a client that starts while Redis is down gives up: exit 3).
        const out = join(work, `${queue}-wait.jsonl`);
        const waiting = lab.spawn(hosts.client!, process.execPath, [BIN, 'queue', 'results', '--batch', batch, '--redis', redis.url, '--queue', queue, '--wait', '--poll-ms', '200', '--out', out, ...REDIS_TIMEOUT]);
        processes.push(waiting);
        const producer = new RegExp(`addr=${hosts.client!.address.replace(/\./g, '\\.')}:`);
        await waitFor('the waiting producer to connect', () => withQueue(queue, async (q) => producer.test(String(await q.redis.call('CLIENT', 'LIST')))), 20_000);
        const [w1, w2] = [worker(hosts.w1!, queue), worker(hosts.w2!, queue)];
        // Killed mid-run: some results in, the rest (the 10-minute song among them) not yet.
        await waitFor('a few results, not all', async () => ((await progress(queue, batch)).completed >= 2), 60_000);
        const before = await progress(queue, batch);
        expect(before.pending).toBeGreaterThan(0);
        await redis.kill();
        await new Promise((resolve) => setTimeout(resolve, 2000));
        await redis.start();
        const restarted = performance.now();
        // Nothing acknowledged was lost: every result counted before the kill is still there.
        const back = await progress(queue, batch);
        expect(back.completed).toBeGreaterThanOrEqual(before.completed);
        expect(back.missing).toBe(0);
        await waitDone(queue, batch, 90_000);
        const recovered = performance.now() - restarted;
        expect((await waiting.exited).code, waiting.log()).toBe(0);
        const records = await expectOneResultPerInput(queue, batch, inputs);
        // The producer's own copy, written after waiting through the outage, is the same.
        expect(readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as JsonRecord)).toEqual(records);
        for (const w of [w1, w2]) expect(w.log()).toMatch(/redis: connection lost[\s\S]*redis: reconnected/);
        console.log(`[figure] fault 3 (${fsync}): batch finished ${(recovered / 1000).toFixed(1)} s after Redis restarted (${before.completed} of ${inputs.length} done before the kill)`);
      } finally {
        if (redis !== original) {
          await Promise.all(processes.map((proc) => proc.stop(5000)));
          await redis.stop();
          redis = original;
        }
      }
    });
  }

  it('4. a worker host that vanishes for good mid-job: its job is finished elsewhere', { timeout: 120_000 }, async () => {
    const queue = 'f4';
    const inputs = [long, ...songs.slice(0, 3)];
    const w3 = worker(hosts.w3!, queue);
    await waitFor('w3 to be ready', () => / ready: /.test(w3.log()), 30_000);
    const added = await addOn(hosts.client!, queue, inputs);
    const batch = added.batch!;
    const longJob = await jobIdOf(queue, batch, 0);
    await waitFor('w3 to start the long job', () => startedJobs(w3.log()).includes(longJob), 20_000);
    lab.vanish(hosts.w3!);
    const gone = performance.now();
    expect((await w3.exited).signal).toBe('SIGKILL');
    const w1 = worker(hosts.w1!, queue);
    await waitDone(queue, batch, 60_000);
    const recovered = performance.now() - gone;
    expect(finishedJobs(w1.log())).toContain(longJob);
    await expectOneResultPerInput(queue, batch, inputs);
    console.log(`[figure] fault 4: batch finished ${(recovered / 1000).toFixed(1)} s after the worker host vanished (lock 3 s)`);
  });

  it('5. a file server that stops answering: retries with backoff, then a clear fetch-failed record; no worker hangs', { timeout: 120_000 }, async () => {
    const queue = 'f5';
    const files = hosts.files!;
    const serve = `
      const { createServer } = require('node:http');
      const { readFileSync } = require('node:fs');
      const song = readFileSync(${JSON.stringify(songs[0])});
      createServer((request, response) => response.writeHead(200, { 'content-length': song.length }).end(song)).listen(8080, ${JSON.stringify(files.address)}, () => console.log('serving'));`;
    const server = lab.spawn(files, process.execPath, ['-e', serve]);
    processes.push(server);
    await waitFor('the file server', () => /serving/.test(server.log()), 10_000);
    const urls = [`http://${files.address}:8080/a.wav`, `http://${files.address}:8080/b.wav`];
    // The file server stops answering (SIGSTOP: connections are still accepted by the kernel, no answer comes).
    server.child.kill('SIGSTOP');
    const inputs = [urls[0]!, songs[1]!, urls[1]!];
    const added = await addOn(hosts.client!, queue, inputs, ['--attempts', '3', '--backoff', '500']);
    expect(added.code, added.log).toBe(0);
    const started = performance.now();
    const w1 = worker(hosts.w1!, queue, ['--fetch-timeout', '1500', '--concurrency', '2']);
    const done = await waitDone(queue, added.batch!, 60_000);
    const failedAfter = performance.now() - started;
    expect(done).toMatchObject({ completed: 1, failed: 2 });
    const records = await expectOneResultPerInput(queue, added.batch!, inputs, { [urls[0]!]: 'fetch-failed', [urls[1]!]: 'fetch-failed' });
    expect(records[0]!.error!.message).toMatch(/no complete answer within 1500 ms/);
    // Two retries each, then the failure for good.
    expect(w1.log().match(/ retry \S+ http:\/\/\S+.*: fetch-failed: /g) ?? []).toHaveLength(4);
    expect(w1.log().match(/ failed \S+ http:\/\/\S+.*: fetch-failed: /g) ?? []).toHaveLength(2);
    // No hang: the worker is idle and answers a new job at once.
    const more = await addOn(hosts.client!, queue, [songs[2]!]);
    await waitDone(queue, more.batch!, 30_000);
    server.child.kill('SIGCONT');
    console.log(`[figure] fault 5: two URL inputs failed for good (3 attempts, 1.5 s fetch timeout, 0.5 s backoff) ${(failedAfter / 1000).toFixed(1)} s after the worker started`);
  });
});
