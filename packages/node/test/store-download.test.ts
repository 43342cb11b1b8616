import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ModelFileSource } from '@refractor/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { downloadFile, hubFileUrl } from '../src/store/hub-download.js';
import type { DownloadProgress } from '../src/store/options.js';
import { fixtureBytes, sha256Hex, startHubServer, type HubServer, type HubServerOptions } from '@refractor/test-helpers/hub-server';
import { rejection } from './helpers/rejection.js';

const bytes = fixtureBytes(42, 5000);
const source: ModelFileSource = { repo: 'fixture-org/cdm', revision: 'main', path: 'onnx/model.onnx', size: bytes.length, sha256: sha256Hex(bytes) };
const key = 'fixture-org/cdm/onnx/model.onnx';

let workDir: string;
let destination: string;
const servers: HubServer[] = [];

async function hub(options: Partial<HubServerOptions> = {}): Promise<HubServer> {
  const server = await startHubServer({ files: [{ ...source, bytes }], ...options });
  servers.push(server);
  return server;
}


beforeEach(async () => {
  for (const name of ['HF_TOKEN', 'HF_ENDPOINT', 'REFRACTOR_OFFLINE', 'HF_HUB_OFFLINE', 'REFRACTOR_CACHE']) vi.stubEnv(name, undefined);
  workDir = await mkdtemp(join(tmpdir(), 'refractor-download-'));
  destination = join(workDir, 'hub', 'fixture-org', 'cdm', 'main', 'onnx', 'model.onnx');
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await rm(workDir, { recursive: true, force: true });
});

describe('downloadFile', () => {
  it('follows the CDN redirect, verifies and renames into place, reporting monotonic progress', async () => {
    const server = await hub({ redirect: true });
    const events: DownloadProgress[] = [];
    await downloadFile(source, destination, { endpoint: `${server.url}/`, onProgress: (event) => events.push(event) });

    expect(new Uint8Array(await readFile(destination))).toEqual(bytes);
    expect(existsSync(`${destination}.part`)).toBe(false);
    expect(server.requests.map((request) => [request.url, request.status])).toEqual([
      ['/fixture-org/cdm/resolve/main/onnx/model.onnx', 302],
      ['/cdn/fixture-org/cdm/main/onnx/model.onnx', 200],
    ]);
    expect(events.at(-1)).toEqual({ loaded: bytes.length, total: bytes.length, done: true });
    expect(events.slice(0, -1).every((event) => !event.done && event.total === bytes.length)).toBe(true);
    for (let index = 1; index < events.length; index++) expect(events[index]!.loaded).toBeGreaterThanOrEqual(events[index - 1]!.loaded);
  });

  it('keeps the part of an interrupted download and resumes it with Range: bytes=N-', async () => {
    const server = await hub({ redirect: true, cutConnection: [{ file: key, afterBytes: 1500 }] });
    const url = hubFileUrl(server.url, source);

    const error = await rejection(downloadFile(source, destination, { endpoint: server.url }));
    expect(error.reason).toBe('network');
    expect(error.message).toContain(url);
    expect(error.message).toMatch(/partial download \(1500 bytes\) is kept at .*model\.onnx\.part and will resume/);
    expect(existsSync(destination)).toBe(false);
    expect(new Uint8Array(await readFile(`${destination}.part`))).toEqual(bytes.subarray(0, 1500));

    const events: DownloadProgress[] = [];
    await downloadFile(source, destination, { endpoint: server.url, onProgress: (event) => events.push(event) });
    expect(new Uint8Array(await readFile(destination))).toEqual(bytes);
    expect(existsSync(`${destination}.part`)).toBe(false);
    const resumed = server.requests.slice(2);
    expect(resumed.map((request) => [request.range, request.status])).toEqual([
      ['bytes=1500-', 302],
      ['bytes=1500-', 206],
    ]);
    expect(events[0]).toEqual({ loaded: 1500, total: bytes.length, done: false });
    expect(events.at(-1)).toEqual({ loaded: bytes.length, total: bytes.length, done: true });
  });

  it('starts over when the server answers 200 to a Range request', async () => {
    const server = await hub({ ignoreRange: [key] });
    await mkdir(dirname(destination), { recursive: true });
    // A stale part whose bytes are wrong: appending to it would fail the hash.
    await writeFile(`${destination}.part`, new Uint8Array(1000).fill(7));

    await downloadFile(source, destination, { endpoint: server.url });
    expect(new Uint8Array(await readFile(destination))).toEqual(bytes);
    expect(server.requests.map((request) => [request.range, request.status])).toEqual([['bytes=1000-', 200]]);
  });

  it('hashes the kept part too: a corrupted part fails the checksum and is deleted', async () => {
    const server = await hub();
    await mkdir(dirname(destination), { recursive: true });
    const corruptedPrefix = bytes.slice(0, 1000);
    corruptedPrefix[10] ^= 0xff;
    await writeFile(`${destination}.part`, corruptedPrefix);

    const error = await rejection(downloadFile(source, destination, { endpoint: server.url }));
    expect(error.reason).toBe('checksum');
    expect(server.requests.map((request) => request.range)).toEqual(['bytes=1000-']);
    expect(existsSync(`${destination}.part`)).toBe(false);
    expect(existsSync(destination)).toBe(false);
  });

  it('finishes a part that already holds every byte without asking the server', async () => {
    const server = await hub();
    await mkdir(dirname(destination), { recursive: true });
    await writeFile(`${destination}.part`, bytes);
    await downloadFile(source, destination, { endpoint: server.url });
    expect(new Uint8Array(await readFile(destination))).toEqual(bytes);
    expect(server.requests).toEqual([]);
  });

  it('asks the server whether a part is complete when the manifest gives no size (416 means it is)', async () => {
    const server = await hub();
    const unsized = { ...source, size: undefined };
    await mkdir(dirname(destination), { recursive: true });
    await writeFile(`${destination}.part`, bytes);
    await downloadFile(unsized, destination, { endpoint: server.url });
    expect(new Uint8Array(await readFile(destination))).toEqual(bytes);
    expect(server.requests.map((request) => [request.range, request.status])).toEqual([[`bytes=${bytes.length}-`, 416]]);
  });

  it('makes concurrent calls for the same file share one download', async () => {
    const server = await hub();
    const events: DownloadProgress[][] = [[], []];
    await Promise.all(
      events.map((mine) => downloadFile(source, destination, { endpoint: server.url, onProgress: (event) => mine.push(event) })),
    );
    expect(new Uint8Array(await readFile(destination))).toEqual(bytes);
    expect(server.requests).toHaveLength(1);
    for (const mine of events) expect(mine.at(-1)).toEqual({ loaded: bytes.length, total: bytes.length, done: true });
  });

  it('rejects a checksum mismatch, leaving no file, no part and the rest of the cache untouched', async () => {
    const wrong = fixtureBytes(7, bytes.length);
    const server = await hub({ wrongBytes: [{ file: key, bytes: wrong }] });
    const neighbour = join(dirname(destination), 'config.json');
    await mkdir(dirname(destination), { recursive: true });
    await writeFile(neighbour, '{"cached":true}');
    const before = await readdir(workDir, { recursive: true });

    const error = await rejection(downloadFile(source, destination, { endpoint: server.url }));
    expect(error.reason).toBe('checksum');
    expect(error.message).toContain(hubFileUrl(server.url, source));
    expect(error.message).toContain(sha256Hex(wrong));
    expect(error.message).toContain(source.sha256);
    expect(existsSync(destination)).toBe(false);
    expect(existsSync(`${destination}.part`)).toBe(false);
    expect((await readdir(workDir, { recursive: true })).sort()).toEqual(before.sort());
    expect(await readFile(neighbour, 'utf8')).toBe('{"cached":true}');
  });

  it('rejects a file whose served size differs from the manifest before writing anything', async () => {
    const server = await hub();
    const error = await rejection(downloadFile({ ...source, size: bytes.length + 1 }, destination, { endpoint: server.url }));
    expect(error.reason).toBe('size');
    expect(error.message).toMatch(/serves 5000 bytes, but the manifest expects 5001/);
    expect(existsSync(`${destination}.part`)).toBe(false);
    expect(existsSync(destination)).toBe(false);
  });

  it('names repo, revision, path and URL on a 404', async () => {
    const server = await hub();
    const absent = { ...source, path: 'onnx/absent.onnx' };
    const error = await rejection(downloadFile(absent, destination, { endpoint: server.url }));
    expect(error.reason).toBe('not-found');
    expect(error.url).toBe(hubFileUrl(server.url, absent));
    expect(error.message).toContain('"onnx/absent.onnx" from fixture-org/cdm (revision main)');
    expect(error.message).toContain(`GET ${hubFileUrl(server.url, absent)} answered 404 (Entry not found)`);
    expect(existsSync(`${destination}.part`)).toBe(false);
  });

  it('says to set HF_TOKEN on a 401, and that the token was refused on a 403', async () => {
    const server = await hub({ requireToken: 'hf_secret' });
    const missing = await rejection(downloadFile(source, destination, { endpoint: server.url }));
    expect(missing.reason).toBe('unauthorized');
    expect(missing.message).toMatch(/answered 401.*set HF_TOKEN/s);

    const refused = await rejection(downloadFile(source, destination, { endpoint: server.url, token: 'hf_wrong' }));
    expect(refused.reason).toBe('unauthorized');
    expect(refused.message).toMatch(/answered 403.*access token \(HF_TOKEN\) was refused/s);
  });

  it('sends the token as a Bearer to the endpoint only, not to the CDN it redirects to', async () => {
    const cdn = await hub();
    const server = await hub({ requireToken: 'hf_secret', redirect: cdn.url });
    await downloadFile(source, destination, { endpoint: server.url, token: 'hf_secret' });

    expect(new Uint8Array(await readFile(destination))).toEqual(bytes);
    expect(server.requests.map((request) => [request.authorization, request.status])).toEqual([['Bearer hf_secret', 302]]);
    expect(cdn.requests.map((request) => [request.url, request.authorization, request.status])).toEqual([
      ['/cdn/fixture-org/cdm/main/onnx/model.onnx', undefined, 200],
    ]);
  });

  it('reads the token from HF_TOKEN and the endpoint from HF_ENDPOINT', async () => {
    const server = await hub({ requireToken: 'hf_env' });
    vi.stubEnv('HF_TOKEN', 'hf_env');
    vi.stubEnv('HF_ENDPOINT', `${server.url}/`);
    await downloadFile(source, destination);
    expect(server.requests.map((request) => [request.url, request.authorization])).toEqual([
      ['/fixture-org/cdm/resolve/main/onnx/model.onnx', 'Bearer hf_env'],
    ]);
  });

  it('names the URL when the server cannot be reached', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));

    const endpoint = `http://127.0.0.1:${port}`;
    const error = await rejection(downloadFile(source, destination, { endpoint }));
    expect(error.reason).toBe('network');
    expect(error.message).toContain(`from ${hubFileUrl(endpoint, source)} failed: the connection failed (fetch failed`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('Check the network connection');
  });

  it('refuses to touch the network when offline', async () => {
    const server = await hub();
    const error = await rejection(downloadFile(source, destination, { endpoint: server.url, offline: true }));
    expect(error.reason).toBe('offline');
    expect(error.message).toContain(destination);
    expect(server.requests).toEqual([]);
  });
});
