/**
 * Real-size browser benchmark (run by `pnpm bench`, not by `pnpm test`): the
 * demo page in Debian's Chromium scores examples/clip.ogg with the real-size
 * CLAP (the bench models' single-file copy, served from 127.0.0.1 with
 * COOP/COEP so WASM runs 2 threads) and reports, per dtype: time to load the
 * models, time to the first result, chunks/s, how often the progress line moved
 * and its longest still gap, and Chromium's peak memory (RSS of all its
 * processes, sampled every 200 ms).
 *
 * Needs `pnpm bench:models --web` (bench-web) and /usr/bin/chromium; says so and
 * skips otherwise.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { chromiumMissing, launchChromium } from '../test/browser/chromium.js';
import { startStaticServer } from '../test/browser/server.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const demoDir = resolve(here, '../dist-demo');
const benchWeb = join(process.env.REFRACTOR_BENCH_MODELS || join(homedir(), '.cache', 'refractor', 'bench-models'), 'bench-web');
const clip = join(repoRoot, 'examples', 'clip.ogg');

/** RSS (MB) of a process and all its descendants, from /proc. */
function treeRssMB(root: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  let kb = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    try {
      const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += match ? Number(match[1]) : 0;
    } catch {
      // gone
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return kb / 1024;
}

const skip = chromiumMissing() ?? (existsSync(join(benchWeb, 'clap', 'onnx', 'audio_model.onnx')) ? null : `no bench-web models in ${benchWeb}: run \`pnpm bench:models --web\``);

describe('real-size CLAP in Chromium (WASM)', () => {
  it.each(['fp32', 'q8'])('%s', async (dtype) => {
    if (skip) {
      console.log(`[browser bench] skipped: ${skip}`);
      return;
    }
    const server = await startStaticServer(demoDir, { '/models/bench/': benchWeb });
    const browser = await launchChromium();
    // playwright-core keeps the browser process handle on the launched server; find Chromium's root pid by its profile.
    const rootPid = Number(
      readdirSync('/proc')
        .filter((e) => /^\d+$/.test(e))
        .find((pid) => {
          try {
            const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
            return cmd.includes('chromium') && cmd.includes('--remote-debugging-pipe') && !cmd.includes('--type=');
          } catch {
            return false;
          }
        }),
    );
    let peakMB = 0;
    const sampler = setInterval(() => (peakMB = Math.max(peakMB, treeRssMB(rootPid))), 200);
    try {
      const page = await browser.newPage();
      const statusChanges: { t: number; text: string }[] = [];
      await page.exposeFunction('__benchStatus', (text: string) => statusChanges.push({ t: performance.now(), text }));
      await page.addInitScript(() => {
        const g = globalThis as unknown as { document: Document; MutationObserver: typeof MutationObserver; __benchStatus(text: string): void };
        g.document.addEventListener('DOMContentLoaded', () => {
          const status = g.document.querySelector('#status')!;
          new g.MutationObserver(() => g.__benchStatus(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
        });
      });
      const opened = performance.now();
      await page.goto(`${server.origin}/?models=/models/bench/&device=wasm&dtype=${dtype}`, { waitUntil: 'load' });
      const isolated = await page.evaluate(() => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated);
      await page.waitForFunction(() => !/Loading models|Reading cached|Downloading/.test((globalThis as unknown as { document: Document }).document.querySelector('#status')?.textContent ?? ''), undefined, {
        timeout: 600_000,
        polling: 100,
      });
      const loaded = performance.now();
      await page.setInputFiles('#file-input', clip);
      const fileSet = performance.now();
      const handle = await page.waitForFunction(
        () => {
          const doc = (globalThis as unknown as { document: Document }).document;
          const result = doc.querySelector<HTMLElement>('#result');
          const json = result?.getAttribute('data-json');
          if (result && json && !result.hidden) return json;
          const error = doc.querySelector<HTMLElement>('#error');
          if (error && !error.hidden && error.textContent?.trim()) return `ERROR ${error.textContent.trim()}`;
          return null;
        },
        undefined,
        { timeout: 900_000, polling: 100 },
      );
      const done = performance.now();
      const json = (await handle.jsonValue()) as string;
      if (json.startsWith('ERROR')) throw new Error(json);
      const song = JSON.parse(json) as { chunk_count: number; settings: { backend: string; batch_size: number } };
      const scoring = statusChanges.filter((c) => c.t >= fileSet && c.t <= done);
      const scored = scoring.filter((c) => c.text.startsWith('Scoring'));
      const gaps = [fileSet, ...scoring.map((c) => c.t), done].map((t, i, all) => (i ? t - all[i - 1]! : 0));
      const encodeS = scored.length > 1 ? (scored.at(-1)!.t - scored[0]!.t) / 1000 / (scored.length - 1) : NaN;
      console.log(
        `[browser bench] ${dtype}: ${song.settings.backend}, batch ${song.settings.batch_size}, cross-origin isolated ${isolated}; ` +
          `models loaded in ${((loaded - opened) / 1000).toFixed(1)} s; clip.ogg (${song.chunk_count} chunks) scored in ${((done - fileSet) / 1000).toFixed(1)} s ` +
          `(time to first result from page open ${((done - opened) / 1000).toFixed(1)} s); ${(1 / encodeS).toFixed(2)} chunks/s between score events; ` +
          `progress line moved ${scoring.length} times, longest still gap ${(Math.max(...gaps) / 1000).toFixed(1)} s; Chromium peak RSS ${peakMB.toFixed(0)} MB`,
      );
    } finally {
      clearInterval(sampler);
      await browser.close();
      await server.close();
    }
  });
});
