/**
 * The test/bench static server's caching headers: `no-store` unless a path is
 * under a `revalidate` prefix, which gets `no-cache` + an ETag and a 304 for
 * a matching If-None-Match (what the browser bench's returning visitor relies
 * on to keep onnxruntime-web's compiled WASM).
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from './browser/server.js';

describe('startStaticServer caching', () => {
  let dir: string;
  let server: StaticServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'refractor-static-'));
    writeFileSync(join(dir, 'page.html'), '<p>page</p>');
    writeFileSync(join(dir, 'lib.wasm'), Buffer.alloc(1000, 7));
    server = await startStaticServer(dir, { '/kept/': dir }, { revalidate: ['/kept/'] });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves paths outside the prefixes no-store, without an ETag', async () => {
    const response = await fetch(`${server.origin}/lib.wasm`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('etag')).toBeNull();
    expect((await response.arrayBuffer()).byteLength).toBe(1000);
  });

  it('revalidates paths under a prefix: no-cache and an ETag, 304 without a body when it matches', async () => {
    const first = await fetch(`${server.origin}/kept/lib.wasm`);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(new Uint8Array(1000).fill(7));

    const again = await fetch(`${server.origin}/kept/lib.wasm`, { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    expect(server.log.at(-1)).toBe('304 /kept/lib.wasm');

    // A changed file has another ETag: the old one no longer matches.
    writeFileSync(join(dir, 'lib.wasm'), Buffer.alloc(1001, 8));
    utimesSync(join(dir, 'lib.wasm'), new Date(), new Date(Date.now() + 5000));
    const changed = await fetch(`${server.origin}/kept/lib.wasm`, { headers: { 'If-None-Match': etag! } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect((await changed.arrayBuffer()).byteLength).toBe(1001);
  });
});
