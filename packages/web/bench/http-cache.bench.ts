/**
 * What a returning visitor gains when the demo's static files (its scripts
 * and onnxruntime-web's WASM) may be kept by the HTTP cache: the demo in
 * Debian's Chromium, two browser profiles side by side, one served as a
 * typical static host serves files (ETag, `Cache-Control: no-cache`), one
 * `no-store`. Both score examples/clip.ogg with the real-size CLAP
 * (`REFRACTOR_BENCH_DTYPE`, default q8); after a first (cold) visit each,
 * warm visits alternate between them (`REFRACTOR_BENCH_ROUNDS`, default 3), so
 * a busy machine slows both alike. Per visit: models ready, first result
 * after page open, the first chunk's CLAP run and the pace after it; then the
 * medians of the warm visits. Run by `pnpm bench`; needs `pnpm bench:models --web`
 * and /usr/bin/chromium, and says so and skips otherwise.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { it } from 'vitest';
import { chromiumMissing, launchChromiumProfile } from '../test/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../test/browser/server.js';

const here = dirname(fileURLToPath(import.meta.url));
const demoDir = resolve(here, '../dist-demo');
const clip = resolve(here, '../../../examples/clip.ogg');
const benchWeb = join(process.env.REFRACTOR_BENCH_MODELS || join(homedir(), '.cache', 'refractor', 'bench-models'), 'bench-web');
const dtype = process.env.REFRACTOR_BENCH_DTYPE ?? 'q8';
const rounds = Number(process.env.REFRACTOR_BENCH_ROUNDS ?? 3);

interface Arm {
  server: StaticServer;
  profile: string;
  context: BrowserContext;
  warm: { readyS: number; firstResultS: number }[];
}

it(`HTTP cache for the demo's static files: warm visits, revalidated vs no-store (real-size CLAP ${dtype})`, async () => {
  const why = chromiumMissing() ?? (existsSync(join(benchWeb, 'clap', 'onnx', 'audio_model.onnx')) ? null : `no bench-web models in ${benchWeb}: run \`pnpm bench:models --web\``);
  if (why) {
    console.log(`[http cache] skipped: ${why}`);
    return;
  }
  const mounts = { '/models/bench/': benchWeb };
  const arms: Record<'revalidated' | 'no-store', Arm> = {} as never;
  for (const [name, revalidate] of [['revalidated', ['/assets/', '/ort/']], ['no-store', []]] as const) {
    const profile = mkdtempSync(join(tmpdir(), 'refractor-bench-profile-'));
    arms[name] = { server: await startStaticServer(demoDir, mounts, { revalidate: [...revalidate] }), profile, context: await launchChromiumProfile(profile), warm: [] };
  }
  try {
    for (let round = 0; round <= rounds; round++) {
      for (const [name, arm] of Object.entries(arms)) {
        const page = await arm.context.newPage();
        const opened = performance.now();
        await page.goto(`${arm.server.origin}/?models=/models/bench/&device=wasm&dtype=${dtype}`);
        await page.waitForFunction(() => /^Ready/.test(document.querySelector('#status')?.textContent ?? ''), undefined, { timeout: 300_000, polling: 100 });
        const ready = performance.now();
        await page.setInputFiles('#file-input', clip);
        await page.waitForFunction(() => document.querySelector('#result')?.getAttribute('data-json') || document.querySelector('#error:not([hidden])')?.textContent, undefined, {
          timeout: 300_000,
          polling: 100,
        });
        const done = performance.now();
        if (!(await page.getAttribute('#result', 'data-json'))) throw new Error(`${name}: ${await page.textContent('#error')}`);
        const progress = (await page.evaluate(() => (globalThis as unknown as { __refractorProgress: { phase: string; t: number }[] }).__refractorProgress)) as { phase: string; t: number }[];
        await page.close();
        const scored = progress.filter((p) => p.phase === 'score').map((p) => p.t);
        const firstFeatures = progress.find((p) => p.phase === 'analyze')!.t;
        const visit = { readyS: (ready - opened) / 1000, firstResultS: (done - opened) / 1000 };
        if (round > 0) arm.warm.push(visit);
        console.log(
          `[http cache] ${round === 0 ? 'cold' : `warm ${round}`}, ${name}: models ready ${visit.readyS.toFixed(2)} s; first result after page open ${visit.firstResultS.toFixed(2)} s; ` +
            `first chunk ${(scored[0]! - firstFeatures).toFixed(0)} ms, then ${((scored.at(-1)! - scored[0]!) / (scored.length - 1)).toFixed(0)} ms per chunk`,
        );
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const [name, arm] of Object.entries(arms))
      console.log(`[http cache] ${name}, median of ${arm.warm.length} warm visits: models ready ${median(arm.warm.map((v) => v.readyS)).toFixed(2)} s, first result ${median(arm.warm.map((v) => v.firstResultS)).toFixed(2)} s`);
  } finally {
    for (const arm of Object.values(arms)) {
      await arm.context.close();
      await arm.server.close();
      rmSync(arm.profile, { recursive: true, force: true });
    }
  }
}, 1_800_000);
