import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
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

  it('--batching, --max-batch, --max-wait-ms: explained in --help, checked, and passed to the server', { timeout: 120_000 }, async () => {
    for (const command of ['serve', 'worker']) {
      const help = runRefractor([command, '--help']).stdout.replace(/\s+/g, ' ');
      expect(help, command).toMatch(/--batching <mode> cross-request batching: put the CLAP chunks of songs scored at once into shared encoder runs/);
      expect(help, command).toMatch(/auto: on where the device prefers batches above 1 \(cuda, webgpu\), off on cpu/);
      expect(help, command).toMatch(/At most --concurrency songs are scored at once/);
      expect(help, command).toMatch(/\(choices: "auto", "on", "off", default: "auto"\)/);
      expect(help, command).toMatch(/--max-batch <n> with --batching on\/auto: most chunks in one shared CLAP run/);
      expect(help, command).toMatch(/--max-wait-ms <ms> with --batching on\/auto: longest a chunk waits/);
    }
    const bad: Array<[string[], RegExp]> = [
      [['--batching', 'sometimes'], /option '--batching <mode>' argument 'sometimes' is invalid\. Allowed choices are auto, on, off/],
      [['--max-batch', '0'], /option '--max-batch <n>' argument '0' is invalid\. expected an integer >= 1/],
      [['--max-wait-ms', 'soon'], /option '--max-wait-ms <ms>' argument 'soon' is invalid\. expected a number of milliseconds >= 0/],
    ];
    for (const [args, message] of bad) {
      const run = runRefractor(['serve', '--models', 'tiny', '--offline', '--port', '0', ...args]);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    const contradiction = runRefractor(['serve', '--models', 'tiny', '--offline', '--port', '0', '--batching', 'off', '--max-batch', '8']);
    expect(contradiction.status).not.toBe(0);
    expect(contradiction.stderr).toMatch(/refractor: --max-batch tunes cross-request batching, which --batching off turns off; drop it or use --batching auto or on/);
    // The flags reach the server: /v1/models says what it runs with.
    const on = await serve(['--batching', 'on', '--max-batch', '32', '--max-wait-ms', '2.5', '--concurrency', '8']);
    expect(((await (await fetch(`${on.url}/v1/models`)).json()) as { cross_request_batching: unknown }).cross_request_batching).toEqual({ max_batch: 32, max_wait_ms: 2.5 });
    on.child.kill('SIGTERM');
    expect(await on.exit).toBe(0);
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

  it('misbehaving clients leave no slot held, and SIGTERM still exits 0 with them connected', { timeout: 120_000 }, async () => {
    const served = await serve(['--concurrency', '1', '--timeout', '3', '--shutdown-grace', '60', '--log-level', 'warn']);
    const { port } = new URL(served.url);
    const clip = readFileSync(new URL('../../../examples/clip.ogg', import.meta.url));
    const short = makeWav({ sampleRate: 8000, channels: [sine(330, 2, 8000, 0.3)], bits: 16 });
    const sockets: Socket[] = [];
    const open = () => {
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('error', () => undefined);
      sockets.push(socket);
      return socket;
    };
    const post = (type: string, length: number) => `POST /v1/score HTTP/1.1\r\nHost: x\r\ncontent-type: ${type}\r\ncontent-length: ${length}\r\n\r\n`;
    const recovered = async () => {
      for (let i = 0; i < 200 && (await gauge(served.url, 'refractor_scorings_in_flight')) !== 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await gauge(served.url, 'refractor_scorings_in_flight')).toBe(0);
      const response = await fetch(`${served.url}/v1/score`, { method: 'POST', body: short, headers: { 'content-type': 'audio/wav' } });
      expect(response.status).toBe(200);
      expect((await fetch(`${served.url}/readyz`)).status).toBe(200);
    };
    // The case: a complete multipart body whose Content-Length promises more.
    const boundary = 'B0undary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="short.wav"\r\n\r\n`),
      short,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const lying = open();
    let answer = '';
    lying.on('data', (chunk) => (answer += String(chunk)));
    lying.write(post(`multipart/form-data; boundary=${boundary}`, 1_000_000));
    lying.write(body);
    for (let i = 0; i < 200 && !answer.includes('"error"'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(answer).toMatch(/^HTTP\/1\.1 503/);
    await recovered();
    // A client that disconnects mid-body.
    const quitter = open();
    quitter.write(post('audio/ogg', clip.length));
    quitter.write(clip.subarray(0, 50_000));
    await new Promise((r) => setTimeout(r, 300));
    quitter.destroy();
    await recovered();
    // Left connected at SIGTERM: a body that never ends, a slowloris, and a client that never reads its answers.
    open().write(post('audio/ogg', clip.length + 1000) + clip.toString('latin1').slice(0, 100_000));
    open().write('GET /healthz HTTP/1.1\r\nHost: x\r\nx-slow: ');
    const deaf = open();
    deaf.pause();
    deaf.write('GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(400));
    await new Promise((r) => setTimeout(r, 500));
    served.child.kill('SIGTERM');
    expect(await served.exit).toBe(0);
    expect(served.stderr()).toMatch(/stopped/);
    expect(served.stderr()).not.toMatch(/exiting 1/);
    for (const socket of sockets) socket.destroy();
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
