// Shared by the real-size benchmarks (packages/cli/bench/real-size.bench.mjs and
// packages/node/bench/concept.bench.mjs): runs one node program in a fresh process and
// reports its wall time, peak RSS and CPU time (all threads), read from ./rss-preload.mjs.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const preload = new URL('./rss-preload.mjs', import.meta.url).href;

/**
 * Runs `node [--import rss-preload] ...argv` to completion.
 * Resolves to `{ wallS, maxRssMB, cpuS, stdout }`; rejects with its stderr when it exits non-zero.
 * `usage: false` skips the preload (for programs that report their own figures on stdout).
 */
export function measureChild(argv, { cwd, env = {}, scratch, usage = true }) {
  const rssFile = join(scratch, `rss-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(usage ? ['--import', preload] : []), ...argv], {
      cwd,
      env: { ...process.env, ...env, REFRACTOR_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`${argv.join(' ')}: exit ${code}\n${Buffer.concat(err).toString()}`));
      const used = existsSync(rssFile) ? JSON.parse(readFileSync(rssFile, 'utf8')) : { maxRSS: NaN, cpuUs: NaN };
      resolve({ wallS, maxRssMB: used.maxRSS / 1024, cpuS: used.cpuUs / 1e6, stdout: Buffer.concat(out).toString() });
    });
  });
}
