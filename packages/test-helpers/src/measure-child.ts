/**
 * Shared by the real-size benchmarks (packages/cli/bench/real-size.bench.mjs and
 * packages/node/bench/concept.bench.mjs): runs one node program in a fresh process and
 * reports its wall time, peak RSS and CPU time (all threads), read from ./rss-preload.js.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Built next to this file by tsup (its own entry), so the URL holds in dist/.
const preload = new URL('./rss-preload.js', import.meta.url).href;

/** What {@link measureChild} measured. `maxRssMB` and `cpuS` are NaN with `usage: false`. */
export interface ChildMeasurement {
  wallS: number;
  maxRssMB: number;
  cpuS: number;
  stdout: string;
}

/** Where and how {@link measureChild} runs the program. */
export interface MeasureChildOptions {
  cwd?: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** A directory for the preload's figures file. */
  scratch: string;
  /** Preload the RSS/CPU recorder (default true); false for programs that report their own figures on stdout. */
  usage?: boolean;
}

/**
 * Runs `node [--import rss-preload] ...argv` to completion.
 * Resolves to its wall time, peak RSS, CPU time and stdout; rejects with its stderr when it exits non-zero.
 *
 * @example
 * ```ts
 * const { wallS, maxRssMB } = await measureChild(['cli.js', '--version'], { scratch: tmp });
 * ```
 */
export function measureChild(argv: string[], { cwd, env = {}, scratch, usage = true }: MeasureChildOptions): Promise<ChildMeasurement> {
  const rssFile = join(scratch, `rss-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(usage ? ['--import', preload] : []), ...argv], {
      cwd,
      env: { ...process.env, ...env, REFRACTOR_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`${argv.join(' ')}: exit ${code}\n${Buffer.concat(err).toString()}`));
      const used = existsSync(rssFile) ? (JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRSS: number; cpuUs: number }) : { maxRSS: NaN, cpuUs: NaN };
      resolve({ wallS, maxRssMB: used.maxRSS / 1024, cpuS: used.cpuUs / 1e6, stdout: Buffer.concat(out).toString() });
    });
  });
}
