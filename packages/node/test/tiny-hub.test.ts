import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
import { Refractor, bundledManifest, bundledSetDirectory, modelFileLocalPath, modelSetRoles, resolveModelSet, verifyModelSet, type ModelManifest } from '../src/index.js';
import { startHubServer, type HubServer } from '@refractor/test-helpers/hub-server';

// The real tiny set, served from models/tiny in the hub's layout, as a user
// without the repo checkout would download it.
const manifest = bundledManifest();
const tinyDir = bundledSetDirectory('tiny')!;
const tinySet = manifest.sets.tiny!;
// Every file of the set, the optional base model (refractor.onnx) included.
const hubFiles = modelSetRoles(tinySet).map((role) => ({
  ...tinySet.files[role]!,
  bytes: new Uint8Array(readFileSync(join(tinyDir, modelFileLocalPath(role)))),
}));
/** The same files under a set name that is not bundled, so the store must fetch it. */
const hubManifest: ModelManifest = { version: 1, sets: { 'tiny-from-hub': tinySet } };

let server: HubServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the tiny set from a local hub', () => {
  it('downloads, verifies and scores with it', async () => {
    server = await startHubServer({ files: hubFiles, redirect: true });
    const cacheDir = mkdtempSync(join(tmpdir(), 'refractor-tiny-hub-'));
    const options = { cacheDir, endpoint: server.url, offline: false };
    const refractor = await Refractor.load({ ...options, models: 'tiny-from-hub', manifest: hubManifest });
    expect(refractor.modelSet.source).toBe('cache');
    expect(refractor.modelSet.testOnly).toBe(true);
    expect((await verifyModelSet('tiny-from-hub', hubManifest, options)).map((f) => f.status)).toEqual(new Array(9).fill('ok'));
    const song = join(cacheDir, 'song.wav');
    writeFileSync(song, makeWav({ sampleRate: 48000, channels: [sine(440, 12, 48000)], bits: 16 }));
    const result = await refractor.scoreFile(song, { concept: 'a test' });
    expect(result.chunk_count).toBe(1);
    await refractor.close();
  }, 30_000);

  it('resumes an interrupted download of the tiny CDM and rejects a corrupted one', async () => {
    const cdm = `${tinySet.files.cdm.repo}/${tinySet.files.cdm.path}`;
    server = await startHubServer({ files: hubFiles, cutConnection: [{ file: cdm, afterBytes: 300_000 }] });
    const cacheDir = mkdtempSync(join(tmpdir(), 'refractor-tiny-resume-'));
    const options = { cacheDir, endpoint: server.url };
    await expect(resolveModelSet('tiny-from-hub', hubManifest, options)).rejects.toMatchObject({ code: 'models', reason: 'network' });
    const resolved = await resolveModelSet('tiny-from-hub', hubManifest, options);
    expect(server.requests.some((r) => r.file === cdm && r.range === 'bytes=300000-')).toBe(true);
    expect(readFileSync(resolved.files.cdm)).toEqual(readFileSync(join(tinyDir, 'refractor_cdm.onnx')));
    await server.close();

    server = await startHubServer({ files: hubFiles, wrongBytes: [{ file: cdm, bytes: new Uint8Array(tinySet.files.cdm.size!) }] });
    const fresh = { cacheDir: mkdtempSync(join(tmpdir(), 'refractor-tiny-bad-')), endpoint: server.url };
    await expect(resolveModelSet('tiny-from-hub', hubManifest, fresh)).rejects.toMatchObject({ code: 'models', reason: 'checksum' });
  }, 30_000);
});
