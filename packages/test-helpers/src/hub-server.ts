import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MODEL_FILE_ROLES, type ModelFileRole, type ModelManifest, type ModelSet } from '@refractor/core';

/** One file the fake hub serves. */
export interface HubFile {
  repo: string;
  revision: string;
  path: string;
  bytes: Uint8Array;
}

/** How the fake hub behaves. Faults name files as `<repo>/<path>`, like progress events. */
export interface HubServerOptions {
  files: HubFile[];
  /**
   * Answer `/resolve/` URLs with a 302 to `<base>/cdn/<repo>/<revision>/<path>`, like the
   * real hub's CDN redirect. `true` redirects to this server; a string is another
   * server's base URL (a different origin, which must not get the token).
   */
  redirect?: boolean | string;
  /** Demand `Authorization: Bearer <token>` on `/resolve/` URLs: 401 without, 403 when wrong. `/cdn/` needs none. */
  requireToken?: string;
  /** Send the headers and `afterBytes` bytes of the body, then drop the connection, on the first `times` (1) requests. */
  cutConnection?: Array<{ file: string; afterBytes: number; times?: number }>;
  /** Serve these bytes instead of the file's. */
  wrongBytes?: Array<{ file: string; bytes: Uint8Array }>;
  /** Ignore `Range` for these files: always 200 with the whole file (as some mirrors do). */
  ignoreRange?: string[];
  /** Close after this long even if a test forgets (default 20 s), so no run can hang on it. */
  lifetimeMs?: number;
}

/** What the server saw, for assertions. */
export interface RecordedRequest {
  method: string;
  url: string;
  /** `<repo>/<path>` when the URL named a file, else undefined. */
  file: string | undefined;
  range: string | undefined;
  authorization: string | undefined;
  status: number;
}

export interface HubServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A fake Hugging Face hub on 127.0.0.1 serving `/{repo}/resolve/{revision}/{path}`
 * with Range support, redirects, auth and fault injection.
 *
 * @example
 * ```ts
 * const hub = await startHubServer({ files, cutConnection: [{ file: 'org/repo/model.onnx', afterBytes: 1000 }] });
 * try { ... } finally { await hub.close(); }
 * ```
 */
export async function startHubServer(options: HubServerOptions): Promise<HubServer> {
  const requests: RecordedRequest[] = [];
  const cutsDone = new Map<string, number>();
  const byUrlKey = new Map(options.files.map((file) => [`${file.repo}\n${file.revision}\n${file.path}`, file]));

  const server = createServer((request, response) => {
    const record: RecordedRequest = {
      method: request.method ?? '',
      url: request.url ?? '',
      file: undefined,
      range: request.headers.range,
      authorization: request.headers.authorization,
      status: 0,
    };
    requests.push(record);
    const reply = (status: number, headers: Record<string, string | number> = {}, body?: Uint8Array | string) => {
      record.status = status;
      response.writeHead(status, headers);
      response.end(body);
    };

    const route = parseRoute(request.url ?? '');
    if (!route) return reply(404, {}, 'no such route');
    const file = byUrlKey.get(`${route.repo}\n${route.revision}\n${route.path}`);
    record.file = `${route.repo}/${route.path}`;
    if (route.kind === 'resolve') {
      if (options.requireToken !== undefined) {
        if (!request.headers.authorization) return reply(401, { 'X-Error-Message': 'Invalid credentials in Authorization header' });
        if (request.headers.authorization !== `Bearer ${options.requireToken}`) return reply(403, {});
      }
      if (!file) return reply(404, { 'X-Error-Code': 'EntryNotFound', 'X-Error-Message': 'Entry not found' });
      if (options.redirect) {
        const base = typeof options.redirect === 'string' ? options.redirect : `http://${request.headers.host}`;
        const location = `${base}/cdn/${route.repo}/${encodeURIComponent(route.revision)}/${route.path}`;
        return reply(302, { Location: location });
      }
    }
    if (!file) return reply(404, {}, 'not found');
    serveFile(request, response, record, file, options, cutsDone);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? 20_000);
  lifetime.unref();
  return { url: `http://127.0.0.1:${port}`, requests, close };
}

function serveFile(
  request: IncomingMessage,
  response: ServerResponse,
  record: RecordedRequest,
  file: HubFile,
  options: HubServerOptions,
  cutsDone: Map<string, number>,
): void {
  const key = `${file.repo}/${file.path}`;
  const bytes = options.wrongBytes?.find((wrong) => wrong.file === key)?.bytes ?? file.bytes;
  const rangeStart = options.ignoreRange?.includes(key) ? undefined : parseRangeStart(request.headers.range);
  if (rangeStart !== undefined && rangeStart >= bytes.length) {
    record.status = 416;
    response.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` });
    response.end();
    return;
  }
  const start = rangeStart ?? 0;
  const body = bytes.subarray(start);
  const headers: Record<string, string | number> = { 'Content-Length': body.length, 'Content-Type': 'application/octet-stream' };
  if (rangeStart !== undefined) headers['Content-Range'] = `bytes ${start}-${bytes.length - 1}/${bytes.length}`;
  record.status = rangeStart !== undefined ? 206 : 200;
  response.writeHead(record.status, headers);

  const cut = options.cutConnection?.find((fault) => fault.file === key);
  const cutsSoFar = cutsDone.get(key) ?? 0;
  if (cut && cutsSoFar < (cut.times ?? 1)) {
    cutsDone.set(key, cutsSoFar + 1);
    // Wait before dropping, so the client has read every byte sent: the cut point is then exact.
    response.write(body.subarray(0, cut.afterBytes), () => setTimeout(() => response.socket?.destroy(), 100));
    return;
  }
  response.end(body);
}

type Route = { kind: 'resolve' | 'cdn'; repo: string; revision: string; path: string };

/** `/{owner}/{name}/resolve/{revision}/{path…}` or `/cdn/{owner}/{name}/{revision}/{path…}`. */
function parseRoute(url: string): Route | undefined {
  const segments = new URL(url, 'http://x').pathname.split('/').slice(1).map(decodeURIComponent);
  if (segments[0] === 'cdn' && segments.length >= 5) {
    const [, owner, name, revision, ...path] = segments;
    return { kind: 'cdn', repo: `${owner}/${name}`, revision: revision!, path: path.join('/') };
  }
  if (segments[2] === 'resolve' && segments.length >= 5) {
    const [owner, name, , revision, ...path] = segments;
    return { kind: 'resolve', repo: `${owner}/${name}`, revision: revision!, path: path.join('/') };
  }
  return undefined;
}

function parseRangeStart(header: string | undefined): number | undefined {
  const match = header?.match(/^bytes=(\d+)-$/);
  return match ? Number(match[1]) : undefined;
}

/** Deterministic pseudo-random bytes, so fixtures differ per file but not per run. */
export function fixtureBytes(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index++) {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A fixture set: every role's file, a few KB each, in three repos like the real sets. */
export interface FixtureSet {
  set: ModelSet;
  manifest: ModelManifest;
  /** What the hub serves, one entry per role. */
  files: HubFile[];
  /** The bytes of each role's file. */
  bytesByRole: Record<ModelFileRole, Uint8Array>;
  /** `<repo>/<path>` of each role's file, as faults and progress events name it. */
  keyByRole: Record<ModelFileRole, string>;
}

/**
 * Builds the set `fixture` (in a manifest that also has `other`), served from
 * `fixture-org/cdm`, `fixture-org/clap` and `fixture-org/text` at `revision`.
 *
 * @example
 * ```ts
 * const fixture = fixtureSet();
 * const hub = await startHubServer({ files: fixture.files });
 * ```
 */
export function fixtureSet(revision = 'main'): FixtureSet {
  const repoByRole = (role: ModelFileRole) => (role === 'cdm' ? 'fixture-org/cdm' : role.startsWith('clap.') ? 'fixture-org/clap' : 'fixture-org/text');
  // Inside each repo the file sits at its local path minus the "clap/" or "text/" folder, as on the hub.
  const repoPath = (role: ModelFileRole) => MODEL_FILE_ROLES[role].replace(/^(clap|text)\//, '');
  const roles = Object.keys(MODEL_FILE_ROLES) as ModelFileRole[];
  const bytesByRole = {} as Record<ModelFileRole, Uint8Array>;
  const keyByRole = {} as Record<ModelFileRole, string>;
  const sources = {} as ModelSet['files'];
  const files: HubFile[] = [];
  roles.forEach((role, index) => {
    const bytes = fixtureBytes(index + 1, 2048 + index * 512);
    const repo = repoByRole(role);
    const path = repoPath(role);
    bytesByRole[role] = bytes;
    keyByRole[role] = `${repo}/${path}`;
    sources[role] = { repo, revision, path, size: bytes.length, sha256: sha256Hex(bytes) };
    files.push({ repo, revision, path, bytes });
  });
  const set: ModelSet = { description: 'store test fixture', testOnly: true, files: sources };
  const manifest: ModelManifest = { version: 1, sets: { fixture: set, other: { ...set, description: 'another set', testOnly: false } } };
  return { set, manifest, files, bytesByRole, keyByRole };
}
