import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MODEL_FILE_ROLES, type ModelFileRole } from '@refractor/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cachedPath } from '../src/store/cache-dir.js';
import { hubFileUrl } from '../src/store/hub-download.js';
import { modelSetStatus, resolveModelSet, verifyModelSet } from '../src/store/model-store.js';
import type { StoreProgressEvent } from '../src/store/options.js';
import { fixtureSet, startHubServer, type HubServer, type HubServerOptions } from '@refractor/test-helpers/hub-server';
import { rejection } from './helpers/rejection.js';

const fixture = fixtureSet();
const roles = Object.keys(MODEL_FILE_ROLES) as ModelFileRole[];

let workDir: string;
let cacheDir: string;
const servers: HubServer[] = [];

async function hub(options: Partial<HubServerOptions> = {}): Promise<HubServer> {
  const server = await startHubServer({ files: fixture.files, ...options });
  servers.push(server);
  return server;
}


/** Fills the cache as a finished download would have. */
async function fillCache(): Promise<void> {
  for (const role of roles) {
    const path = cachedPath(cacheDir, fixture.set.files[role]);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, fixture.bytesByRole[role]);
  }
}

beforeEach(async () => {
  for (const name of ['HF_TOKEN', 'HF_ENDPOINT', 'REFRACTOR_OFFLINE', 'HF_HUB_OFFLINE', 'REFRACTOR_CACHE']) vi.stubEnv(name, undefined);
  workDir = await mkdtemp(join(tmpdir(), 'refractor-store-'));
  cacheDir = join(workDir, 'cache');
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await rm(workDir, { recursive: true, force: true });
});

describe('resolveModelSet from the hub', () => {
  it('downloads a set into an empty cache at the documented paths, then reuses it with no requests', async () => {
    const server = await hub({ redirect: true });
    const events: StoreProgressEvent[] = [];
    const resolved = await resolveModelSet('fixture', fixture.manifest, { cacheDir, endpoint: server.url, onProgress: (event) => events.push(event) });

    expect(resolved).toMatchObject({ name: 'fixture', source: 'cache', testOnly: true });
    for (const role of roles) {
      const { repo, revision, path } = fixture.set.files[role];
      const expected = join(cacheDir, 'hub', ...repo.split('/'), revision, ...path.split('/'));
      expect(resolved.files[role]).toBe(expected);
      expect(new Uint8Array(await readFile(expected))).toEqual(fixture.bytesByRole[role]);
      expect(existsSync(`${expected}.part`)).toBe(false);

      const mine = events.filter((event) => event.role === role);
      expect(mine.every((event) => event.file === fixture.keyByRole[role] && !event.cached)).toBe(true);
      for (let index = 1; index < mine.length; index++) expect(mine[index]!.loaded).toBeGreaterThanOrEqual(mine[index - 1]!.loaded);
      expect(mine.filter((event) => event.done)).toHaveLength(1);
      expect(mine.at(-1)).toMatchObject({ done: true, loaded: fixture.bytesByRole[role].length, total: fixture.bytesByRole[role].length });
    }
    expect(server.requests).toHaveLength(2 * roles.length); // resolve + CDN per file

    server.requests.length = 0;
    const cachedEvents: StoreProgressEvent[] = [];
    const again = await resolveModelSet('fixture', fixture.manifest, { cacheDir, endpoint: server.url, onProgress: (event) => cachedEvents.push(event) });
    expect(again.files).toEqual(resolved.files);
    expect(server.requests).toEqual([]);
    expect(cachedEvents.map((event) => [event.role, event.cached, event.done])).toEqual(roles.map((role) => [role, true, true]));
  });

  it('fails an interrupted download with a network error, then resumes it on the next call', async () => {
    const interrupted: ModelFileRole = 'clap.model';
    const key = fixture.keyByRole[interrupted];
    const server = await hub({ cutConnection: [{ file: key, afterBytes: 1024 }] });
    const options = { cacheDir, endpoint: server.url };
    const target = cachedPath(cacheDir, fixture.set.files[interrupted]);

    const error = await rejection(resolveModelSet('fixture', fixture.manifest, options));
    expect(error.reason).toBe('network');
    expect(error.message).toContain(hubFileUrl(server.url, fixture.set.files[interrupted]));
    expect(error.message).toContain('will resume on the next try');
    expect((await readFile(`${target}.part`)).length).toBe(1024);
    expect(existsSync(target)).toBe(false);

    server.requests.length = 0;
    const resolved = await resolveModelSet('fixture', fixture.manifest, options);
    expect(new Uint8Array(await readFile(resolved.files[interrupted]))).toEqual(fixture.bytesByRole[interrupted]);
    expect(existsSync(`${target}.part`)).toBe(false);
    // Files cached before the failure are not fetched again; the interrupted one resumes at byte 1024.
    expect(server.requests[0]).toMatchObject({ file: key, range: 'bytes=1024-', status: 206 });
    expect(server.requests.map((request) => request.file)).not.toContain(fixture.keyByRole.cdm);
  });

  it('rejects a file that fails its checksum, keeping no trace of it', async () => {
    const bad: ModelFileRole = 'text.tokenizer';
    const wrong = new Uint8Array(fixture.bytesByRole[bad]).reverse();
    const server = await hub({ wrongBytes: [{ file: fixture.keyByRole[bad], bytes: wrong }] });
    const target = cachedPath(cacheDir, fixture.set.files[bad]);

    const error = await rejection(resolveModelSet('fixture', fixture.manifest, { cacheDir, endpoint: server.url }));
    expect(error.reason).toBe('checksum');
    expect(error.message).toContain('"tokenizer.json" from fixture-org/text (revision main)');
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.part`)).toBe(false);
    // Files before it in role order were verified and kept.
    expect(new Uint8Array(await readFile(cachedPath(cacheDir, fixture.set.files.cdm)))).toEqual(fixture.bytesByRole.cdm);
  });

  it('names repo, path and URL when the hub has no such file', async () => {
    const manifest = structuredClone(fixture.manifest);
    manifest.sets.fixture!.files['text.config'].path = 'missing/config.json';
    const server = await hub();
    const error = await rejection(resolveModelSet('fixture', manifest, { cacheDir, endpoint: server.url }));
    expect(error.reason).toBe('not-found');
    expect(error.message).toContain('"missing/config.json" from fixture-org/text (revision main)');
    expect(error.message).toContain(`${server.url}/fixture-org/text/resolve/main/missing/config.json`);
  });

  it('honours HF_ENDPOINT and HF_TOKEN from the environment', async () => {
    const server = await hub({ requireToken: 'hf_env' });
    vi.stubEnv('HF_ENDPOINT', `${server.url}/`);
    vi.stubEnv('HF_TOKEN', 'hf_env');
    await resolveModelSet('fixture', fixture.manifest, { cacheDir });
    expect(server.requests).toHaveLength(roles.length);
    expect(server.requests.every((request) => request.authorization === 'Bearer hf_env' && request.status === 200)).toBe(true);
  });

  it('uses REFRACTOR_CACHE when no cacheDir is given', async () => {
    const server = await hub();
    vi.stubEnv('REFRACTOR_CACHE', cacheDir);
    const resolved = await resolveModelSet('fixture', fixture.manifest, { endpoint: server.url });
    expect(resolved.files.cdm).toBe(cachedPath(cacheDir, fixture.set.files.cdm));
    expect(existsSync(resolved.files.cdm)).toBe(true);
  });
});

describe('resolveModelSet offline', () => {
  it('with an empty cache, names every missing file and how to get them, without a request', async () => {
    const server = await hub();
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    const error = await rejection(resolveModelSet('fixture', fixture.manifest, { cacheDir, endpoint: server.url }));
    expect(error.reason).toBe('offline');
    expect(error.message).toContain('Missing 8 of 8 files');
    for (const role of roles) expect(error.message).toContain(cachedPath(cacheDir, fixture.set.files[role]));
    expect(error.message).toContain('unset REFRACTOR_OFFLINE and HF_HUB_OFFLINE');
    expect(server.requests).toEqual([]);
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('with a full cache, resolves without a request', async () => {
    const server = await hub();
    await fillCache();
    const resolved = await resolveModelSet('fixture', fixture.manifest, { cacheDir, endpoint: server.url, offline: true });
    expect(resolved.files['text.model']).toBe(cachedPath(cacheDir, fixture.set.files['text.model']));
    expect(server.requests).toEqual([]);
  });

  it('does not count a cached file of the wrong size as cached', async () => {
    await fillCache();
    await writeFile(cachedPath(cacheDir, fixture.set.files['clap.config']), 'truncated');
    const error = await rejection(resolveModelSet('fixture', fixture.manifest, { cacheDir, offline: true }));
    expect(error.message).toContain('Missing 1 of 8 files');
    expect(error.message).toContain('clap.config: "config.json" from fixture-org/clap');
  });
});

describe('resolveModelSet from a directory', () => {
  async function writeDirectorySet(directory: string, skip: ModelFileRole[] = []): Promise<void> {
    for (const role of roles) {
      if (skip.includes(role)) continue;
      const path = join(directory, MODEL_FILE_ROLES[role]);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, fixture.bytesByRole[role]);
    }
  }

  it('returns each role at its local path', async () => {
    const directory = join(workDir, 'my-models');
    await writeDirectorySet(directory);
    const resolved = await resolveModelSet(directory, fixture.manifest);
    expect(resolved).toMatchObject({ name: directory, source: 'directory', testOnly: false });
    expect(resolved.files['clap.model']).toBe(join(directory, 'clap', 'onnx', 'audio_model.onnx'));
    expect(resolved.files.cdm).toBe(join(directory, 'refractor_cdm.onnx'));
  });

  it('lists the missing files and the expected layout', async () => {
    const directory = join(workDir, 'partial');
    await writeDirectorySet(directory, ['text.tokenizer', 'cdm']);
    const error = await rejection(resolveModelSet(directory, fixture.manifest));
    expect(error.reason).toBe('missing-files');
    expect(error.message).toContain('lacks 2 of 8 files');
    expect(error.message).toContain('- refractor_cdm.onnx (cdm)');
    expect(error.message).toContain('- text/tokenizer.json (text.tokenizer)');
    expect(error.message).toContain('clap/onnx/audio_model.onnx'); // the layout lists every file
  });

  it('says so when a path-like spec is not a directory', async () => {
    const error = await rejection(resolveModelSet(join(workDir, 'nowhere'), fixture.manifest));
    expect(error.reason).toBe('missing-files');
    expect(error.message).toContain(`There is no model directory at ${join(workDir, 'nowhere')}`);
  });

  it('lists the set names for an unknown name, saying a directory is also accepted', async () => {
    const error = await rejection(resolveModelSet('defualt', fixture.manifest, { cacheDir }));
    expect(error.reason).toBe('unknown-set');
    expect(error.message).toBe(
      'Unknown model set "defualt": the manifest has "fixture", "other". A directory path holding the model files (e.g. ./models/tiny) is also accepted.',
    );
    await expect(resolveModelSet('constructor', fixture.manifest, { cacheDir })).rejects.toMatchObject({ code: 'models', reason: 'unknown-set' });
  });
});

describe('verifyModelSet and modelSetStatus', () => {
  it('verify re-hashes the cache and flags missing, resized and corrupted files', async () => {
    await fillCache();
    const corrupted = cachedPath(cacheDir, fixture.set.files['text.model']);
    const flipped = new Uint8Array(fixture.bytesByRole['text.model']);
    flipped[100] ^= 0x01; // same size: only the hash can tell
    await writeFile(corrupted, flipped);
    await writeFile(cachedPath(cacheDir, fixture.set.files['clap.config']), 'short');
    await rm(cachedPath(cacheDir, fixture.set.files.cdm));

    const results = await verifyModelSet('fixture', fixture.manifest, { cacheDir });
    const status = Object.fromEntries(results.map((result) => [result.role, result.status]));
    expect(status).toEqual({
      cdm: 'missing',
      'clap.config': 'size-mismatch',
      'clap.preprocessor': 'ok',
      'clap.model': 'ok',
      'text.config': 'ok',
      'text.tokenizer': 'ok',
      'text.tokenizer_config': 'ok',
      'text.model': 'sha256-mismatch',
    });
    expect(results.find((result) => result.role === 'text.model')).toMatchObject({ path: corrupted, size: flipped.length });
  });

  it('verify reports files the manifest gives no sha256 for as unverifiable', async () => {
    await fillCache();
    const manifest = structuredClone(fixture.manifest);
    delete manifest.sets.fixture!.files.cdm.sha256;
    const results = await verifyModelSet('fixture', manifest, { cacheDir });
    expect(results.find((result) => result.role === 'cdm')?.status).toBe('unverifiable');
  });

  it('status lists each file with its cache path and whether it is cached', async () => {
    await fillCache();
    await rm(cachedPath(cacheDir, fixture.set.files['text.config']));
    const status = await modelSetStatus('fixture', fixture.manifest, { cacheDir });
    expect(status).toHaveLength(8);
    expect(status.find((file) => file.role === 'text.config')).toEqual({
      role: 'text.config',
      repo: 'fixture-org/text',
      revision: 'main',
      path: 'config.json',
      size: fixture.bytesByRole['text.config'].length,
      cached: false,
      cachePath: cachedPath(cacheDir, fixture.set.files['text.config']),
    });
    expect(status.filter((file) => file.cached)).toHaveLength(7);
  });

  it('verify and status reject unknown set names, listing the known ones', async () => {
    await expect(verifyModelSet('nope', fixture.manifest, { cacheDir })).rejects.toThrow(/Unknown model set "nope": the manifest has "fixture", "other"\.$/);
    await expect(modelSetStatus('nope', fixture.manifest, { cacheDir })).rejects.toMatchObject({ code: 'models', reason: 'unknown-set' });
  });
});
