import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Path of the built CLI: tests drive it as a user would, in a child process. */
export const BIN = join(import.meta.dirname, '..', 'dist', 'bin.js');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `refractor …args` to completion. */
export function runRefractor(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs `refractor …args` without blocking this process's event loop, for
 * tests whose CLI talks to a server in the test process (spawnSync would
 * freeze that server and deadlock). Kills the child after `timeoutMs`.
 *
 * @example
 * ```ts
 * const hub = await startHubServer({ files });
 * const run = await runRefractorAsync(['models', 'pull', 'tiny'], { env: { HF_ENDPOINT: hub.url } });
 * ```
 */
export function runRefractorAsync(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
