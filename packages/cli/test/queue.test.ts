import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefractorQueue } from '@refractor/queue';
import { endOfTrack, off, on, smf, tempo, makeWav, seededNoise, sine } from '@refractor/test-helpers';
import { REDIS_SKIP_REASON, startRedisServer, type RedisServer } from '@refractor/test-helpers/redis-server';
import { FAST_STALL, finishedJobs, spawnWorker, startedJobs, waitFor, type WorkerProcess } from './queue-helpers.js';
import { runRefractorAsync } from './run-cli.js';

// The queue end to end with a real Redis (Debian's redis-server on a free
// loopback port) and real `refractor worker` processes with the tiny models.
// Nothing is mocked; a worker is SIGKILLed mid-job and Redis is restarted
// under running workers. The references are the single-machine commands
// (`refractor score --format json`, `refractor extract`) on the same files.

const MODELS = ['--models', 'tiny', '--offline'];
const work = mkdtempSync(join(tmpdir(), 'refractor-queue-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown> & { file: string; input?: { size: number; sha256: string }; error?: { code: string; reason?: string; message: string } });

/**
 * Short songs (2–4 s, 16-bit, 22.05 or 44.1 kHz, tones and noise) so the whole file runs in about a minute;
 * `extraSeconds` longer where a test needs work still running when something happens mid-batch.
 */
function writeSongs(dir: string, count: number, seed: number, extraSeconds = 0): string[] {
  mkdirSync(dir, { recursive: true });
  return Array.from({ length: count }, (_, i) => {
    const rate = i % 3 === 0 ? 44100 : 22050;
    const seconds = 2 + ((i * 7 + seed) % 3) + extraSeconds;
    const samples = i % 4 === 1 ? seededNoise(seconds * rate, seed * 100 + i, 0.3) : sine(110 + 37 * i + seed, seconds, rate, 0.4);
    const path = join(dir, `song-${String(i).padStart(2, '0')}.wav`);
    writeFileSync(path, makeWav({ sampleRate: rate, channels: [samples], bits: 16 }));
    return path;
  });
}

/** Results of the single-machine `refractor score --format json`, by file. */
async function scoreReference(files: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const run = await runRefractorAsync(['score', ...files, '--format', 'jsonl', ...MODELS], { timeoutMs: 90_000 });
  expect(run.status, run.stderr).toBe(1); // the bad files are among them
  // JSON Lines: the song records the queue must give byte for byte (core's songRecord behind both doors).
  const records = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown> & { file: string });
  return new Map(records.map((record) => [record.file, record]));
}

const skip = REDIS_SKIP_REASON !== undefined;
if (skip) console.warn(`queue tests: ${REDIS_SKIP_REASON}`);

describe.skipIf(skip)(`refractor queue + refractor worker${skip ? ` (SKIPPED: ${REDIS_SKIP_REASON})` : ''}`, () => {
  let redis: RedisServer;
  let http: Server;
  let goneIsBack = false;
  let base: string;
  const workers: WorkerProcess[] = [];
  const queueFlags = () => ['--redis', redis.url, '--queue', 'main'];

  // 40 inputs: 37 songs and 3 bad files (not audio, empty, a WAV cut inside its header), in a shuffled order.
  const good = writeSongs(join(work, 'songs'), 37, 1);
  const bad = [join(work, 'songs', 'not-audio.wav'), join(work, 'songs', 'empty.wav'), join(work, 'songs', 'cut.wav')];
  writeFileSync(bad[0]!, 'this is not audio\n');
  writeFileSync(bad[1]!, '');
  writeFileSync(bad[2]!, makeWav({ sampleRate: 22050, channels: [sine(440, 1, 22050)], bits: 16 }).subarray(0, 30));
  const inputs = [...good];
  inputs.splice(5, 0, bad[0]!);
  inputs.splice(17, 0, bad[1]!);
  inputs.splice(33, 0, bad[2]!);
  const rotated = [...inputs.slice(11), ...inputs.slice(0, 11)]; // not sorted: results must keep this order
  const list = join(work, 'inputs.txt');
  writeFileSync(list, `# the catalog\n${rotated.join('\n')}\n`);

  beforeAll(async () => {
    redis = await startRedisServer();
    // A catalog host for URL inputs.
    const big = Buffer.alloc(300_000, 1);
    http = createServer((request, response) => {
      if (request.url === '/song.wav' || (request.url === '/gone.wav' && goneIsBack)) response.writeHead(200).end(readFileSync(good[1]!));
      else if (request.url === '/big.wav') response.writeHead(200, { 'content-length': big.length }).end(big);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop(2000)));
    http?.closeAllConnections();
    http?.close();
    await redis?.dispose();
  });

  let batch: string;
  let crashed: WorkerProcess;
  let survivor: WorkerProcess;

  it('scores 40 inputs with two workers, one SIGKILLed mid-job: one result or error per input, in input order, equal to refractor score', { timeout: 90_000 }, async () => {
    const add = await runRefractorAsync(['queue', 'add', '--input-list', list, ...queueFlags()]);
    expect(add.status, add.stderr).toBe(0);
    batch = add.stdout.trim();
    expect(batch).toMatch(/^[0-9a-f]{16}$/);
    expect(add.stderr).toContain(`queued batch ${batch}: 40 inputs, 40 jobs (40 new, 0 already queued or done)`);

    // Worker A dies (SIGKILL, no cleanup) when its third job has started; B starts once A is busy.
    crashed = spawnWorker([...queueFlags(), ...MODELS, ...FAST_STALL], { REFRACTOR_WORKER_CRASH_AFTER_START: '3' });
    workers.push(crashed);
    await waitFor('worker A to start a job', () => startedJobs(crashed.log()).length > 0);
    survivor = spawnWorker([...queueFlags(), ...MODELS, ...FAST_STALL, '--fetch-max-bytes', '200000', '--concurrency', '2']);
    workers.push(survivor);
    expect(await crashed.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const reference = await scoreReference(inputs);
    const results = await runRefractorAsync(['queue', 'results', '--wait', '--poll-ms', '200', '--out', join(work, 'results.jsonl'), ...queueFlags()], { timeoutMs: 80_000 });
    // Exit 1: three inputs failed, and say so on stderr.
    expect(results.status, results.stderr).toBe(1);
    expect(results.stderr).toContain(`wrote ${join(work, 'results.jsonl')} (37 results, 3 errors, batch ${batch})`);

    const records = lines(join(work, 'results.jsonl'));
    expect(records.map((record) => record.file)).toEqual(rotated);
    for (const record of records) {
      if (bad.includes(record.file)) {
        // One vocabulary: a zero-byte file is `empty`, the others do not decode.
        expect(record.error?.code, record.file).toBe(record.file.endsWith('empty.wav') ? 'empty' : 'decode');
        expect(record.error?.message).toContain(record.file);
        // The same error record as `refractor score` gives (code, reason, message; score's resume fields aside).
        const { input: _input, settings_digest: _digest, ...error } = reference.get(record.file)!;
        expect(record, record.file).toEqual(error);
        continue;
      }
      expect(record.error, record.file).toBeUndefined();
      expect(record.input?.sha256).toBe(sha256(record.file));
      expect(record).toEqual(reference.get(record.file));
    }
    expect(records.filter((record) => record.error).map((record) => record.file).sort()).toEqual([...bad].sort());

    // The job A was killed in was taken over by B once A's lock ran out.
    const killedJob = startedJobs(crashed.log()).at(-1)!;
    expect(finishedJobs(crashed.log())).not.toContain(killedJob);
    expect(startedJobs(survivor.log())).toContain(killedJob);
    expect(finishedJobs(survivor.log())).toContain(killedJob);

    // Nothing duplicated or retried in vain: 37 completed jobs, 3 failed after one attempt each.
    const queue = await RefractorQueue.open(redis.url, { queue: 'main' });
    try {
      const status = await queue.status();
      expect(status.counts).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 37, failed: 3 });
      expect(status.models).toBe('tiny');
      const killed = await queue.queue.getJob(killedJob);
      expect(killed?.attemptsStarted).toBeGreaterThanOrEqual(2);
      for await (const outcome of queue.outcomes(batch)) {
        if (!bad.includes(outcome.item.file)) continue;
        expect((await queue.queue.getJob(outcome.item.job!))?.attemptsMade, outcome.item.file).toBe(1);
      }
    } finally {
      await queue.close();
    }
  });

  it('adding the same work again queues nothing new; status reports counts and throughput', { timeout: 30_000 }, async () => {
    const again = await runRefractorAsync(['queue', 'add', '--input-list', list, ...queueFlags()]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(batch);
    expect(again.stderr).toContain(`batch already queued ${batch}: 40 inputs, 40 jobs (0 new, 40 already queued or done)`);
    // The same files in another order and under other names are still the same work.
    const renamed = join(work, 'renamed.wav');
    writeFileSync(renamed, readFileSync(good[3]!));
    const other = await runRefractorAsync(['queue', 'add', renamed, good[2]!, ...queueFlags()]);
    expect(other.stderr).toMatch(/2 inputs, 2 jobs \(0 new, 2 already queued or done\)/);

    const status = await runRefractorAsync(['queue', 'status', '--json', '--batch', batch, ...queueFlags()]);
    expect(status.status, status.stderr).toBe(0);
    const json = JSON.parse(status.stdout) as { counts: Record<string, number>; workers: number; throughput: { last_1m: number }; batches: Array<{ completed: number; failed: number; pending: number }> };
    expect(json.counts.completed).toBe(37);
    expect(json.workers).toBe(1);
    expect(json.throughput.last_1m).toBeGreaterThan(0);
    expect(json.batches).toEqual([expect.objectContaining({ completed: 37, failed: 3, pending: 0 })]);
    const text = await runRefractorAsync(['queue', 'status', ...queueFlags()]);
    expect(text.stdout).toMatch(/completed 37 {2}failed 3/);
    expect(text.stdout).toMatch(/throughput \d+\.\d\d jobs\/s/);

    // Job ids leave the models out, so a worker with another model set must not serve this queue.
    const tinyDirectory = join(import.meta.dirname, '..', '..', '..', 'models', 'tiny');
    const stranger = await runRefractorAsync(['worker', ...queueFlags(), '--models', tinyDirectory, '--offline']);
    expect(stranger.status).toBe(1);
    expect(stranger.stderr).toContain('queue "main" is worked with the model set "tiny"');
  });

  it('fetches URL inputs with a size limit: too large and 404 fail for good, the song equals its local copy', { timeout: 60_000 }, async () => {
    const urls = [`${base}/song.wav`, `${base}/big.wav`, `${base}/gone.wav`];
    const add = await runRefractorAsync(['queue', 'add', ...urls, ...queueFlags()]);
    expect(add.status, add.stderr).toBe(0);
    const out = join(work, 'urls.jsonl');
    const results = await runRefractorAsync(['queue', 'results', '--batch', add.stdout.trim(), '--wait', '--poll-ms', '200', '--out', out, ...queueFlags()], { timeoutMs: 50_000 });
    expect(results.status, results.stderr).toBe(1);
    const [song, big, gone] = lines(out);
    const local = lines(join(work, 'results.jsonl')).find((record) => record.file === good[1])!;
    expect(song).toEqual({ ...local, file: urls[0] });
    expect(big!.error).toMatchObject({ code: 'too-large' });
    expect(big!.error!.message).toContain('200000-byte limit');
    expect(gone!.error).toMatchObject({ code: 'http-status', message: `${urls[2]}: HTTP 404 Not Found` });

    // The host has it now: --retry-failed puts the failed jobs of the batch back.
    goneIsBack = true;
    const retry = await runRefractorAsync(['queue', 'add', ...urls, '--retry-failed', ...queueFlags()]);
    expect(retry.stderr).toContain('; 2 failed jobs queued again');
    const again = await runRefractorAsync(['queue', 'results', '--batch', add.stdout.trim(), '--wait', '--poll-ms', '200', '--out', out, ...queueFlags()], { timeoutMs: 50_000 });
    expect(again.status, again.stderr).toBe(1);
    const [, stillBig, back] = lines(out);
    expect(stillBig!.error).toMatchObject({ code: 'too-large' });
    expect(back).toEqual({ ...local, file: urls[2] });
  });

  it('runs refractor extract on the queue: the merged .npz has the same bytes as the single-machine one', { timeout: 60_000 }, async () => {
    const dataset = join(work, 'dataset');
    const songs = [
      { id: 'alpha', color: 'Red', concept: 'A song about the past', samples: sine(220, 6, 22050) },
      { id: 'beta', color: 'Blue', samples: seededNoise(11 * 22050, 3, 0.5) },
      { id: 'gamma', color: 'Indigo', concept: 'A song about the past', samples: sine(880, 12, 22050) },
      { id: 'delta', color: 'Violet', concept: 'Forgetting the future', samples: sine(330, 9, 22050) },
      { id: 'omega', color: 'Black', samples: null },
    ];
    for (const song of songs) {
      mkdirSync(join(dataset, song.id), { recursive: true });
      writeFileSync(join(dataset, song.id, `${song.id}.yml`), `rainbow_color: ${song.color}\n${song.concept ? `concept: ${JSON.stringify(song.concept)}\n` : ''}`);
      writeFileSync(join(dataset, song.id, `${song.id}_main.wav`), song.samples ? makeWav({ sampleRate: 22050, channels: [song.samples], bits: 16 }) : 'broken');
    }
    const settings = ['--chunk-size', '5', '--chunk-stride', '5', '--crop', 'random', '--seed', '7'];
    const single = await runRefractorAsync(['extract', dataset, '--out', join(work, 'single.npz'), ...MODELS, ...settings], { timeoutMs: 50_000 });
    expect(single.status, single.stderr).toBe(1); // omega is skipped, the rest written
    const add = await runRefractorAsync(['queue', 'add', '--extract', dataset, ...settings, ...queueFlags()]);
    expect(add.status, add.stderr).toBe(0);
    const merged = await runRefractorAsync(['queue', 'results', '--batch', add.stdout.trim(), '--wait', '--poll-ms', '200', '--out', join(work, 'queued.npz'), ...queueFlags()], {
      timeoutMs: 50_000,
    });
    expect(merged.status, merged.stderr).toBe(1);
    expect(merged.stderr).toMatch(/omega: skipped \(undecodable-audio\): audio does not decode/);
    expect(merged.stderr).toMatch(/wrote .*queued\.npz \(\d+ rows from 4 songs; 1 skipped\)/);
    const bytes = readFileSync(join(work, 'queued.npz'));
    expect(bytes.length).toBeGreaterThan(10_000);
    expect(bytes.equals(readFileSync(join(work, 'single.npz')))).toBe(true);
  });

  it('scores MIDI candidates (base model) and audio ones (CDM), ranked, as refractor score --rank does', { timeout: 60_000 }, async () => {
    const dir = join(work, 'candidates');
    mkdirSync(dir, { recursive: true });
    const midi = (name: string, pitches: number[]) => {
      const path = join(dir, name);
      writeFileSync(path, smf(1, 480, [[tempo(0, 500000), endOfTrack()], [...pitches.flatMap((p, i) => [on(i ? 90 : 0, p, 30 + p), off(200 + 40 * i, p)]), endOfTrack()]]));
      return path;
    };
    const files = [midi('a.mid', [60, 64, 67]), midi('melody', [72, 70, 68]), join(dir, 'bad.mid'), good[4]!];
    const whole = smf(0, 480, [[on(0, 60), off(480, 60), endOfTrack()]]);
    writeFileSync(files[2]!, whole.subarray(0, whole.length - 3));
    const csv = join(dir, 'more.csv');
    writeFileSync(csv, `id,midi,lyric\nwith-lyric,b.mid,la la la\n,,only words\n`);
    midi('b.mid', [40, 41, 43, 45]);
    const flags = ['--concept', 'A song about forgetting the future', '--rank', '--sounds-like', 'a quiet piano', '--candidates', csv];

    const reference = await runRefractorAsync(['score', ...files, ...flags, ...MODELS, '--format', 'json'], { timeoutMs: 50_000 });
    expect(reference.status, reference.stderr).toBe(1);
    const byFile = new Map((JSON.parse(reference.stdout) as Array<{ file: string }>).map((report) => [report.file, report]));
    const add = await runRefractorAsync(['queue', 'add', ...files, ...flags, ...queueFlags()]);
    expect(add.status, add.stderr).toBe(0);
    expect(add.stderr).toContain('6 inputs, 6 jobs');
    const out = join(work, 'candidates.jsonl');
    const results = await runRefractorAsync(['queue', 'results', '--batch', add.stdout.trim(), '--wait', '--poll-ms', '200', '--out', out, ...queueFlags()], { timeoutMs: 50_000 });
    expect(results.status, results.stderr).toBe(1);
    const records = lines(out);
    expect(records.map((record) => record.file)).toEqual([...files, 'with-lyric', `${csv}:row 3`]);
    expect(records[2]!.error).toMatchObject({ code: 'midi', reason: 'truncated' });
    expect(records[2]!.error!.message).toContain(`${files[2]}: truncated`);
    expect(records[2]).toEqual(byFile.get(files[2]!));
    expect(byFile.size).toBe(6);
    for (const record of records.filter((r) => !r.error)) {
      const { content_sha256, ...report } = record;
      expect(content_sha256, record.file).toBeTypeOf('object');
      expect(report, record.file).toEqual(byFile.get(record.file));
    }
    expect(records.filter((r) => !r.error).map((r) => r.rank).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(records.find((r) => r.file === files[3])?.model).toBe('cdm');
    expect(records.find((r) => r.file === files[0])?.model).toBe('base');
  });

  it('stops a worker gracefully on SIGTERM; results stay in Redis until removed', { timeout: 30_000 }, async () => {
    expect(await survivor.stop()).toEqual({ code: 0, signal: null });
    expect(survivor.log()).toMatch(/SIGTERM: finishing the jobs in progress[\s\S]*stopped/);
    const removed = await runRefractorAsync(['queue', 'results', '--batch', batch, '--remove', '--out', join(work, 'again.jsonl'), ...queueFlags()]);
    expect(readFileSync(join(work, 'again.jsonl'), 'utf8')).toBe(readFileSync(join(work, 'results.jsonl'), 'utf8'));
    // Jobs another batch also names (good[2], good[3] via renamed.wav) are kept.
    expect(removed.stderr).toMatch(new RegExp(`removed batch ${batch} and 38 jobs`));
    const gone = await runRefractorAsync(['queue', 'results', '--batch', batch, '--out', join(work, 'none.jsonl'), ...queueFlags()]);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain(`holds no batch ${batch}`);
  });
});

describe.skipIf(skip)(`a Redis restart under running workers${skip ? ` (SKIPPED: ${REDIS_SKIP_REASON})` : ''}`, () => {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    redis = await startRedisServer({ appendonly: true });
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop(2000)));
    await redis?.dispose();
  });

  it('workers reconnect and finish; no job or result is lost (AOF on)', { timeout: 90_000 }, async () => {
    // Two minutes each, so that jobs are still left when Redis stops after the first three (2–4 s songs could all be
    // done by then now that a worker decodes beside its encoder).
    const songs = writeSongs(join(work, 'restart'), 16, 5, 120);
    const flags = ['--redis', redis.url];
    const add = await runRefractorAsync(['queue', 'add', ...songs, ...flags]);
    expect(add.status, add.stderr).toBe(0);
    for (let i = 0; i < 2; i++) workers.push(spawnWorker([...flags, ...MODELS, '--lock-duration', '10000']));
    const done = () => workers.reduce((n, worker) => n + finishedJobs(worker.log()).length, 0);
    // The collector waits from the start, through the restart too.
    const out = join(work, 'restart.jsonl');
    const collecting = runRefractorAsync(['queue', 'results', '--wait', '--poll-ms', '200', '--out', out, ...flags], { timeoutMs: 80_000 });
    await waitFor('a few jobs to finish', () => done() >= 3, 60_000);

    await redis.stop();
    const doneWhileDown = done();
    // Longer than the collector's three reconnect attempts (0.2 + 0.4 + 0.8 s), so at least one of its polls fails.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await redis.start();

    const results = await collecting;
    expect(results.status, results.stderr).toBe(0);
    expect(results.stderr).toMatch(/redis: .*; still waiting/);
    const records = lines(out);
    expect(records.map((record) => record.file)).toEqual(songs);
    expect(records.every((record) => record.error === undefined && record.input?.sha256 === sha256(record.file))).toBe(true);
    for (const worker of workers) {
      expect(worker.log()).toMatch(/redis: connection lost[\s\S]*redis: reconnected/);
      expect(worker.child.exitCode).toBe(null);
    }
    // Work went on after the restart, and nothing was lost or done twice.
    expect(done()).toBeGreaterThan(doneWhileDown);
    const status = await runRefractorAsync(['queue', 'status', '--json', ...flags]);
    expect((JSON.parse(status.stdout) as { counts: Record<string, number> }).counts).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 16, failed: 0 });
  });
});

describe('refractor queue and worker usage', () => {
  it('explain every flag and exit 2 on conflicting or missing inputs', { timeout: 150_000 }, async () => {
    const help = await runRefractorAsync(['queue', '--help']);
    expect(help.stdout).toMatch(/add \[options\] \[inputs\.\.\.\][\s\S]*status[\s\S]*results[\s\S]*remove/);
    const worker = await runRefractorAsync(['worker', '--help']);
    for (const flag of ['--redis', '--queue', '--concurrency', '--models', '--device', '--base-model', '--lock-duration', '--stalled-interval', '--max-stalled', '--fetch-max-bytes', '--fetch-timeout']) {
      expect(worker.stdout, flag).toContain(flag);
    }
    expect(worker.stdout).toMatch(/\(default:\s+30000\)/);
    const add = await runRefractorAsync(['queue', 'add', '--help']);
    for (const flag of ['--input-list', '--candidates', '--extract', '--concept', '--target', '--chunk-size', '--crop', '--seed', '--rank', '--lyric', '--sounds-like', '--attempts', '--backoff', '--retry-failed']) {
      expect(add.stdout, flag).toContain(flag);
    }
    expect(add.stdout).not.toContain('--base-model');
    const none = await runRefractorAsync(['queue', 'add']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/give inputs, --input-list <file>, --candidates <file> or --extract <dataset>/);
    const both = await runRefractorAsync(['queue', 'add', 'a.wav', '--extract', 'dataset']);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--extract takes the songs/);
    // MIDI without a concept is refused before Redis is asked (none listens on port 1), as `refractor score` refuses it.
    const takes = mkdtempSync(join(tmpdir(), 'refractor-queue-concept-'));
    const take = join(takes, 'x.mid');
    writeFileSync(take, smf(0, 480, [[on(0, 60), off(480, 60), endOfTrack()]]));
    const lyricOnly = join(takes, 'words.csv');
    writeFileSync(lyricOnly, 'lyric\nonly words\n');
    const [conceptless, lyricWithout, blank, scored] = await Promise.all([
      runRefractorAsync(['queue', 'add', take, '--redis', 'redis://127.0.0.1:1']),
      runRefractorAsync(['queue', 'add', '--candidates', lyricOnly, '--redis', 'redis://127.0.0.1:1']),
      runRefractorAsync(['queue', 'add', take, '--concept', '  ', '--redis', 'redis://127.0.0.1:1']),
      runRefractorAsync(['score', take, '--models', 'tiny']),
    ]);
    // One pre-check (core's checkCandidates) behind both commands: the same line, word for word.
    const scoreLine = scored.stderr.split('\n').find((line) => line.startsWith('refractor: concept: '));
    expect(scoreLine, scored.stderr).toBe('refractor: concept: the base Refractor model needs a concept (the original raises without one): pass --concept <text> or --concept-file <file>');
    for (const run of [conceptless, lyricWithout, blank]) {
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr.split('\n')).toContain(scoreLine);
      expect(run.stderr).not.toMatch(/Redis/);
      expect(run.stdout).toBe('');
    }
    const withConcept = await runRefractorAsync(['queue', 'add', take, '--concept', 'A song about leaving', '--redis', 'redis://127.0.0.1:1']);
    expect(withConcept.stderr).toMatch(/cannot reach Redis/); // past the check: it goes on to queue
    rmSync(takes, { recursive: true, force: true });
    const unreachable = await runRefractorAsync(['queue', 'status', '--redis', 'redis://127.0.0.1:1']);
    // Exit 3, not 1: nothing is wrong with the inputs, Redis did not answer (error code queue-unreachable).
    expect(unreachable.status).toBe(3);
    expect(unreachable.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });
});

describe.skipIf(skip)(`refractor worker -v with cross-request batching${skip ? ` (SKIPPED: ${REDIS_SKIP_REASON})` : ''}`, () => {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop(2000)));
    await redis?.dispose();
  });

  it('says batching is on in its ready line and logs the CLAP run sizes after each job', { timeout: 60_000 }, async () => {
    const songs = writeSongs(join(work, 'batching'), 4, 5);
    const flags = ['--redis', redis.url, '--queue', 'batching'];
    // `on` forces it on cpu (batch size 1 there: each chunk is submitted alone, and the batcher gathers the four jobs' chunks).
    const worker = spawnWorker(['-v', ...flags, ...MODELS, '--concurrency', '4', '--batching', 'on', '--max-batch', '8', '--max-wait-ms', '50']);
    workers.push(worker);
    await waitFor('the worker to be ready', () => /ready: queue batching/.test(worker.log()));
    expect(worker.log()).toMatch(/ready: queue batching on .*concurrency 4, cross-request batching on \(max 8 chunks, 50 ms\)/);
    const add = await runRefractorAsync(['queue', 'add', ...songs, ...flags]);
    expect(add.status, add.stderr).toBe(0);
    await waitFor('the four jobs', () => finishedJobs(worker.log()).length === 4);
    const runs = [...worker.log().matchAll(/encoder: (\d+) CLAP runs?, (\d+) chunks \(mean [\d.]+; sizes ([\d×, ]+)\); cross-request batching on \(max 8 chunks, 50 ms\)/g)];
    expect(runs.length).toBeGreaterThan(0);
    // Every run is counted once: the sizes add up to the chunks, and no run is above --max-batch.
    for (const [, count, chunks, sizes] of runs) {
      const parsed = [...sizes!.matchAll(/(\d+)×(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
      expect(parsed.reduce((sum, [, n]) => sum + n, 0)).toBe(Number(count));
      expect(parsed.reduce((sum, [size, n]) => sum + size * n, 0)).toBe(Number(chunks));
      expect(Math.max(...parsed.map(([size]) => size))).toBeLessThanOrEqual(8);
    }
  });
});
