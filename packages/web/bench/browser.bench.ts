/**
 * Real-size browser benchmark (run by `pnpm bench`, not by `pnpm test`): the
 * demo page in Debian's Chromium scores examples/clip.ogg with the real-size
 * CLAP (the bench models' single-file copies, served from 127.0.0.1 with
 * COOP/COEP so WASM runs 2 threads), fp32 and q8, without and with a concept
 * (`?concept=`: the real-size DeBERTa as one 735 MB file, as the hub serves
 * it). Each case is two visits in one browser profile: cold (empty caches)
 * and warm (models in Cache Storage, the concept in IndexedDB). Per visit it
 * prints the figures of issue #24's table — models loaded, first result
 * after page open, chunks/s, Chromium peak RSS (all its processes, sampled
 * every 200 ms; PSS at each new RSS high and once a second) — plus the
 * longest still gap of the status line while loading and while scoring, the
 * longest main-thread stall (a 50 ms timer in the page), the bytes
 * downloaded, and whether the text encoder was opened.
 * First it measures the baseline those figures are read against in the same
 * run: Chromium's own memory on about:blank (the floor under any page's RSS
 * sum) and onnxruntime-web alone running the same CLAP graph (the ceiling on
 * chunks/s, bench/ceiling/); each visit then prints its share of both.
 *
 * Needs `pnpm bench:models --web` (bench-web, bench-web-full) and
 * /usr/bin/chromium; says so and skips otherwise. `REFRACTOR_BENCH_CASES='q8;concept'`
 * picks cases by name; `REFRACTOR_BENCH_DEVICE=webgpu` runs on WebGPU (SwiftShader here).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, it } from 'vitest';
import { chromiumMissing, launchChromiumProfile } from '../test/browser/chromium.js';
import { startStaticServer } from '../test/browser/server.js';
import { WEB_SESSION_DEFAULTS } from '../src/backend.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const demoDir = resolve(here, '../dist-demo');
const benchWeb = join(process.env.REFRACTOR_BENCH_MODELS || join(homedir(), '.cache', 'refractor', 'bench-models'), 'bench-web');
/** `REFRACTOR_BENCH_CLIP=<file>` scores another file (e.g. a shorter one for the slow SwiftShader WebGPU runs). */
const clip = process.env.REFRACTOR_BENCH_CLIP || join(repoRoot, 'examples', 'clip.ogg');
/** `REFRACTOR_BENCH_WARM=0`: the cold visit only. */
const warmVisit = process.env.REFRACTOR_BENCH_WARM !== '0';

/** A process and all its descendants, from /proc. */
function treeProcesses(root: number): number[] {
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
  const tree: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** The RSS sum and the largest RSS of `pids` (MB), from /proc/<pid>/status: cheap to read. */
function rssMB(pids: number[]): { rss: number; largest: number; processes: number } {
  let rss = 0;
  let largest = 0;
  let processes = 0;
  for (const pid of pids) {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      rss += kb;
      largest = Math.max(largest, kb);
      processes++;
    } catch {
      // gone
    }
  }
  return { rss: rss / 1024, largest: largest / 1024, processes };
}

/**
 * The PSS sum of `pids` (MB), from /proc/<pid>/smaps_rollup. The kernel walks
 * each process's page tables for it: ~19 ms of CPU for Chromium's tree with
 * the fp32 CLAP loaded, so the sampler reads it only now and then.
 */
function pssMB(pids: number[]): number {
  let pss = 0;
  for (const pid of pids) {
    try {
      pss += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return pss / 1024;
}

/**
 * Memory (MB) of a process and all its descendants: the RSS sum (the issue's
 * figure; it counts pages shared between Chromium's processes, such as the
 * zygote's code, once per process), the PSS sum (shared pages split among
 * their sharers: what the tree really holds), and the largest single
 * process's RSS (the renderer holding the models).
 */
function treeMemoryMB(root: number): { rss: number; pss: number; largest: number; processes: number } {
  const pids = treeProcesses(root);
  return { ...rssMB(pids), pss: pssMB(pids) };
}

const benchWebFull = join(dirname(benchWeb), 'bench-web-full');
const CONCEPT = 'A song about forgetting the future';
const skip = chromiumMissing() ?? (existsSync(join(benchWeb, 'clap', 'onnx', 'audio_model.onnx')) ? null : `no bench-web models in ${benchWeb}: run \`pnpm bench:models --web\``);
const skipFull = existsSync(join(benchWebFull, 'text', 'onnx', 'model.onnx')) ? null : `no bench-web-full models in ${benchWebFull}: run \`pnpm bench:models --web\` (without --only clap)`;

/** Chromium's root process on `profile` (playwright-core keeps the handle to itself; found by its flags and profile, not another helper's browser). */
function chromiumRootPid(profile: string): number {
  return Number(
    readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .find((pid) => {
        try {
          const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          return cmd.includes('chromium') && cmd.includes('--remote-debugging-pipe') && cmd.includes(profile) && !cmd.includes('--type=');
        } catch {
          return false;
        }
      }),
  );
}

/**
 * Reads the tree's memory into `sample` every 200 ms until the returned timer
 * is cleared: the RSS figures every time, the PSS sum at every new RSS high
 * (where its peak is) and once a second, since reading it costs CPU on the
 * cores the models run on. The baseline's ceiling runs under it too.
 */
function sampleMemory(rootPid: number, sample: Sample): NodeJS.Timeout {
  let ticks = 0;
  let lastPss = 0;
  return setInterval(() => {
    const pids = treeProcesses(rootPid);
    const now = rssMB(pids);
    if (ticks++ % 5 === 0 || now.rss >= sample.peak) lastPss = pssMB(pids);
    const reading = { ...now, pss: lastPss };
    sample.readings.push({ t: performance.now(), ...reading });
    sample.peak = Math.max(sample.peak, reading.rss);
    sample.pss = Math.max(sample.pss, reading.pss);
    sample.largest = Math.max(sample.largest, reading.largest);
    if (sample.scoring) {
      sample.scoring.peak = Math.max(sample.scoring.peak, reading.rss);
      sample.scoring.pss = Math.max(sample.scoring.pss, reading.pss);
      sample.scoring.largest = Math.max(sample.scoring.largest, reading.largest);
    }
  }, 200);
}

/** Peaks over a visit, in MB. */
interface Sample {
  peak: number;
  pss: number;
  largest: number;
  /** The same peaks since the models were loaded (while scoring): what the tab holds once the text encoder is gone. */
  scoring: { peak: number; pss: number; largest: number } | undefined;
  /** Every reading of the visit (performance.now(), MB), to place the peak on the timeline. */
  readings: { t: number; rss: number; pss: number; largest: number }[];
}

interface Visit {
  loadedS: number;
  firstResultS: number;
  scoreS: number;
  chunks: number;
  chunksPerS: number;
  backend: string;
  isolated: boolean;
  peakMB: number;
  peakPssMB: number;
  peakLargestMB: number;
  /** Peaks (RSS sum, PSS sum, largest process) from "models loaded" to the result. */
  scoringMB: { peak: number; pss: number; largest: number };
  /** Longest time the status line stood still while scoring, and while loading. */
  stillScoringS: number;
  stillLoadingS: number;
  /** Longest gap between the page's main-thread heartbeats (50 ms timer): how long the page itself froze. */
  mainThreadStallS: number;
  textEncoderOpened: boolean;
  downloadedMB: number;
  /** The page's result (its data-json), for comparing outputs between runs (`REFRACTOR_BENCH_SAVE`). */
  json: string;
  /** Where the loading time went: each init step and each file's first and last download event, seconds after page open. */
  timeline: string;
  /** When the RSS sum peaked, seconds after page open. */
  peakAtS: number;
  /** The RSS sum / largest process at each second after page open (the largest reading in that second), MB. */
  memoryBySecond: string;
}

/** When the RSS sum peaked, and the largest reading of each second (RSS sum / largest process), from a visit's readings. */
function memoryTimeline(readings: Sample['readings'], opened: number): { peakAtS: number; memoryBySecond: string } {
  const visit = readings.filter((r) => r.t >= opened);
  const peak = visit.reduce((best, r) => (r.rss > best.rss ? r : best), visit[0] ?? { t: opened, rss: 0, pss: 0, largest: 0 });
  const seconds = new Map<number, { rss: number; largest: number }>();
  for (const r of visit) {
    const second = Math.floor((r.t - opened) / 1000);
    const known = seconds.get(second);
    if (!known || r.rss > known.rss) seconds.set(second, { rss: r.rss, largest: r.largest });
  }
  const memoryBySecond = [...seconds].map(([second, r]) => `${second}:${r.rss.toFixed(0)}/${r.largest.toFixed(0)}`).join(' ');
  return { peakAtS: (peak.t - opened) / 1000, memoryBySecond };
}

/** One visit: open the page, wait for the models, score clip.ogg, collect the figures. */
async function visit(page: Page, origin: string, query: string, sample: Sample): Promise<Visit> {
  const statusChanges: { t: number; text: string }[] = [];
  await page.exposeFunction('__benchStatus', (text: string) => statusChanges.push({ t: performance.now(), text }));
  await page.addInitScript(() => {
    const g = globalThis as unknown as { document: Document; MutationObserver: typeof MutationObserver; __benchStatus(text: string): void; __beats: number[] };
    g.__beats = [];
    setInterval(() => g.__beats.push(performance.timeOrigin + performance.now()), 50);
    g.document.addEventListener('DOMContentLoaded', () => {
      const status = g.document.querySelector('#status')!;
      new g.MutationObserver(() => g.__benchStatus(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
    });
  });
  Object.assign(sample, { peak: 0, pss: 0, largest: 0, scoring: undefined, readings: [] });
  const opened = performance.now();
  const openedEpoch = Date.now();
  await page.goto(`${origin}/?${query}`, { waitUntil: 'load' });
  const isolated = await page.evaluate(() => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated);
  await page.waitForFunction(() => !/Loading models|Reading cached|Downloading|Starting/.test((globalThis as unknown as { document: Document }).document.querySelector('#status')?.textContent ?? ''), undefined, {
    timeout: 900_000,
    polling: 100,
  });
  const loaded = performance.now();
  sample.scoring = { peak: 0, pss: 0, largest: 0 };
  const loadStatus = await page.textContent('#status');
  if (!/^Ready/.test(loadStatus ?? '')) throw new Error(`the page did not load: ${loadStatus} ${await page.textContent('#error')}`);
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
  const song = JSON.parse(json) as { chunk_count: number; settings: { backend: string } };
  const progress = (await page.evaluate(() => (globalThis as unknown as { __refractorProgress: unknown[] }).__refractorProgress)) as {
    phase: string;
    role?: string;
    message?: string;
    loaded?: number;
    cached?: boolean;
    url?: string;
  }[];
  const beats = (await page.evaluate(() => (globalThis as unknown as { __beats: number[] }).__beats)).filter((t) => t >= openedEpoch);
  const stillGap = (from: number, to: number) => {
    const times = [from, ...statusChanges.filter((c) => c.t >= from && c.t <= to).map((c) => c.t), to];
    return Math.max(...times.map((t, i) => (i ? t - times[i - 1]! : 0))) / 1000;
  };
  const scored = statusChanges.filter((c) => c.t >= fileSet && c.t <= done && c.text.startsWith('Scoring'));
  // Between the first and the last chunk's status: the encoder's pace once running. A batched run
  // (WebGPU: the whole clip in one run) reports its chunks all at once, so there it is the whole scoring.
  const spreadS = scored.length > 1 ? (scored.at(-1)!.t - scored[0]!.t) / 1000 : 0;
  const batched = spreadS < 0.05 * ((done - fileSet) / 1000);
  const encodeS = batched ? (done - fileSet) / 1000 / song.chunk_count : spreadS / (scored.length - 1);
  const lastByUrl = new Map<string, number>();
  for (const p of progress) if (p.phase === 'download' && !p.cached && p.url) lastByUrl.set(p.url, p.loaded ?? 0);
  return {
    loadedS: (loaded - opened) / 1000,
    firstResultS: (done - opened) / 1000,
    scoreS: (done - fileSet) / 1000,
    chunks: song.chunk_count,
    chunksPerS: 1 / encodeS,
    backend: song.settings.backend,
    isolated,
    peakMB: sample.peak,
    peakPssMB: sample.pss,
    peakLargestMB: sample.largest,
    scoringMB: { ...sample.scoring! },
    stillScoringS: stillGap(fileSet, done),
    stillLoadingS: stillGap(opened, loaded),
    mainThreadStallS: Math.max(0, ...beats.map((t, i) => (i ? t - beats[i - 1]! : 0))) / 1000,
    textEncoderOpened: progress.some((p) => p.phase === 'init' && /concept encoder/.test(p.message ?? '')),
    downloadedMB: [...lastByUrl.values()].reduce((a, b) => a + b, 0) / 1e6,
    json,
    ...memoryTimeline(sample.readings, opened),
    timeline: loadTimeline(progress as { phase: string; role?: string; message?: string; t?: number; cached?: boolean }[], await page.evaluate(() => performance.timeOrigin), openedEpoch, (fileSet - opened) / 1000),
  };
}

/** The page's progress events as `seconds:step` (times are the page's, from its own time origin; shifted to page open). */
function loadTimeline(progress: { phase: string; role?: string; message?: string; t?: number; cached?: boolean }[], timeOrigin: number, openedEpoch: number, fileSetS: number): string {
  const at = (t: number | undefined) => ((timeOrigin + (t ?? 0) - openedEpoch) / 1000).toFixed(1);
  const steps: string[] = [];
  const downloads = new Map<string, { first: number; last: number }>();
  for (const p of progress) {
    if (p.phase === 'init') steps.push(`${at(p.t)} ${p.message}`);
    else if (p.phase === 'download' && p.role) {
      const d = downloads.get(p.role) ?? { first: p.t ?? 0, last: p.t ?? 0 };
      d.last = p.t ?? 0;
      if (!downloads.has(p.role)) steps.push(`${at(p.t)} ${p.role} ${p.cached ? 'cache read' : 'download'} starts`);
      downloads.set(p.role, d);
    } else if (p.phase === 'score' && !steps.some((s) => s.includes('first chunk'))) steps.push(`${at(p.t)} first chunk scored`);
  }
  for (const [role, d] of downloads) steps.push(`${at(d.last)} ${role} in memory`);
  steps.push(`${fileSetS.toFixed(1)} file set`);
  return steps.sort((a, b) => parseFloat(a) - parseFloat(b)).join(' | ');
}

const line = (label: string, v: Visit, dtype?: 'fp32' | 'q8') =>
  `[browser bench] ${label}: ${v.backend}, isolated ${v.isolated}; models loaded ${v.loadedS.toFixed(1)} s; first result after page open ${v.firstResultS.toFixed(1)} s ` +
  `(clip.ogg, ${v.chunks} chunks, scored in ${v.scoreS.toFixed(1)} s); ${v.chunksPerS.toFixed(2)} chunks/s; Chromium peak RSS ${v.peakMB.toFixed(0)} MB (PSS ${v.peakPssMB.toFixed(0)} MB, largest process ${v.peakLargestMB.toFixed(0)} MB; while scoring ${v.scoringMB.peak.toFixed(0)} / ${v.scoringMB.pss.toFixed(0)} / ${v.scoringMB.largest.toFixed(0)} MB); ` +
  `status still ≤ ${v.stillScoringS.toFixed(1)} s scoring, ${v.stillLoadingS.toFixed(1)} s loading; main thread stalled ≤ ${v.mainThreadStallS.toFixed(2)} s; ` +
  `downloaded ${v.downloadedMB.toFixed(0)} MB; text encoder ${v.textEncoderOpened ? 'opened' : 'not opened'}` +
  againstBaseline(v, dtype);

/**
 * What every visit is read against, measured at the start of the same run
 * (machines are noisy): the floor, Chromium itself with nothing but
 * about:blank open (same flags, a fresh profile), and the ceiling,
 * onnxruntime-web alone in a module worker (bench/ceiling/: no Refractor code)
 * running the same CLAP graph with the demo's session options and threads.
 */
const baseline: { floor?: { rss: number; pss: number }; msPerChunk: Partial<Record<'fp32' | 'q8', number>> } = { msPerChunk: {} };

/** A visit's speed as a share of the ceiling's, and its memory above the floor. */
function againstBaseline(v: Visit, dtype: 'fp32' | 'q8' | undefined): string {
  const parts: string[] = [];
  const ceiling = dtype && baseline.msPerChunk[dtype];
  if (ceiling) parts.push(`${((100 * v.chunksPerS * ceiling) / 1000).toFixed(0)} % of onnxruntime-web alone (${(1000 / ceiling).toFixed(2)} chunks/s)`);
  if (baseline.floor) parts.push(`peak RSS sum ${(v.peakMB - baseline.floor.rss).toFixed(0)} MB above about:blank's (PSS ${(v.peakPssMB - baseline.floor.pss).toFixed(0)} MB)`);
  return parts.length ? `; ${parts.join('; ')}` : '';
}

const CASES = [
  { name: 'CLAP only, fp32', dir: 'web', dtype: 'fp32', query: 'dtype=fp32' },
  { name: 'CLAP only, q8', dir: 'web', dtype: 'q8', query: 'dtype=q8' },
  { name: 'CLAP + DeBERTa, concept, fp32', dir: 'full', dtype: 'fp32', query: `dtype=fp32&concept=${encodeURIComponent(CONCEPT)}` },
  // There is no quantized DeBERTa graph in the bench set: q8 CLAP, fp32 text encoder.
  { name: 'CLAP q8 + DeBERTa fp32, concept', dir: 'full', dtype: 'q8', query: `dtype=q8&text_dtype=fp32&concept=${encodeURIComponent(CONCEPT)}` },
] as const;

/** `REFRACTOR_BENCH_CASES='CLAP only, fp32;concept, fp32'` (substrings of the names, `;`-separated) runs some cases only. */
const only = (process.env.REFRACTOR_BENCH_CASES ?? '').split(';').filter(Boolean);
/** `REFRACTOR_BENCH_QUERY='ort=noprepack'`: more demo parameters for every case (onnxruntime-web session options: noprepack, noarena, nopattern). */
const extraQuery = process.env.REFRACTOR_BENCH_QUERY ?? '';
/**
 * `REFRACTOR_BENCH_SAVE=<dir>`: writes each visit's result there as JSON and, when a file of the same case
 * from another run is named by `REFRACTOR_BENCH_COMPARE=<dir>`, prints the largest |difference| of every
 * probability and confidence against it (e.g. session options, WebGPU vs WASM).
 */
const saveDir = process.env.REFRACTOR_BENCH_SAVE;
const compareDir = process.env.REFRACTOR_BENCH_COMPARE;

type SongNumbers = { confidence: number; color_probs: Record<string, number>; chunks: { confidence: number; color_probs: Record<string, number> }[] };
/** The largest |difference| over the song's and every chunk's probabilities and confidences (Infinity when the shapes differ). */
function maxSongDiff(a: SongNumbers, b: SongNumbers): number {
  if (a.chunks.length !== b.chunks.length) return Infinity;
  const pairs: [number, number][] = [[a.confidence, b.confidence]];
  const probs = (x: Record<string, number>, y: Record<string, number>) => Object.keys(y).forEach((k) => pairs.push([x[k] ?? Infinity, y[k]!]));
  probs(a.color_probs, b.color_probs);
  a.chunks.forEach((chunk, i) => {
    pairs.push([chunk.confidence, b.chunks[i]!.confidence]);
    probs(chunk.color_probs, b.chunks[i]!.color_probs);
  });
  return Math.max(...pairs.map(([x, y]) => Math.abs(x - y)));
}

function saveAndCompare(label: string, v: Visit): void {
  const file = `${label.replace(/[^\w]+/g, '_')}.json`;
  if (saveDir) {
    mkdirSync(saveDir, { recursive: true });
    writeFileSync(join(saveDir, file), v.json);
  }
  if (compareDir && existsSync(join(compareDir, file))) {
    const diff = maxSongDiff(JSON.parse(v.json) as SongNumbers, JSON.parse(readFileSync(join(compareDir, file), 'utf8')) as SongNumbers);
    console.log(`[browser bench] ${label}: max |diff| of every probability and confidence vs ${join(compareDir, file)}: ${diff.toExponential(2)}`);
  }
}
const device = process.env.REFRACTOR_BENCH_DEVICE === 'webgpu' ? 'webgpu' : 'wasm';
/**
 * Static files (the demo's scripts, onnxruntime-web's WASM) are served as a
 * typical host serves them, revalidated by ETag, so a returning visitor's
 * Chromium reuses the machine code it optimized for onnxruntime-web's 12 MB
 * WASM module on the first visit (its code cache keys on the HTTP cache
 * entry). `REFRACTOR_BENCH_HTTP_CACHE=0` serves them `no-store`: every visit
 * compiles that module again, and its background optimization takes turns
 * with the model runs on the same cores. Model files are `no-store` either
 * way: the app's own Cache Storage is what makes them warm.
 */
const httpCache = process.env.REFRACTOR_BENCH_HTTP_CACHE !== '0';
const revalidate = (...prefixes: string[]) => ({ revalidate: httpCache ? prefixes : [] });

describe(`real-size models in Chromium (${device})`, () => {
  it('baseline: Chromium on about:blank (floor) and onnxruntime-web alone (ceiling)', async () => {
    if (skip) {
      console.log(`[browser bench] baseline: skipped: ${skip}`);
      return;
    }
    console.log(`[browser bench] static files (the demo's scripts, onnxruntime-web's WASM): ${httpCache ? 'revalidated by ETag, kept in the HTTP cache' : 'no-store (REFRACTOR_BENCH_HTTP_CACHE=0)'}`);
    const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
    const server = await startStaticServer(demoDir, { '/models/bench/': benchWeb, '/bench-ceiling/': join(here, 'ceiling'), '/ort-dist/': ortDist }, revalidate('/bench-ceiling/', '/ort-dist/'));
    const profile = mkdtempSync(join(tmpdir(), 'refractor-bench-profile-'));
    const context = await launchChromiumProfile(profile);
    let sampler: NodeJS.Timeout | undefined;
    try {
      const rootPid = chromiumRootPid(profile);
      if (!rootPid) throw new Error(`no Chromium process found for profile ${profile}`);
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto('about:blank');
      await page.waitForTimeout(3000); // the helper processes Chromium starts with settle within a second or two
      const floor = treeMemoryMB(rootPid);
      baseline.floor = floor;
      console.log(`[browser bench] floor: Chromium (${floor.processes} processes) on about:blank: RSS sum ${floor.rss.toFixed(0)} MB, PSS ${floor.pss.toFixed(0)} MB, largest process ${floor.largest.toFixed(0)} MB`);
      if (device !== 'wasm') return;
      sampler = sampleMemory(rootPid, { peak: 0, pss: 0, largest: 0, scoring: undefined, readings: [] });
      await page.goto(`${server.origin}/bench-ceiling/index.html`);
      // The demo's thread count: min(4, hardwareConcurrency) when cross-origin isolated (backend.ts).
      const ceiling = (file: string, runs: number) =>
        page.evaluate(async (r) => {
          const threads = Math.min(4, navigator.hardwareConcurrency);
          return { threads, ...((await (globalThis as unknown as { ceiling(x: unknown): Promise<object> }).ceiling({ ...r, threads })) as object) };
        }, { model: `/models/bench/clap/onnx/${file}`, runs, sessionOptions: WEB_SESSION_DEFAULTS }) as Promise<{ threads: number; openS: number; times: number[] }>;
      // A first worker compiles onnxruntime-web's WASM and lets it be optimized (and, with the HTTP cache, kept), as a returning visitor's would have been.
      await ceiling('audio_model_quantized.onnx', 3);
      for (const [dtype, file] of [['fp32', 'audio_model.onnx'], ['q8', 'audio_model_quantized.onnx']] as const) {
        if (only.length && !CASES.some((c) => c.dtype === dtype && only.some((o) => c.name.includes(o)))) continue;
        const result = await ceiling(file, 7);
        const warm = result.times.slice(1).sort((a, b) => a - b);
        const median = warm[Math.floor(warm.length / 2)]!;
        baseline.msPerChunk[dtype] = median;
        console.log(
          `[browser bench] ceiling: onnxruntime-web alone, CLAP ${dtype}, wasm, ${result.threads} threads: opened in ${result.openS.toFixed(1)} s; ` +
            `median ${median.toFixed(0)} ms per chunk (${(1000 / median).toFixed(2)} chunks/s) over ${warm.length} runs after the first (${result.times[0]!.toFixed(0)} ms)`,
        );
      }
    } finally {
      clearInterval(sampler);
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it.each(CASES.filter((c) => only.length === 0 || only.some((o) => c.name.includes(o))))('$name', async ({ name, dir, dtype, query }) => {
    const why = skip ?? (dir === 'full' ? skipFull : null);
    if (why) {
      console.log(`[browser bench] ${name}: skipped: ${why}`);
      return;
    }
    const server = await startStaticServer(demoDir, { '/models/bench/': dir === 'full' ? benchWebFull : benchWeb }, revalidate('/assets/', '/ort/'));
    // A fresh profile on disk, as a first-time visitor's: Cache Storage and IndexedDB persist between the two visits.
    const profile = mkdtempSync(join(tmpdir(), 'refractor-bench-profile-'));
    const context = await launchChromiumProfile(profile, { webgpu: device === 'webgpu' });
    const rootPid = chromiumRootPid(profile);
    if (!rootPid) throw new Error(`no Chromium process found for profile ${profile}`);
    const sample: Sample = { peak: 0, pss: 0, largest: 0, scoring: undefined, readings: [] };
    const sampler = sampleMemory(rootPid, sample);
    try {
      const url = `models=/models/bench/&device=${device}&${query}${extraQuery ? `&${extraQuery}` : ''}`;
      const first = await context.newPage();
      const cold = await visit(first, server.origin, url, sample);
      await first.close();
      console.log(line(`${name} (cold cache)`, cold, dtype));
      console.log(`[browser bench] ${name} (cold cache) timeline (s after page open): ${cold.timeline}`);
      console.log(`[browser bench] ${name} (cold cache) memory (s after page open: RSS sum / largest process, MB; peak at ${cold.peakAtS.toFixed(1)} s): ${cold.memoryBySecond}`);
      saveAndCompare(`${name} cold`, cold);
      if (warmVisit) {
        const second = await context.newPage();
        const warm = await visit(second, server.origin, url, sample);
        console.log(line(`${name} (warm cache)`, warm, dtype));
        console.log(`[browser bench] ${name} (warm cache) timeline (s after page open): ${warm.timeline}`);
        console.log(`[browser bench] ${name} (warm cache) memory (s after page open: RSS sum / largest process, MB; peak at ${warm.peakAtS.toFixed(1)} s): ${warm.memoryBySecond}`);
        saveAndCompare(`${name} warm`, warm);
      }
    } finally {
      clearInterval(sampler);
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
