import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FILE_ROLES } from '@refractor/core';
import { MANIFEST, fetchModelFile, knownModelDigest, modelUrl, openModelStream, type FileProgress } from '../src/models.js';

describe('modelUrl', () => {
  it('joins a set directory base URL with the role layout', () => {
    expect(modelUrl('/models/tiny/', 'cdm')).toBe('/models/tiny/refractor_cdm.onnx');
    expect(modelUrl('https://example.org/sets/tiny', 'clap.model')).toBe('https://example.org/sets/tiny/clap/onnx/audio_model.onnx');
    for (const [role, path] of Object.entries(MODEL_FILE_ROLES)) expect(modelUrl('/m/', role as keyof typeof MODEL_FILE_ROLES)).toBe(`/m/${path}`);
  });

  it('defaults to the hub resolve URLs of the manifest set', () => {
    const f = MANIFEST.sets.default!.files['text.model'];
    expect(modelUrl(undefined, 'text.model')).toBe(`https://huggingface.co/${f.repo}/resolve/${f.revision}/${f.path}`);
    expect(modelUrl(undefined, 'cdm')).toBe('https://huggingface.co/earthlyframes/refractor_cdm/resolve/main/refractor_cdm.onnx');
    expect(() => modelUrl(undefined, 'cdm', { set: 'nope' })).toThrow(/no model set "nope"/);
  });
});

describe('openModelStream and fetchModelFile over HTTP (a real server on 127.0.0.1)', () => {
  // 9.5 MiB: two whole 4 MiB digest blocks and a short one, arriving in chunks that straddle them.
  const file = Uint8Array.from({ length: 9.5 * 1024 * 1024 }, (_, i) => (i * 2654435761) >>> 24);
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/lies') {
        // Promises more bytes than it sends, then hangs up.
        response.writeHead(200, { 'content-length': String(file.length) });
        response.end(Buffer.from(file.subarray(0, 1000)));
        request.socket.destroy();
        return;
      }
      response.writeHead(200, { 'content-length': String(file.length) });
      let at = 0;
      const next = () => {
        while (at < file.length) {
          const end = Math.min(file.length, at + 100_003);
          const more = response.write(Buffer.from(file.subarray(at, end)));
          at = end;
          if (!more) return void response.once('drain', next);
        }
        response.end();
      };
      next();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** The digest computed independently: node:crypto SHA-256 of each 4 MiB block, then of their digests and the length. */
  function expectedDigest(bytes: Uint8Array): string {
    const parts: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 4 * 1024 * 1024) parts.push(createHash('sha256').update(bytes.subarray(at, at + 4 * 1024 * 1024)).digest());
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(BigInt(bytes.length));
    return `sha256x4m:${createHash('sha256').update(Buffer.concat([...parts, length])).digest('hex')}`;
  }

  it('streams the file in chunks with progress in bytes, and takes its block digest on the way', async () => {
    const events: FileProgress[] = [];
    const stream = await openModelStream('text.model', `${base}/model.onnx`, { cache: false, digest: true, onProgress: (p) => events.push(p) });
    expect(stream.total).toBe(file.length);
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream.chunks) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(Buffer.from(file))).toBe(true);
    expect(events[0]).toMatchObject({ loaded: 0, total: file.length, cached: false });
    expect(events.at(-1)).toMatchObject({ loaded: file.length, total: file.length });
    expect(await knownModelDigest(`${base}/model.onnx`, { cache: false })).toBe(expectedDigest(file));

    const whole = await fetchModelFile('text.model', `${base}/again.onnx`, { cache: false, digest: true });
    expect(Buffer.from(whole).equals(Buffer.from(file))).toBe(true);
    expect(await knownModelDigest(`${base}/again.onnx`, { cache: false })).toBe(expectedDigest(file));
  });

  it('names the file when the server sends fewer bytes than it promised, or not the manifest size', async () => {
    await expect(fetchModelFile('text.model', `${base}/lies`, { cache: false })).rejects.toThrow(/\/lies: cannot download model file text\.model/);
    await expect(fetchModelFile('text.model', `${base}/model.onnx`, { cache: false, size: file.length + 1 })).rejects.toThrow(
      new RegExp(`model file text\\.model is ${file.length} bytes; the manifest says ${file.length + 1}`),
    );
  });
});
