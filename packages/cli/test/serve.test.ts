import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWav, sine } from '../../audio/test/helpers/wav.js';
import { BIN, runRefractor } from './run-cli.js';

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `refractor serve` on a free port and waits until its models are ready. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--models', 'tiny', '--offline', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout!.resume();
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match && /models ready/.test(stderr)) {
        clearInterval(timer);
        resolve(match[1]!);
      }
      if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`serve exited ${child.exitCode}: ${stderr}`));
      }
    }, 50);
  });
  return { child, url, stderr: () => stderr, exit };
}

async function gauge(url: string, name: string, headers: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers })).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
}

describe('refractor serve', () => {
  it('--help lists the address, token, CORS and every limit flag', () => {
    const run = runRefractor(['serve', '--help']);
    expect(run.status).toBe(0);
    for (const flag of ['--host', '--port', '--models', '--device', '--token', '--cors', '--max-body-mb', '--max-audio', '--concurrency', '--queue', '--timeout', '--max-candidates', '--max-text-chars', '--max-fields', '--max-field-bytes', '--max-header-bytes', '--shutdown-grace']) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toMatch(/default: "127\.0\.0\.1"/);
  });

  it('on SIGTERM finishes every in-flight and queued request, then exits 0', { timeout: 120_000 }, async () => {
    const served = await serve(['--concurrency', '1', '--queue', '8', '--log-level', 'warn'], { REFRACTOR_TOKEN: 'tok' });
    const auth = { authorization: 'Bearer tok' };
    expect((await fetch(`${served.url}/v1/models`)).status).toBe(401);
    const song = makeWav({ sampleRate: 8000, channels: [sine(330, 240, 8000, 0.3)], bits: 16 });
    const requests = Array.from({ length: 4 }, () =>
      fetch(`${served.url}/v1/score`, { method: 'POST', body: song, headers: { 'content-type': 'audio/wav', ...auth } }).then(
        async (response) => ({ status: response.status, chunks: ((await response.json()) as { chunk_count: number }).chunk_count as number | string }),
        (error: Error) => ({ status: -1, chunks: String(error) }),
      ),
    );
    // Wait until one is scoring and the rest are queued, then ask the server to stop.
    for (let i = 0; i < 200 && (await gauge(served.url, 'refractor_scorings_queued', auth)) < 3; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await gauge(served.url, 'refractor_scorings_in_flight', auth)).toBe(1);
    served.child.kill('SIGTERM');
    const results = await Promise.all(requests);
    expect(results).toEqual(Array.from({ length: 4 }, () => ({ status: 200, chunks: 48 })));
    expect(await served.exit).toBe(0);
    expect(served.stderr()).toMatch(/SIGTERM: finishing in-flight requests/);
    expect(served.stderr()).toMatch(/stopped/);
    // Gone: new connections are refused.
    await expect(fetch(`${served.url}/healthz`)).rejects.toThrow();
  });

  it('exits 1 with the reason when the models cannot be loaded', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--models', '/nonexistent/models', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/refractor: models: .*nonexistent/);
  });
});
