import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_SKIP_REASON, startRedisServer, type RedisServer } from '@refractor/test-helpers/redis-server';
import { BIN, runRefractorAsync } from './run-cli.js';

// One song, one set of settings, three doors — `refractor score --format jsonl`,
// `POST /v1/score` on `refractor serve`, and a job through Redis and a real
// `refractor worker` — must give the very same bytes: each builds its record
// with core's songRecord and node/io's songSettingsDigest.

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SONG = 'examples/clip.ogg';
const CASES: Array<{ name: string; flags: string[]; query: Record<string, string> }> = [
  { name: 'no concept, no target', flags: [], query: {} },
  { name: 'a concept and a target', flags: ['--concept', 'A song about the past', '--target', 'Indigo'], query: { concept: 'A song about the past', target: 'Indigo' } },
];
const work = mkdtempSync(join(tmpdir(), 'refractor-three-doors-'));
const children: ChildProcess[] = [];

/** Starts `refractor <args>` and resolves once its stderr matches `ready` (it is killed in afterAll). */
async function startCli(args: string[], ready: RegExp): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (ready.test(stderr)) resolve();
      else if (child.exitCode !== null) reject(new Error(`refractor ${args[0]} exited ${child.exitCode}: ${stderr}`));
      else return;
      clearInterval(timer);
    }, 50);
  });
  return { child, stderr: () => stderr };
}

/** Stops a child and waits for it (SIGTERM: a worker finishes its job, the server closes). */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

const skip = REDIS_SKIP_REASON !== undefined;

describe.skipIf(skip)(`three doors, one record${skip ? ` (SKIPPED: ${REDIS_SKIP_REASON})` : ''}`, () => {
  let redis: RedisServer;
  let server: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    const [served] = await Promise.all([
      startCli(['serve', '--models', 'tiny', '--offline', '--port', '0'], /models ready/),
      startCli(['worker', '--redis', redis.url, '--queue', 'doors', '--models', 'tiny', '--offline'], /ready: queue doors/),
    ]);
    server = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(served.stderr())![1]!;
  }, 180_000);

  afterAll(async () => {
    await Promise.all(children.map(stop));
    await redis?.dispose();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  /** The CLI door: the JSON Lines record, without its newline. */
  async function viaCli(flags: string[]): Promise<string> {
    const run = await runRefractorAsync(['score', SONG, '--models', 'tiny', '--offline', '--format', 'jsonl', ...flags], { cwd: ROOT, timeoutMs: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.endsWith('\n') && run.stdout.indexOf('\n') === run.stdout.length - 1, run.stdout).toBe(true);
    return run.stdout.slice(0, -1);
  }

  /** The server door: the response body of a raw upload named as the CLI names the file. */
  async function viaServer(query: Record<string, string>): Promise<string> {
    const params = new URLSearchParams({ name: SONG, ...query });
    const response = await fetch(`${server}/v1/score?${params}`, { method: 'POST', headers: { 'content-type': 'audio/ogg' }, body: readFileSync(join(ROOT, SONG)) });
    const body = await response.text();
    expect(response.status, body).toBe(200);
    return body;
  }

  /** The queue door: `queue add` from the same directory, a real worker, `queue results` to a file. */
  async function viaQueue(flags: string[]): Promise<string> {
    const queue = ['--redis', redis.url, '--queue', 'doors'];
    const add = await runRefractorAsync(['queue', 'add', SONG, ...flags, ...queue], { cwd: ROOT, timeoutMs: 60_000 });
    expect(add.status, add.stderr).toBe(0);
    const out = join(work, `${add.stdout.trim()}.jsonl`);
    const results = await runRefractorAsync(['queue', 'results', '--batch', add.stdout.trim(), '--wait', '--poll-ms', '200', '--out', out, ...queue], { cwd: ROOT, timeoutMs: 120_000 });
    expect(results.status, results.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\n')).toHaveLength(2); // one record and the final newline
    return text.slice(0, -1);
  }

  for (const { name, flags, query } of CASES) {
    it(`give byte-identical records: ${name}`, { timeout: 300_000 }, async () => {
      const [cli, served, queued] = await Promise.all([viaCli(flags), viaServer(query), viaQueue(flags)]);
      const record = JSON.parse(cli) as Record<string, unknown>;
      // A real record, not three equal errors: scored, with the input's fingerprint and the settings' digest.
      expect(record).toMatchObject({ file: SONG, settings: { models: 'tiny' }, input: { size: readFileSync(join(ROOT, SONG)).length } });
      expect(record.settings_digest).toMatch(/^[0-9a-f]{16}$/);
      if (query.target) expect(record).toMatchObject({ target_color: query.target });
      else expect(record).not.toHaveProperty('target_color');
      expect(served).toBe(cli);
      expect(queued).toBe(cli);
    });
  }

  it('tell different settings apart: the concept changes the digest', { timeout: 300_000 }, async () => {
    const [plain, withConcept] = await Promise.all([viaServer({}), viaServer({ concept: 'A song about the past' })]);
    expect((JSON.parse(plain) as { settings_digest: string }).settings_digest).not.toBe((JSON.parse(withConcept) as { settings_digest: string }).settings_digest);
  });
});
