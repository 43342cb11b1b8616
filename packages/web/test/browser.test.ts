/**
 * Real-browser end-to-end test of the demo page (packages/web/dist-demo, built
 * by `pnpm --filter @refractor/web build`): Debian's Chromium, driven by
 * playwright-core, scores a generated WAV with onnxruntime-web (WASM) and the
 * result must equal the Node scorer's on the same file and settings. Also: an
 * unreadable file shows an error, and (non-fatally) the WebGPU path on a
 * SwiftShader adapter.
 *
 * Skips, with a message, when /usr/bin/chromium is absent
 * (scripts/install-system-deps.sh installs it).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Refractor } from '@refractor/node';
import { endOfTrack, off, on, smf, makeWav, sine } from '@refractor/test-helpers';
import { chromiumMissing, launchChromium } from './browser/chromium.js';
import { startStaticServer, type StaticServer } from './browser/server.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const demoDir = process.env.REFRACTOR_WEB_DEMO_DIR ?? resolve(here, '../dist-demo');
const tinyDir = join(repoRoot, 'models/tiny');
const artifacts = join(repoRoot, 'test-artifacts');

const CONCEPT = 'A song about forgetting the future';
const TARGET = 'Blue';
const missing = chromiumMissing();

interface ChunkJson {
  start_s: number;
  end_s: number;
  predicted_color: string;
  confidence: number;
  color_probs: Record<string, number>;
}
interface SongJson {
  predicted_color: string;
  predicted_color_by_probs: string;
  confidence: number;
  color_probs: Record<string, number>;
  chunk_count: number;
  chunks: ChunkJson[];
  target_color?: string;
  chromatic_match?: number;
  drift?: unknown;
  settings?: { backend?: string; [key: string]: unknown };
}

/**
 * 40 s of stereo tones at 44.1 kHz (three 30 s chunks at the default 5 s
 * stride) whose timbre changes at 7 s and 14 s, so each chunk's 10 s crop differs.
 */
function writeSong(dir: string): string {
  const rate = 44100;
  const seconds = 40;
  const left = sine(220, seconds, rate, 0.3);
  const right = sine(330, seconds, rate, 0.2);
  for (let i = 7 * rate; i < 14 * rate; i++) left[i] = 0.25 * Math.sign(Math.sin((2 * Math.PI * 1760 * i) / rate)); // a square wave
  for (let i = 14 * rate; i < left.length; i++) {
    const t = i / rate - 14;
    left[i] = 0.2 * Math.sin(2 * Math.PI * (440 + 100 * t) * t); // a rising chirp
    right[i] = 0.1 * Math.sin(2 * Math.PI * 3520 * t);
  }
  const path = join(dir, 'song.wav');
  writeFileSync(path, makeWav({ sampleRate: rate, channels: [left, right], bits: 16 }));
  return path;
}

/** Random bytes wearing a .wav name. */
function writeJunk(dir: string): string {
  const bytes = new Uint8Array(64 * 1024);
  let state = 0x9e3779b9;
  for (let i = 0; i < bytes.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  const path = join(dir, 'not-audio.wav');
  writeFileSync(path, bytes);
  return path;
}

type Outcome = { kind: 'result'; json: string } | { kind: 'error'; message: string };

/** Opens the demo with `query`, fills the form, sets the file and waits for `#result[data-json]` or a visible `#error`. */
async function scoreInPage(page: Page, origin: string, query: string, file: string, timeoutMs: number): Promise<Outcome> {
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  try {
    await page.goto(`${origin}/?${query}`, { waitUntil: 'load', timeout: 20_000 });
    expect(await page.inputValue('#crop'), '#crop defaults to start').toBe('start');
    expect(await page.isVisible('#result'), '#result is hidden before a file is set').toBe(false);
    await page.fill('#concept', CONCEPT);
    await page.selectOption('#target', TARGET);
    await page.setInputFiles('#file-input', file);
    const handle = await page.waitForFunction(
      () => {
        // In the page (typed without the DOM lib, like the rest of the tests).
        type El = { hidden: boolean; textContent: string | null; getAttribute(name: string): string | null };
        const doc = (globalThis as unknown as { document: { querySelector(selector: string): El | null } }).document;
        const result = doc.querySelector('#result');
        const json = result?.getAttribute('data-json');
        if (result && json && !result.hidden) return { kind: 'result', json };
        const error = doc.querySelector('#error');
        if (error && !error.hidden && error.textContent?.trim()) return { kind: 'error', message: error.textContent.trim() };
        return null;
      },
      undefined,
      { timeout: timeoutMs, polling: 100 },
    );
    return (await handle.jsonValue()) as Outcome;
  } catch (error) {
    const status = await page.textContent('#status').catch(() => '(unreadable)');
    throw new Error(`${(error as Error).message}\n#status: ${status}\npage console:\n${logs.slice(-30).join('\n')}`);
  }
}

function expectProbsClose(actual: Record<string, number>, expected: Record<string, number>, tolerance: number, where: string) {
  expect(Object.keys(actual).sort(), `${where}: colors`).toEqual(Object.keys(expected).sort());
  for (const [color, p] of Object.entries(expected)) {
    const diff = Math.abs(actual[color]! - p);
    if (!(diff <= tolerance)) expect.fail(`${where}: ${color} is ${actual[color]} in the browser, ${p} in Node (|diff| ${diff} > ${tolerance})`);
  }
}

/** The largest |difference| over every probability and confidence of the two results. */
function maxDiff(web: SongJson, node: SongJson): number {
  const pairs: [number | undefined, number | undefined][] = [[web.confidence, node.confidence]];
  for (const color of Object.keys(node.color_probs)) pairs.push([web.color_probs[color], node.color_probs[color]]);
  node.chunks.forEach((chunk, i) => {
    pairs.push([web.chunks[i]?.confidence, chunk.confidence]);
    for (const color of Object.keys(chunk.color_probs)) pairs.push([web.chunks[i]?.color_probs[color], chunk.color_probs[color]]);
  });
  return Math.max(...pairs.map(([a, b]) => (a === undefined || b === undefined ? Infinity : Math.abs(a - b))));
}

/** Same colors (both rules), chunk count, chunk colors and every probability within `tolerance`. */
function expectSameSong(web: SongJson, node: SongJson, tolerance: number) {
  expect(web.predicted_color).toBe(node.predicted_color);
  expect(web.predicted_color_by_probs).toBe(node.predicted_color_by_probs);
  expect(web.chunk_count).toBe(node.chunk_count);
  expect(web.chunks.length).toBe(node.chunks.length);
  expect(Math.abs(web.confidence - node.confidence)).toBeLessThanOrEqual(tolerance);
  expectProbsClose(web.color_probs, node.color_probs, tolerance, 'song');
  web.chunks.forEach((chunk, i) => {
    const expected = node.chunks[i]!;
    expect(chunk.predicted_color, `chunk ${i} color`).toBe(expected.predicted_color);
    expect(chunk.start_s, `chunk ${i} start`).toBeCloseTo(expected.start_s, 6);
    expect(chunk.end_s, `chunk ${i} end`).toBeCloseTo(expected.end_s, 6);
    expect(Math.abs(chunk.confidence - expected.confidence), `chunk ${i} confidence`).toBeLessThanOrEqual(tolerance);
    expectProbsClose(chunk.color_probs, expected.color_probs, tolerance, `chunk ${i}`);
  });
  expect(web.target_color).toBe(node.target_color);
  expect(web.drift).toBeDefined();
  expect(Math.abs(web.chromatic_match! - node.chromatic_match!)).toBeLessThanOrEqual(tolerance);
}

describe('the demo page in a real browser', () => {
  let work: string;
  let server: StaticServer;
  let browser: Browser;
  let song: string;
  let nodeResult: SongJson;

  beforeAll(async () => {
    if (missing) {
      console.log(`[browser e2e] skipped: ${missing}`);
      return;
    }
    if (!existsSync(join(demoDir, 'index.html'))) {
      throw new Error(`no built demo at ${demoDir}: run \`npx -y pnpm@10 --filter @refractor/web build\` first`);
    }
    work = mkdtempSync(join(tmpdir(), 'refractor-web-e2e-'));
    song = writeSong(work);
    server = await startStaticServer(demoDir, { '/models/tiny/': tinyDir });
    const t0 = performance.now();
    const [launched, scored] = await Promise.allSettled([
      launchChromium(),
      (async () => {
        const refractor = await Refractor.load({ models: 'tiny', offline: true });
        try {
          return (await refractor.scoreFile(song, { concept: CONCEPT, target: TARGET, crop: 'start' })) as unknown as SongJson;
        } finally {
          await refractor.close();
        }
      })(),
    ]);
    // Keep the browser even when the Node side failed, so afterAll closes it.
    if (launched.status === 'fulfilled') browser = launched.value;
    if (launched.status === 'rejected') throw launched.reason;
    if (scored.status === 'rejected') throw scored.reason;
    // Round-trip through JSON, as the page's data-json does.
    nodeResult = JSON.parse(JSON.stringify(scored.value)) as SongJson;
    console.log(`[browser e2e] chromium ${browser.version()}; node scorer + launch ${Math.round(performance.now() - t0)} ms`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 20_000);

  it('scores a WAV with onnxruntime-web (WASM) exactly as the Node scorer does', async (context) => {
    if (missing) return context.skip(missing);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const foreign: string[] = [];
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(`${server.origin}/`) && !/^(data|blob):/.test(url)) foreign.push(url);
    });
    try {
      const t0 = performance.now();
      const outcome = await scoreInPage(page, server.origin, 'models=/models/tiny/&device=wasm', song, 90_000);
      const ms = Math.round(performance.now() - t0);
      if (outcome.kind === 'error') expect.fail(`the page showed an error: ${outcome.message}`);
      const web = JSON.parse(outcome.json) as SongJson;
      console.log(`[browser e2e] wasm: ${ms} ms, backend ${web.settings?.backend}, ${web.predicted_color}/${web.predicted_color_by_probs}, ${web.chunk_count} chunks, max |diff| vs node ${maxDiff(web, nodeResult).toExponential(2)}`);
      expect(web.settings?.backend).toMatch(/onnxruntime-web.*wasm/i);
      expect(web.chunk_count).toBeGreaterThanOrEqual(2);
      // Cross-origin isolated (threads), and everything came from the demo's own origin: ORT's
      // wasm from the built demo, the models from ?models=, nothing from a CDN.
      expect(await page.evaluate(() => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated)).toBe(true);
      expect(foreign, 'requests that left the demo origin').toEqual([]);
      expect(server.log.some((line) => /^200 \/.*\.wasm(\?|$)/.test(line)), `no .wasm served; requests:\n${server.log.join('\n')}`).toBe(true);
      expect(server.log).toContain('200 /models/tiny/refractor_cdm.onnx');
      expectSameSong(web, nodeResult, 1e-4);
      await expect.poll(() => page.isVisible('#error')).toBe(false);
      expect(await page.isVisible('#result')).toBe(true);
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'web-demo.png'), fullPage: true });
    } finally {
      await page.close();
    }
  }, 100_000);

  it('decodes and computes features in a worker of their own, with results bitwise equal to features computed in the inference worker', async (context) => {
    if (missing) return context.skip(missing);
    const score = async (query: string) => {
      const page = await browser.newPage();
      const from = server.log.length;
      try {
        const outcome = await scoreInPage(page, server.origin, `models=/models/tiny/&device=wasm${query}`, song, 90_000);
        if (outcome.kind === 'error') expect.fail(`${query || 'default'}: the page showed an error: ${outcome.message}`);
        return { song: JSON.parse(outcome.json) as SongJson, requests: server.log.slice(from) };
      } finally {
        await page.close();
      }
    };
    // Forced both ways: by default the worker is used only when a core is left beside onnxruntime-web's threads.
    const inWorker = await score('&features_worker=1');
    const inThread = await score('&features_worker=0');
    const fetched = (requests: string[]) => requests.some((line) => /^200 \/assets\/features-worker[^/]*\.js/.test(line));
    expect(fetched(inWorker.requests), `the features worker's script was not fetched:\n${inWorker.requests.join('\n')}`).toBe(true);
    expect(fetched(inThread.requests), 'features_worker=0 starts no features worker').toBe(false);
    expect(inWorker.song.chunk_count).toBeGreaterThanOrEqual(2);
    // Same code, same bytes: the same bits, chunk by chunk.
    expect(inWorker.song.chunks.map((c) => [c.start_s, c.end_s, c.color_probs, c.confidence])).toEqual(inThread.song.chunks.map((c) => [c.start_s, c.end_s, c.color_probs, c.confidence]));
    expect(inWorker.song.color_probs).toEqual(inThread.song.color_probs);
    expectSameSong(inWorker.song, nodeResult, 1e-4);
  }, 200_000);

  it('decodes Ogg Vorbis with our WebAssembly libvorbis, in the features worker and in the inference worker, as the Node scorer does', async (context) => {
    if (missing) return context.skip(missing);
    const clip = join(repoRoot, 'examples', 'clip.ogg');
    const refractor = await Refractor.load({ models: 'tiny', offline: true });
    let node: SongJson;
    try {
      node = JSON.parse(JSON.stringify(await refractor.scoreFile(clip, { concept: CONCEPT, target: TARGET, crop: 'start' }))) as SongJson;
    } finally {
      await refractor.close();
    }
    for (const query of ['&features_worker=1', '&features_worker=0']) {
      const page = await browser.newPage();
      try {
        // The decoder compiles asynchronously: a browser refuses a synchronous compile this size on the page's thread.
        const outcome = await scoreInPage(page, server.origin, `models=/models/tiny/&device=wasm${query}`, clip, 90_000);
        if (outcome.kind === 'error') expect.fail(`${query}: the page showed an error: ${outcome.message}`);
        const web = JSON.parse(outcome.json) as SongJson;
        expect(web.chunk_count, query).toBe(node.chunk_count);
        expectSameSong(web, node, 1e-4);
      } finally {
        await page.close();
      }
    }
  }, 200_000);

  it('a second visit with the same concept never fetches or opens the text encoder (IndexedDB concept cache), and scores the same', async (context) => {
    if (missing) return context.skip(missing);
    // One profile for both visits (Cache Storage and IndexedDB persist across pages of a context, as across visits).
    const visitor = await browser.newContext();
    type Progress = { phase: string; role?: string; message?: string; url?: string; cached?: boolean };
    const visit = async (label: string) => {
      const page = await visitor.newPage();
      const from = server.log.length;
      try {
        const outcome = await scoreInPage(page, server.origin, `models=/models/tiny/&device=wasm&concept=${encodeURIComponent(CONCEPT)}`, song, 90_000);
        if (outcome.kind === 'error') expect.fail(`${label}: the page showed an error: ${outcome.message}`);
        const progress = (await page.evaluate(() => (globalThis as unknown as { __refractorProgress: unknown[] }).__refractorProgress)) as Progress[];
        return { song: JSON.parse(outcome.json) as SongJson, progress, requests: server.log.slice(from) };
      } finally {
        await page.close();
      }
    };
    try {
      const first = await visit('first visit');
      const textEvents = (progress: Progress[]) => progress.filter((p) => (p.phase === 'download' && p.role?.startsWith('text.')) || (p.phase === 'init' && /concept encoder/.test(p.message ?? '')));
      // The first visit did open it (so the second visit's silence means something), before CLAP.
      expect(first.requests).toContain('200 /models/tiny/text/onnx/model.onnx');
      expect(textEvents(first.progress).some((p) => p.phase === 'init')).toBe(true);
      const opened = first.progress.findIndex((p) => p.phase === 'init' && /concept encoder/.test(p.message ?? ''));
      const clapAt = first.progress.findIndex((p) => p.phase === 'download' && p.role === 'clap.model');
      expect(opened, 'the text encoder opens before CLAP is fetched').toBeLessThan(clapAt);
      // In a worker of its own (its script was fetched), ended before CLAP is fetched: its WASM heap is gone by then.
      expect(first.requests.some((line) => /^200 \/assets\/text-worker[^/]*\.js/.test(line)), `the text encoder's worker script was not fetched:\n${first.requests.join('\n')}`).toBe(true);
      const released = first.progress.findIndex((p) => p.phase === 'init' && p.message === 'concept encoder released');
      expect(released, 'the text encoder is released (its worker ended) before CLAP is fetched').toBeGreaterThan(opened);
      expect(released).toBeLessThan(clapAt);
      expectSameSong(first.song, nodeResult, 1e-4);

      const second = await visit('second visit');
      expect(second.requests.filter((line) => line.includes('/text/')), 'requests for text files on the second visit').toEqual([]);
      expect(textEvents(second.progress), 'text encoder downloads or openings on the second visit').toEqual([]);
      expect(second.requests.filter((line) => line.includes('text-worker')), 'the text worker is not even started on the second visit').toEqual([]);
      // The stored embedding is the one computed: the same result to the bit.
      expect(second.song.color_probs).toEqual(first.song.color_probs);
      expect(second.song.chunks.map((c) => c.color_probs)).toEqual(first.song.chunks.map((c) => c.color_probs));
      console.log(`[browser e2e] concept cache: first visit ${first.requests.filter((l) => l.includes('/text/')).length} text requests, second visit 0; results equal`);
    } finally {
      await visitor.close();
    }
  }, 200_000);

  it('a model download cut midway shows an error naming the file, leaves nothing of it in Cache Storage, and the next visit downloads it whole', async (context) => {
    if (missing) return context.skip(missing);
    const clapPath = '/models/tiny/clap/onnx/audio_model.onnx';
    const clapUrl = `${server.origin}${clapPath}`;
    const cachedSize = (page: Page) =>
      page.evaluate(async (url) => {
        const cache = await (globalThis as unknown as { caches: CacheStorage }).caches.open('refractor-models');
        const hit = await cache.match(url);
        return hit ? (await hit.arrayBuffer()).byteLength : -1;
      }, clapUrl);
    // One profile for both visits: what the first leaves in Cache Storage, the second finds.
    const visitor = await browser.newContext();
    try {
      server.cutNext(clapPath, 100_000);
      const first = await visitor.newPage();
      try {
        await first.goto(`${server.origin}/?models=/models/tiny/&device=wasm`, { waitUntil: 'load', timeout: 20_000 });
        const error = await first.waitForSelector('#error:not([hidden])', { timeout: 60_000 }).then(() => first.textContent('#error'));
        expect(server.log).toContain(`200 ${clapPath} (cut after 100000 bytes)`);
        expect(error).toMatch(/audio_model\.onnx: cannot download model file clap\.model/);
        expect(await cachedSize(first), 'bytes of the cut file left in Cache Storage').toBe(-1);
      } finally {
        await first.close();
      }
      const from = server.log.length;
      const second = await visitor.newPage();
      try {
        const outcome = await scoreInPage(second, server.origin, 'models=/models/tiny/&device=wasm', song, 90_000);
        if (outcome.kind === 'error') expect.fail(`the second visit showed an error: ${outcome.message}`);
        expect(server.log.slice(from)).toContain(`200 ${clapPath}`);
        expectSameSong(JSON.parse(outcome.json) as SongJson, nodeResult, 1e-4);
        expect(await cachedSize(second)).toBe(statSync(join(tinyDir, 'clap/onnx/audio_model.onnx')).size);
      } finally {
        await second.close();
      }
    } finally {
      await visitor.close();
    }
  }, 180_000);

  it('shows an error, and no result, for a file that is not audio', async (context) => {
    if (missing) return context.skip(missing);
    const page = await browser.newPage();
    try {
      const outcome = await scoreInPage(page, server.origin, 'models=/models/tiny/&device=wasm', writeJunk(work), 30_000);
      expect(outcome.kind, `expected an error, got ${JSON.stringify(outcome).slice(0, 200)}`).toBe('error');
      const message = (outcome as { message: string }).message;
      console.log(`[browser e2e] junk file error: ${message}`);
      expect(message).toMatch(/wav|riff|audio|decod|format|unsupported|read|header/i);
      expect(await page.isVisible('#error')).toBe(true);
      expect(await page.isVisible('#result')).toBe(false);
      expect(await page.getAttribute('#result', 'data-json')).toBeFalsy();
    } finally {
      await page.close();
    }
  }, 45_000);

  it('offline, the default (hub) set fails and the error offers ?models=/models/tiny/; the concept label and a MIDI file without a concept say MIDI needs one', async (context) => {
    if (missing) return context.skip(missing);
    const page = await browser.newPage();
    const visibleError = () => page.waitForSelector('#error:not([hidden])', { timeout: 60_000 }).then(() => page.textContent('#error'));
    try {
      // No network to the hub: every request there fails as it would offline.
      await page.route(/^https:\/\/huggingface\.co\//, (route) => route.abort('internetdisconnected'));
      await page.goto(`${server.origin}/?device=wasm`, { waitUntil: 'load', timeout: 20_000 });
      expect(await visibleError()).toMatch(/^Could not load the models: .* Without access to the Hugging Face hub, open the page with \?models=\/models\/tiny\/ \(the tiny test set/);
      expect(await page.getAttribute('#error a', 'href')).toBe(`${server.origin}/?device=wasm&models=%2Fmodels%2Ftiny%2F`);
      expect(await page.textContent('label:has(#concept)')).toMatch(/^\s*Concept \(optional for audio; a MIDI file needs one\)/);

      // With the tiny set and its base model, a MIDI file and an empty concept: asked for one, nothing scored.
      const take = join(work, 'take.mid');
      writeFileSync(take, smf(0, 480, [[on(0, 60), off(480, 60), endOfTrack()]]));
      await page.goto(`${server.origin}/?models=/models/tiny/&base=/models/tiny/refractor.onnx&device=wasm`, { waitUntil: 'load', timeout: 20_000 });
      await page.setInputFiles('#file-input', take);
      expect(await visibleError()).toBe('take.mid is a MIDI file: the base model needs a concept; write one in the Concept field');
      expect(await page.isVisible('#result')).toBe(false);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('scores with WebGPU on a SwiftShader adapter when the browser offers one (non-fatal otherwise)', async (context) => {
    if (missing) return context.skip(missing);
    const t0 = performance.now();
    let gpuBrowser: Browser | undefined;
    try {
      gpuBrowser = await launchChromium({ webgpu: true });
      const page = await gpuBrowser.newPage();
      await page.goto(`${server.origin}/`, { waitUntil: 'load', timeout: 20_000 });
      const adapter = await page.evaluate(async () => {
        type Info = { vendor?: string; architecture?: string; description?: string };
        const gpu = (globalThis as unknown as { navigator: { gpu?: { requestAdapter(): Promise<{ info?: Info } | null> } } }).navigator.gpu;
        if (!gpu) return 'navigator.gpu is undefined';
        const found = await gpu.requestAdapter().catch(() => null);
        if (!found) return 'requestAdapter() returned null';
        const info = found.info ?? {};
        return `adapter ${[info.vendor, info.architecture, info.description].filter(Boolean).join('/') || '(no info)'}`;
      });
      if (!adapter.startsWith('adapter')) {
        console.log(`[browser e2e] WebGPU: not available here (${adapter}); skipped`);
        return;
      }
      let outcome: Outcome;
      try {
        outcome = await scoreInPage(page, server.origin, 'models=/models/tiny/&device=webgpu', song, 60_000);
      } catch (error) {
        console.log(`[browser e2e] WebGPU: ${adapter}, but scoring did not finish: ${(error as Error).message.split('\n')[0]}`);
        return;
      }
      if (outcome.kind === 'error') {
        console.log(`[browser e2e] WebGPU: ${adapter}, but the page showed an error: ${outcome.message}`);
        return;
      }
      const web = JSON.parse(outcome.json) as SongJson;
      console.log(`[browser e2e] WebGPU: ran in ${Math.round(performance.now() - t0)} ms on ${adapter}; backend ${web.settings?.backend}; ${web.predicted_color}/${web.predicted_color_by_probs} vs node ${nodeResult.predicted_color}/${nodeResult.predicted_color_by_probs}; max |diff| ${maxDiff(web, nodeResult).toExponential(2)}`);
      if (!/webgpu/i.test(web.settings?.backend ?? '')) {
        console.log('[browser e2e] WebGPU: the page fell back to another backend; only its result is checked');
      }
      expectSameSong(web, nodeResult, 1e-3);
    } finally {
      await gpuBrowser?.close();
    }
  }, 90_000);
});
