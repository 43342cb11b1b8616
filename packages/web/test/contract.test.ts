import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChunkingOptions, CropOptions } from '@refractor/audio';
import { Refractor, bundledSetDirectory, type RefractorContract } from '@refractor/node';
import { RefractorWeb } from '../src/index.js';
import { startStaticServer, type StaticServer } from './browser/server.js';

// Node's Refractor and the browser's RefractorWeb (here in Node, on
// onnxruntime-web's WASM backend, models over HTTP from 127.0.0.1) run one
// program written against core's RefractorContract; their records must agree.

/** What both classes satisfy: code written against it runs on either. */
type BytesContract = RefractorContract<Uint8Array, Uint8Array, ChunkingOptions & CropOptions>;

// Type-level: `pnpm lint` fails if either class drifts from the contract.
const nodeClass: BytesContract | undefined = undefined as Refractor | undefined;
const webClass: BytesContract | undefined = undefined as RefractorWeb | undefined;
// @ts-expect-error a class without scoreFile is not a Refractor
const incomplete: BytesContract | undefined = undefined as Omit<RefractorWeb, 'scoreFile'> | undefined;
void [nodeClass, webClass, incomplete];

const tiny = bundledSetDirectory('tiny')!;
const clip = new Uint8Array(readFileSync(join(import.meta.dirname, '..', '..', '..', 'examples', 'clip.ogg')));
const CONCEPT = 'A song about forgetting the future';
/** onnxruntime-web's WASM kernels and onnxruntime-node's CPU kernels round differently, a little. */
const TOLERANCE = 1e-5;

let server: StaticServer;
let web: RefractorWeb;
let node: Refractor;
beforeAll(async () => {
  server = await startStaticServer(mkdtempSync(join(tmpdir(), 'refractor-web-contract-')), { '/models/tiny/': tiny });
  web = await RefractorWeb.load({
    baseUrl: `${server.origin}/models/tiny/`,
    baseModelUrl: `${server.origin}/models/tiny/refractor.onnx`,
    device: 'wasm',
    cache: false,
    testOnly: true,
  });
  node = await Refractor.load({ models: 'tiny', offline: true, conceptCache: false });
}, 120_000);
afterAll(async () => {
  await web?.close();
  await node?.close();
  await server?.close();
});

/** One program, written once against the contract, run on each class. */
async function everything(refractor: BytesContract) {
  const progress: number[] = [];
  const song = await refractor.scoreFile(clip, { name: 'clip.ogg', concept: CONCEPT, target: 'Indigo', crop: 'start', onChunk: (done) => progress.push(done) });
  const none = await refractor.scoreFile(clip, { name: 'clip.ogg', chunkSizeS: 10, chunkStrideS: 10, crop: 'start' });
  const concepts = await refractor.prepareConcepts([CONCEPT, null, '  ']);
  const lookup = await refractor.conceptLookup([CONCEPT]);
  const { embeddings, chunks } = await refractor.embedChunks(clip, { crop: 'start' });
  const pair = await refractor.score({ audioEmbedding: embeddings.subarray(0, 512), conceptEmbedding: concepts[0]! });
  const candidates = await refractor.scoreCandidates([{ id: 'clip', audio: clip }, { id: 'words', lyric: 'la la la' }], { concept: CONCEPT, crop: 'start', rank: true });
  return { song, none, concepts, looked: await lookup(CONCEPT), embeddings, chunks, pair, candidates, progress, textEncoderOpen: refractor.textEncoderOpen };
}

/**
 * Walks two values together: the same keys in the same order, the same
 * strings and booleans, numbers within `tolerance`; returns the differences
 * (paths named) and the largest numeric difference.
 */
function compare(a: unknown, b: unknown, tolerance: number, path = '$', out = { diffs: [] as string[], max: 0 }) {
  if (typeof a === 'number' && typeof b === 'number') {
    const diff = Math.abs(a - b);
    out.max = Math.max(out.max, diff);
    if (!(diff <= tolerance)) out.diffs.push(`${path}: ${a} vs ${b}`);
  } else if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    compare(Array.from(a as Float32Array), Array.from(b as Float32Array), tolerance, path, out);
  } else if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keysA = Object.keys(a);
    const keysB = Object.keys(b);
    if (keysA.join() !== keysB.join()) out.diffs.push(`${path}: keys [${keysA}] vs [${keysB}]`);
    for (const key of keysA) compare((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], tolerance, `${path}.${key}`, out);
  } else if (a !== b) {
    out.diffs.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
  return out;
}

describe('Refractor (node) and RefractorWeb keep one contract', () => {
  it('give the same records, field for field, for the same song, concept and settings', async () => {
    const fromNode = await everything(node);
    const fromWeb = await everything(web);
    // Where the runs differ by design: the runtime, and how the set was named.
    expect(fromNode.song.settings).toMatchObject({ models: 'tiny', device: 'cpu', test_only: true });
    expect(fromWeb.song.settings).toMatchObject({ models: `${server.origin}/models/tiny/`, device: 'wasm', test_only: true });
    expect(fromWeb.song.settings.backend).toMatch(/^onnxruntime-web \(wasm/);
    const runtime = { models: 'tiny', device: 'cpu', backend: 'x' };
    for (const run of [fromNode, fromWeb]) {
      Object.assign(run.song.settings, runtime);
      Object.assign(run.none.settings, runtime);
    }
    const { diffs, max } = compare(fromWeb, fromNode, TOLERANCE);
    expect(diffs).toEqual([]);
    console.log(`[contract] largest |web - node| over every number of both runs: ${max.toExponential(2)}`);
    // The run was not vacuous: a real song, a real concept, a real target.
    expect(fromNode.song.chunk_count).toBeGreaterThan(1);
    expect(fromNode.progress).toEqual(Array.from({ length: fromNode.song.chunk_count }, (_, i) => i + 1));
    expect(fromNode.song.target_color).toBe('Indigo');
    expect(fromNode.none.settings.chunk_size_s).toBe(10);
    expect(fromNode.concepts[0]!.some((v) => v !== 0)).toBe(true);
    expect(fromNode.concepts[1]!.every((v) => v === 0) && fromNode.concepts[2]!.every((v) => v === 0)).toBe(true);
    expect(fromNode.candidates.map((item) => item.result?.model)).toEqual(expect.arrayContaining(['cdm', 'base']));
  }, 240_000);

  it('scores a Blob in the browser as its bytes, and keeps scoreBytes as a deprecated alias', async () => {
    const fromBlob = await web.scoreFile(new Blob([clip]), { name: 'clip.ogg', crop: 'start' });
    const fromBytes = await web.scoreBytes(clip, { name: 'clip.ogg', crop: 'start' });
    expect(fromBlob).toEqual(fromBytes);
  }, 120_000);
});
