/**
 * A real `redis-server` for queue tests and benchmarks: on a free loopback
 * port, in its own temporary directory, stopped and restarted at will.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's redis-server, if installed (`apt-get install redis-server`; scripts/install-system-deps.sh does it). */
export const REDIS_SERVER: string | undefined = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(
  (path) => spawnSync(path, ['--version'], { encoding: 'utf8' }).status === 0,
);

/** Why Redis tests are skipped, or undefined when they can run. */
export const REDIS_SKIP_REASON: string | undefined = REDIS_SERVER
  ? undefined
  : 'redis-server is not installed (apt-get install redis-server, or run scripts/install-system-deps.sh): skipping the Redis tests';

/** A real Redis on a free loopback port, in its own temporary directory. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Its working directory (the AOF files live here). */
  dir: string;
  /** Stops it (SIGTERM: with AOF on, Redis writes everything out first) and waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (with AOF on, with the same data). */
  start(): Promise<void>;
  /** Stops it and deletes its directory. */
  dispose(): Promise<void>;
  /** Its process id while it runs. */
  pid(): number | undefined;
  /**
   * SIGSTOP: Redis keeps its connections open and answers nothing, which is
   * what a network partition looks like to a client (no reset, no reply).
   */
  freeze(): void;
  /** SIGCONT after {@link RedisServer.freeze}: it answers again, on the same connections. */
  thaw(): void;
  /** SIGKILL (no AOF rewrite, no goodbye) and wait for the exit; {@link RedisServer.start} brings it back. */
  kill(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `redis-server` on 127.0.0.1 with a free port and a temporary
 * directory: with `appendonly` it persists every write (AOF, fsync always),
 * as a production Redis would; without it, nothing is saved.
 * Throws {@link REDIS_SKIP_REASON} when no redis-server is installed.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer({ appendonly: true });
 * await redis.stop(); await redis.start(); // a restart with the data kept
 * await redis.dispose();
 * ```
 */
export async function startRedisServer(options: { appendonly?: boolean } = {}): Promise<RedisServer> {
  const executable = REDIS_SERVER;
  if (!executable) throw new Error(String(REDIS_SKIP_REASON));
  const dir = mkdtempSync(join(tmpdir(), 'refractor-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--protected-mode', 'yes', '--daemonize', 'no'];
  if (options.appendonly) args.push('--appendonly', 'yes', '--appendfsync', 'always');
  let child: ChildProcess | undefined;
  let log = '';

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const process = spawn(executable, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      child = process;
      const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${log}`)), 10_000);
      const onData = (text: string) => {
        log += text;
        if (/Ready to accept connections/.test(log)) {
          clearTimeout(timer);
          log = '';
          resolve();
        }
      };
      process.stdout.setEncoding('utf8').on('data', onData);
      process.stderr.setEncoding('utf8').on('data', onData);
      process.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}):\n${log}`));
      });
    });

  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    start,
    async dispose() {
      child?.kill('SIGCONT');
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    pid: () => child?.pid,
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
    async kill() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
}
