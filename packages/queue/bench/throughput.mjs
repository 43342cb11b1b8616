// `pnpm bench` for @refractor/queue: jobs per second through a real Redis
// with 1 and then 2 `refractor worker` processes on this machine, and their
// ratio. Each run gets a fresh queue; workers are started and have loaded
// their models before the clock starts; the clock stops when the batch's
// last job has finished. Songs: synthetic 16-bit WAVs, 5 s each (one chunk).
//
//   node bench/throughput.mjs [--models tiny|<dir>] [--songs n] [--concurrency n]
//
// With the tiny models this measures the queue's own overhead plus decoding
// and features (the encoders cost next to nothing); pass a real-size set
// (e.g. ~/.cache/refractor/bench-models/bench-full) to see the encoder bound.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RefractorQueue, sha256OfFile } from '../dist/index.js';
import { timeScoreBatch } from './timed-batch.mjs';
import { startRedisServer, REDIS_SKIP_REASON } from '@refractor/test-helpers/redis-server';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', '..', 'cli', 'dist', 'bin.js');
const { values: args } = parseArgs({
  options: { models: { type: 'string', default: 'tiny' }, songs: { type: 'string', default: '40' }, concurrency: { type: 'string', default: '1' } },
});
const SONGS = Number(args.songs);
const SECONDS = 5;
const RATE = 22050;

if (REDIS_SKIP_REASON) {
  console.log(`@refractor/queue benchmark skipped: ${REDIS_SKIP_REASON}`);
  process.exit(0);
}

/** A 16-bit mono WAV: a tone with a little seeded noise, different per song. */
function wav(path, index) {
  const n = SECONDS * RATE;
  const bytes = Buffer.alloc(44 + 2 * n);
  bytes.write('RIFF', 0);
  bytes.writeUInt32LE(36 + 2 * n, 4);
  bytes.write('WAVEfmt ', 8);
  bytes.writeUInt32LE(16, 16);
  bytes.writeUInt16LE(1, 20);
  bytes.writeUInt16LE(1, 22);
  bytes.writeUInt32LE(RATE, 24);
  bytes.writeUInt32LE(2 * RATE, 28);
  bytes.writeUInt16LE(2, 32);
  bytes.writeUInt16LE(16, 34);
  bytes.write('data', 36);
  bytes.writeUInt32LE(2 * n, 40);
  let seed = index + 1;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const v = 0.3 * Math.sin((2 * Math.PI * (110 + 13 * index) * i) / RATE) + 0.05 * (seed / 2147483648 - 0.5);
    bytes.writeInt16LE(Math.round(32767 * v), 44 + 2 * i);
  }
  writeFileSync(path, bytes);
}

/**
 * CPU seconds a process has used (user + system, all its threads), from
 * /proc (Linux; 100 ticks a second). Less sensitive to a busy machine than
 * wall time: what a job costs, whoever else runs.
 */
function cpuSeconds(pid) {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return NaN;
  const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Starts a worker process and resolves once it has loaded its models and connected. */
function startWorker(redis, queue) {
  const child = spawn(process.execPath, [BIN, 'worker', '--redis', redis, '--queue', queue, '--models', args.models, '--offline', '--concurrency', args.concurrency], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const ready = new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (text) => {
      log += text;
      if (/ ready: /.test(log)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${log}`)));
  });
  return { child, ready, cpuAtReady: 0, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

const scratch = mkdtempSync(join(tmpdir(), 'refractor-queue-bench-'));
const redis = await startRedisServer();
try {
  const files = Array.from({ length: SONGS }, (_, i) => join(scratch, `song-${i}.wav`));
  files.forEach((file, i) => wav(file, i));
  const hashed = await Promise.all(files.map(async (path) => ({ path, sha256: await sha256OfFile(path) })));
  console.log(
    `@refractor/queue benchmark — models "${args.models}", ${SONGS} songs of ${SECONDS} s, worker concurrency ${args.concurrency}, ` +
      `${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}, node ${process.version}\n`,
  );
  const rates = [];
  for (const workerCount of [1, 2]) {
    const name = `bench-${workerCount}`;
    const workers = Array.from({ length: workerCount }, () => startWorker(redis.url, name));
    await Promise.all(workers.map((worker) => worker.ready));
    for (const worker of workers) worker.cpuAtReady = cpuSeconds(worker.child.pid);
    const queue = await RefractorQueue.open(redis.url, { queue: name });
    const seconds = await timeScoreBatch(queue, hashed);
    const cpu = workers.reduce((sum, worker) => sum + cpuSeconds(worker.child.pid) - worker.cpuAtReady, 0);
    rates.push(SONGS / seconds);
    console.log(
      `${workerCount} worker${workerCount > 1 ? 's' : ' '}: ${(SONGS / seconds).toFixed(2).padStart(7)} jobs/s (${SONGS} jobs in ${seconds.toFixed(2)} s); ` +
        `${(cpu / SONGS).toFixed(3)} CPU s per job in the workers, so at most ${(cpus().length / (cpu / SONGS)).toFixed(1)} jobs/s on ${cpus().length} idle cores`,
    );
    await queue.close();
    for (const worker of workers) worker.child.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.exited));
  }
  console.log(`\n2 workers / 1 worker: ${(rates[1] / rates[0]).toFixed(2)}×`);
} finally {
  await redis.dispose();
  rmSync(scratch, { recursive: true, force: true });
}
