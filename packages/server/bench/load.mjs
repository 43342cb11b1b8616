#!/usr/bin/env node
// Load test for `refractor serve` on loopback (a benchmark, not a unit test).
//
//   node packages/server/bench/load.mjs [--duration 60] [--connections 16] [--models tiny] [--concurrency 2] [--soak 1000]
//
// Starts the real `refractor serve` (built CLI) on 127.0.0.1 with a free port,
// then runs two bounded autocannon phases of --duration seconds each, every
// client POSTing examples/clip.ogg to /v1/score:
//   1. all uploads good: req/s, p50/p99 latency, errors (must be 0);
//   2. 5 % malformed uploads mixed in (every 20th request): the good ones
//      must all answer 200 and the malformed ones 422.
//   3. a soak of --soak requests (default 1000; 0 skips it) of a 3 s WAV, so
//      that 1,000+ scorings pass through the same process even on a slow
//      machine: every one still decodes, spawns the featurize worker, runs
//      CLAP and the CDM. All must answer 200.
// Server RSS (from /proc) is printed at start, between and after the phases.
// Exits 1 if any expectation fails. Nothing leaves 127.0.0.1.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const root = new URL('../../../', import.meta.url).pathname;
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '16' },
    models: { type: 'string', default: 'tiny' },
    concurrency: { type: 'string', default: '2' },
    soak: { type: 'string', default: '1000' },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);

const clip = readFileSync(`${root}examples/clip.ogg`);
// Malformed: the clip's bytes cut in the middle of its first pages (decodes to an error, not to audio).
const malformed = Buffer.concat([clip.subarray(0, 4096), Buffer.from('this is not the rest of an ogg stream')]);
const garbage = Buffer.from('definitely not audio at all, just text pretending to be an upload');

const server = spawn(process.execPath, [`${root}packages/cli/dist/bin.js`, 'serve', '--models', args.models, '--offline', '--port', '0', '--log-level', 'warn', '--concurrency', args.concurrency, '--queue', String(connections * 2)], {
  stdio: ['ignore', 'inherit', 'pipe'],
});
let stderr = '';
server.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
const url = await new Promise((resolve, reject) => {
  const timer = setInterval(() => {
    const match = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
    if (match && /models ready/.test(stderr)) {
      clearInterval(timer);
      resolve(match[1]);
    }
    if (server.exitCode !== null) {
      clearInterval(timer);
      reject(new Error(`serve exited: ${stderr}`));
    }
  }, 50);
});

/** A 16-bit stereo 44.1 kHz WAV of a chord: a short song for the soak phase. */
function shortWav(seconds) {
  const rate = 44100;
  const frames = seconds * rate;
  const data = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) {
    const t = i / rate;
    const v = 0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.2 * Math.sin(2 * Math.PI * 330 * t);
    data.writeInt16LE(Math.round(v * 32767), i * 4);
    data.writeInt16LE(Math.round(v * 0.8 * 32767), i * 4 + 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

function rssMiB() {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

function run(options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections, duration, pipelining: 1, timeout: 120, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
    instance.on('error', reject);
  });
}

/** Waits until the server has nothing running or queued (requests cut off at a phase's end still finish server-side). */
async function drained() {
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)[1]);
    if (value('refractor_scorings_in_flight') === 0 && value('refractor_scorings_queued') === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const post = (body) => ({ method: 'POST', path: '/v1/score?concept=rain', headers: { 'content-type': 'audio/ogg' }, body });

// Warm-up: a few requests so the first phase measures steady state.
for (let i = 0; i < 4; i++) {
  const response = await fetch(`${url}/v1/score`, { method: 'POST', body: clip, headers: { 'content-type': 'audio/ogg' } });
  if (response.status !== 200) throw new Error(`warm-up answered ${response.status}`);
  await response.arrayBuffer();
}
const rss = [rssMiB()];
let failed = false;

function report(name, result, extra = {}) {
  const line = {
    phase: name,
    requests: result.requests.total,
    'req/s': Number(result.requests.average.toFixed(2)),
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    'max ms': result.latency.max,
    '2xx': result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    ...extra,
  };
  console.log(JSON.stringify(line));
  return line;
}

// Phase 1: all good.
const statuses1 = new Map();
const good = await run({
  requests: [{ ...post(clip), onResponse: (status) => statuses1.set(status, (statuses1.get(status) ?? 0) + 1) }],
});
await drained();
rss.push(rssMiB());
report('good', good, { statuses: Object.fromEntries(statuses1) });
if (good.errors || good.timeouts || good.non2xx) failed = true;

// Phase 2: every 20th request malformed (alternating a cut Ogg stream and plain text).
let sent = 0;
const tally = { good: {}, malformed: {} };
const mixed = await run({
  requests: [
    {
      ...post(clip),
      setupRequest(request, context) {
        sent += 1;
        context.malformed = sent % 20 === 0;
        return context.malformed ? { ...request, body: sent % 40 === 0 ? garbage : malformed } : { ...request, body: clip };
      },
      onResponse(status, _body, context) {
        const bucket = tally[context.malformed ? 'malformed' : 'good'];
        bucket[status] = (bucket[status] ?? 0) + 1;
      },
    },
  ],
});
await drained();
rss.push(rssMiB());
report('5% malformed', mixed, { good: tally.good, malformed: tally.malformed });
const goodNot200 = Object.entries(tally.good).filter(([status]) => status !== '200').reduce((n, [, count]) => n + count, 0);
const malformedNot422 = Object.entries(tally.malformed).filter(([status]) => status !== '422').reduce((n, [, count]) => n + count, 0);
if (mixed.errors || mixed.timeouts || goodNot200 || malformedNot422) failed = true;

let total = good.requests.total + mixed.requests.total;
const soakCount = Number(args.soak);
if (soakCount > 0) {
  const short = shortWav(3);
  const soak = await new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, connections, amount: soakCount, pipelining: 1, timeout: 120, requests: [{ method: 'POST', path: '/v1/score', headers: { 'content-type': 'audio/wav' }, body: short }] },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('error', reject);
  });
  await drained();
  rss.push(rssMiB());
  report(`soak (${soakCount} × 3 s WAV)`, soak);
  if (soak.errors || soak.timeouts || soak.non2xx || soak['2xx'] !== soakCount) failed = true;
  total += soak.requests.total;
}
console.log(JSON.stringify({ 'server RSS MiB (start, after good, after mixed[, after soak])': rss.map((v) => Number(v.toFixed(1))), 'requests total': total }));

server.kill('SIGTERM');
const code = await new Promise((resolve) => server.on('exit', resolve));
console.log(JSON.stringify({ 'serve exit code after SIGTERM': code }));
if (code !== 0) {
  failed = true;
  console.error(stderr);
}
process.exitCode = failed ? 1 : 0;
