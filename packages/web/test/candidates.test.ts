import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Refractor, bundledSetDirectory } from '@refractor/node';
import { endOfTrack, off, on, smf } from '@refractor/test-helpers';
import { RefractorWeb } from '../src/index.js';
import { startStaticServer, type StaticServer } from './browser/server.js';

// The web API's MIDI path run in Node (onnxruntime-web's WASM backend), models
// served over HTTP from a real server on 127.0.0.1, checked against Node's scorer.
const tiny = bundledSetDirectory('tiny')!;
const work = mkdtempSync(join(tmpdir(), 'refractor-web-midi-'));
const CONCEPT = 'A song about forgetting the future';
const melody = (pitches: number[]) => smf(0, 480, [[...pitches.flatMap((p, i) => [on(i ? 60 : 0, p, 50 + p), off(300, p)]), endOfTrack()]]);
const midis = [melody([60, 62, 64]), melody([40, 47]), melody([70, 69, 68, 67])];

let server: StaticServer;
let web: RefractorWeb;
let node: Refractor;
beforeAll(async () => {
  server = await startStaticServer(work, { '/models/tiny/': tiny });
  web = await RefractorWeb.load({
    baseUrl: `${server.origin}/models/tiny/`,
    baseModelUrl: `${server.origin}/models/tiny/refractor.onnx`,
    device: 'wasm',
    cache: false,
  });
  node = await Refractor.load({ models: 'tiny', offline: true });
}, 120_000);
afterAll(async () => {
  await web?.close();
  await node?.close();
  await server?.close();
});

describe('RefractorWeb.scoreCandidates (MIDI, in Node on onnxruntime-web)', () => {
  it('loads the base model by URL and agrees with Node on ranked MIDI candidates', async () => {
    expect(web.hasBaseModel).toBe(true);
    const candidates = midis.map((midi, i) => ({ id: `m${i}`, midi }));
    const fromWeb = await web.scoreCandidates(candidates, { concept: CONCEPT, rank: true });
    const fromNode = await node.scoreCandidates(candidates, { concept: CONCEPT, rank: true });
    expect(fromWeb.map((item) => [item.input, item.rank, item.result?.model])).toEqual(fromNode.map((item) => [item.input, item.rank, item.result?.model]));
    fromWeb.forEach((item, i) => {
      expect(item.result!.confidence).toBeCloseTo(fromNode[i]!.result!.confidence, 5);
      expect(item.result!.temporal.future).toBeCloseTo(fromNode[i]!.result!.temporal.future, 5);
    });
  }, 120_000);

  it('names a bad MIDI file and still scores the good one', async () => {
    const [bad, good] = await web.scoreCandidates([{ id: 'broken.mid', midi: new TextEncoder().encode('MThd') }, { id: 'ok.mid', midi: midis[0]! }], { concept: CONCEPT });
    expect(bad!.error!.name).toBe('MidiParseError');
    expect(bad!.error!.message).toMatch(/^broken\.mid: truncated/);
    expect(good!.result!.model).toBe('base');
  }, 120_000);

  it('without a base model URL, MIDI fails saying how to load one', async () => {
    const bare = await RefractorWeb.load({ baseUrl: `${server.origin}/models/tiny/`, device: 'wasm', cache: false });
    try {
      const [item] = await bare.scoreCandidates([{ midi: midis[0]! }], { concept: CONCEPT });
      expect(item!.error!.message).toMatch(/needs the base Refractor model.*baseModelUrl/);
    } finally {
      await bare.close();
    }
  }, 120_000);
});

