import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's redis-server, if installed (`apt-get install redis-server`; scripts/install-system-deps.sh does it). */
export const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(
  (path) => spawnSync(path, ['--version'], { encoding: 'utf8' }).status === 0,
);

/** Why Redis tests are skipped, or undefined when they can run. */
export const REDIS_SKIP_REASON = REDIS_SERVER ? undefined : 'redis-server is not installed (apt-get install redis-server, or run scripts/install-system-deps.sh): skipping the Redis tests';

/** @returns {Promise<number>} */
async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `redis-server` on 127.0.0.1 with a free port and a temporary
 * directory: with `appendonly` it persists every write (AOF, fsync always),
 * as a production Redis would; without it, nothing is saved.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer({ appendonly: true });
 * await redis.stop(); await redis.start(); // a restart with the data kept
 * await redis.dispose();
 * ```
 *
 * @param {{ appendonly?: boolean }} [options]
 * @returns {Promise<import('./redis-server.d.mts').RedisServer>}
 */
export async function startRedisServer(options = {}) {
  if (!REDIS_SERVER) throw new Error(String(REDIS_SKIP_REASON));
  const dir = mkdtempSync(join(tmpdir(), 'refractor-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--protected-mode', 'yes', '--daemonize', 'no'];
  if (options.appendonly) args.push('--appendonly', 'yes', '--appendfsync', 'always');
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  let log = '';

  /** @returns {Promise<void>} */
  const start = () =>
    new Promise((resolve, reject) => {
      const process = spawn(/** @type {string} */ (REDIS_SERVER), args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      child = process;
      const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${log}`)), 10_000);
      /** @param {string} text */
      const onData = (text) => {
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
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
