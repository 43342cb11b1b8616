/**
 * Test helper: a small static file server for the built demo, bound to
 * 127.0.0.1 on a free port, cross-origin isolated (COOP/COEP) so the page may
 * use SharedArrayBuffer and threaded WASM, with the MIME types browsers insist
 * on (`application/wasm` for streaming compilation, JavaScript for modules).
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
};

export interface StaticServer {
  /** e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly origin: string;
  /** Requests answered, as `STATUS PATH`, for diagnostics. */
  readonly log: string[];
  /**
   * Makes the next GET of `path` promise the whole file (its Content-Length)
   * but send only its first `bytes` bytes and then hang up: a download cut
   * midway. One request only; later ones are served whole.
   */
  cutNext(path: string, bytes: number): void;
  close(): Promise<void>;
}

/** How responses may be kept by the browser's HTTP cache. */
export interface StaticServerOptions {
  /**
   * Path prefixes served as a typical static host serves its files:
   * `Cache-Control: no-cache` with an `ETag` (size and mtime), a matching
   * `If-None-Match` answered with 304, so the browser keeps them and checks
   * on every use (and Chromium keeps the optimized code of a WASM module it
   * compiled from one). Everything else is `no-store`, so tests always start
   * from the network. Default: none.
   */
  revalidate?: string[];
}

/**
 * Serves `root` at `/` and each `mounts[prefix]` directory at `prefix`
 * (e.g. `{ '/models/tiny/': '/repo/models/tiny' }`). GET and HEAD only; paths
 * that escape their directory are refused.
 */
export async function startStaticServer(root: string, mounts: Record<string, string> = {}, options: StaticServerOptions = {}): Promise<StaticServer> {
  const log: string[] = [];
  const cuts = new Map<string, number>();
  const table = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, resolve(dir)] as const)
    .sort((a, b) => b[0].length - a[0].length);
  table.push(['/', resolve(root)]);

  const server: Server = createServer((req, res) => {
    const headers: Record<string, string> = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    const finish = (status: number, message: string) => {
      log.push(`${status} ${req.url}`);
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : message);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return finish(405, 'method not allowed');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return finish(400, 'bad path');
    }
    if (pathname.includes('\0')) return finish(400, 'bad path');
    const revalidate = (options.revalidate ?? []).some((prefix) => pathname.startsWith(prefix));
    if (revalidate) headers['Cache-Control'] = 'no-cache';
    const [prefix, dir] = table.find(([p]) => pathname.startsWith(p) || `${pathname}/` === p)!;
    const rest = pathname.slice(Math.min(prefix.length, pathname.length));
    let file = normalize(join(dir, rest));
    if (file !== dir && !file.startsWith(dir + sep)) return finish(403, 'forbidden');
    let stats;
    try {
      stats = statSync(file);
      if (stats.isDirectory()) {
        file = join(file, 'index.html');
        stats = statSync(file);
      }
    } catch {
      return finish(404, 'not found');
    }
    if (!stats.isFile()) return finish(404, 'not found');
    const etag = `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
    if (revalidate && req.headers['if-none-match'] === etag) {
      log.push(`304 ${req.url}`);
      res.writeHead(304, { ...headers, ETag: etag });
      return res.end();
    }
    const cut = req.method === 'GET' ? cuts.get(pathname) : undefined;
    cuts.delete(pathname);
    log.push(`200 ${req.url}${cut === undefined ? '' : ` (cut after ${cut} bytes)`}`);
    res.writeHead(200, {
      ...headers,
      'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(stats.size),
      ...(revalidate ? { ETag: etag } : {}),
    });
    if (req.method === 'HEAD') return res.end();
    if (cut !== undefined) {
      createReadStream(file, { end: cut - 1 })
        .on('error', () => res.destroy())
        .on('end', () => setTimeout(() => res.destroy(), 50))
        .pipe(res, { end: false });
      return;
    }
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });
  server.keepAliveTimeout = 1000;
  server.requestTimeout = 30_000;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    log,
    cutNext: (path, bytes) => void cuts.set(path, bytes),
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
