// `node bench/hosts.mjs` (`pnpm bench:hosts`) for @refractor/queue (#22): jobs per second with 1, 2
// and 4 worker *hosts* — each `refractor worker` in a network namespace of its
// own, Redis on another (@refractor/test-helpers/netns), all on this machine's
// cores. On a machine with few cores it is CPU-bound, so the figure shows what
// coordination over the network costs (nothing, if the rate stays flat), not a
// speed-up. Workers have loaded their models before the clock starts; the clock
// stops when the batch's last job has finished. Also the CPU seconds per job in
// the workers. Needs root and iproute2 (skips and says why otherwise).
//
//   node bench/hosts.mjs [--models tiny|<dir>] [--songs n] [--hosts 1,2,4]
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RefractorQueue, sha256OfFile } from '../dist/index.js';
import { timeScoreBatch } from './timed-batch.mjs';
import { makeWav, sine, seededNoise } from '@refractor/test-helpers';
import { REDIS_SKIP_REASON } from '@refractor/test-helpers/redis-server';
import { Lab, NETNS_SKIP_REASON } from '@refractor/test-helpers/netns';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', '..', 'cli', 'dist', 'bin.js');
const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'tiny' },
    songs: { type: 'string', default: '40' },
    hosts: { type: 'string', default: '1,2,4' },
  },
});
const SONGS = Number(args.songs);
const SECONDS = 5;
const RATE = 22050;

const skip = NETNS_SKIP_REASON ?? REDIS_SKIP_REASON;
if (skip) {
  console.log(`@refractor/queue hosts benchmark skipped: ${skip}`);
  process.exit(0);
}

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid) {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return NaN;
  const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const scratch = mkdtempSync(join(tmpdir(), 'refractor-hosts-bench-'));
const lab = Lab.create('bench');
try {
  const db = lab.addHost('db');
  const counts = args.hosts.split(',').map(Number);
  const workerHosts = Array.from({ length: Math.max(...counts) }, (_, i) => lab.addHost(`w${i + 1}`));
  const redis = await lab.startRedis(db, { appendfsync: 'always' });
  const files = Array.from({ length: SONGS }, (_, i) => {
    const path = join(scratch, `song-${i}.wav`);
    const samples = i % 2 ? seededNoise(SECONDS * RATE, i, 0.2) : sine(110 + 13 * i, SECONDS, RATE, 0.3);
    writeFileSync(path, makeWav({ sampleRate: RATE, channels: [samples], bits: 16 }));
    return path;
  });
  const hashed = await Promise.all(files.map(async (path) => ({ path, sha256: await sha256OfFile(path) })));
  console.log(
    `@refractor/queue hosts benchmark — models "${args.models}", ${SONGS} songs of ${SECONDS} s, one worker per host (network namespace), ` +
      `Redis on its own host (AOF, appendfsync always), ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}, node ${process.version}\n`,
  );
  const rates = [];
  for (const count of counts) {
    const name = `bench-${count}`;
    const workers = workerHosts.slice(0, count).map((host) =>
      lab.spawn(host, process.execPath, [BIN, 'worker', '--redis', redis.url, '--queue', name, '--models', args.models, '--offline']),
    );
    for (const worker of workers) {
      while (!/ ready: /.test(worker.log())) {
        if (!worker.running()) throw new Error(`worker exited:\n${worker.log()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const cpuAtReady = workers.map((worker) => cpuSeconds(worker.child.pid));
    // The bench adds and watches through Redis's unix socket (it is on no host).
    const queue = await RefractorQueue.open(redis.socket, { queue: name });
    const seconds = await timeScoreBatch(queue, hashed);
    const cpu = workers.reduce((sum, worker, i) => sum + cpuSeconds(worker.child.pid) - cpuAtReady[i], 0);
    const perWorker = workers.map((worker) => (worker.log().match(/ done /g) ?? []).length);
    rates.push(SONGS / seconds);
    console.log(
      `${count} worker host${count > 1 ? 's' : ' '}: ${(SONGS / seconds).toFixed(2).padStart(6)} jobs/s (${SONGS} jobs in ${seconds.toFixed(2)} s; ` +
        `jobs per worker ${perWorker.join('/')}); ${(cpu / SONGS).toFixed(3)} CPU s per job in the workers`,
    );
    await queue.close();
    await Promise.all(workers.map((worker) => worker.stop(10_000)));
  }
  console.log(`\nrelative to 1 host: ${rates.map((rate) => `${(rate / rates[0]).toFixed(2)}×`).join(', ')}`);
} finally {
  await lab.dispose();
  rmSync(scratch, { recursive: true, force: true });
}
