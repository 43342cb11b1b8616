import { spawnSync } from 'node:child_process';
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
