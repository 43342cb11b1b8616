import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './run-cli.js';

/** A `refractor worker` child process, its stderr log kept. */
export interface WorkerProcess {
  child: ChildProcess;
  log(): string;
  /** Resolves when it has exited, with how. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (graceful), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Test-speed settings: a dead worker's job is taken over within ~4 s instead of ~60 s. */
export const FAST_STALL = ['--lock-duration', '3000', '--stalled-interval', '1000'];

/**
 * Spawns `node packages/cli/dist/bin.js worker …` as a real process.
 *
 * @example
 * ```ts
 * const worker = spawnWorker(['--redis', redis.url, '--models', 'tiny', '--offline']);
 * await worker.stop();
 * ```
 */
export function spawnWorker(args: string[], env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const child = spawn(process.execPath, [BIN, 'worker', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (log += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    log: () => log,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/** The job ids a worker log says it started, in order. */
export function startedJobs(log: string): string[] {
  return [...log.matchAll(/ start (\S+) /g)].map((match) => match[1]!);
}

/** The job ids a worker log says it finished (done or failed for good). */
export function finishedJobs(log: string): string[] {
  return [...log.matchAll(/ (?:done|failed) (\S+) /g)].map((match) => match[1]!);
}

/** Polls `check` until it is true, or fails after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
