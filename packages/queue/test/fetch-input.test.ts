import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobError } from '../src/index.js';
import { fetchInput } from '../src/worker.js';

// A real HTTP server on a free loopback port, answering what a catalog host might.
let server: Server;
let base: string;
const BODY = Buffer.alloc(5000, 7);
beforeAll(async () => {
  server = createServer((request, response) => {
    switch (request.url) {
      case '/song':
        response.writeHead(200, { 'content-length': BODY.length }).end(BODY);
        break;
      case '/chunked':
        // No Content-Length: the limit must be enforced while reading.
        response.writeHead(200);
        response.write(BODY);
        response.end(BODY);
        break;
      case '/busy':
        response.writeHead(503).end();
        break;
      case '/limited':
        response.writeHead(429).end();
        break;
      case '/slow':
        // Headers, then nothing: the time limit covers the body too.
        response.writeHead(200);
        response.write('x');
        break;
      default:
        response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

async function failure(url: string, limits = {}): Promise<JobError> {
  const error = await fetchInput(url, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JobError);
  return error as JobError;
}

describe('fetchInput', () => {
  it('downloads a body within the limits', async () => {
    expect(Buffer.from(await fetchInput(`${base}/song`, { maxBytes: BODY.length }))).toEqual(BODY);
    expect((await fetchInput(`${base}/chunked`)).length).toBe(2 * BODY.length);
  });

  it('refuses bodies over the size limit, declared or not, for good', async () => {
    for (const path of ['/song', '/chunked']) {
      const error = await failure(`${base}${path}`, { maxBytes: BODY.length - 1 + (path === '/chunked' ? BODY.length : 0) });
      expect([error.code, error.permanent]).toEqual(['too-large', true]);
      expect(error.message).toContain(path);
    }
  });

  it('fails for good on 4xx and bad URLs, and for now on 5xx, 429, timeouts and refused connections', async () => {
    expect(await failure(`${base}/nothing`)).toMatchObject({ code: 'http-status', permanent: true });
    expect(await failure('ftp://example.org/a.wav')).toMatchObject({ code: 'bad-url', permanent: true });
    expect(await failure('not a url')).toMatchObject({ code: 'bad-url', permanent: true });
    expect(await failure(`${base}/busy`)).toMatchObject({ code: 'fetch-failed', permanent: false });
    expect(await failure(`${base}/limited`)).toMatchObject({ code: 'fetch-failed', permanent: false });
    const slow = await failure(`${base}/slow`, { timeoutMs: 300 });
    expect(slow).toMatchObject({ code: 'fetch-failed', permanent: false });
    expect(slow.message).toMatch(/within 300 ms/);
    expect(await failure('http://127.0.0.1:1/none')).toMatchObject({ code: 'fetch-failed', permanent: false });
  });
});
