import {
  BUNDLED_MANIFEST,
  DTYPE_ROLES,
  MODEL_FILE_ROLES,
  RefractorError,
  dtypeFilePath,
  dtypeForRole,
  modelSetForDtype,
  type AnyModelFileRole,
  type DtypeChoice,
  type ModelFileRole,
  type ModelManifest,
} from '@refractor/core';

/** The model manifest shipped with Refractor (`@refractor/core`'s `BUNDLED_MANIFEST`). */
export const MANIFEST: ModelManifest = BUNDLED_MANIFEST;

/** Where model files come from: a manifest set on the Hugging Face hub, or a base URL serving a set directory. */
export interface ModelLocation {
  /**
   * A URL (absolute, or relative to the page) of a set directory laid out as
   * `models/tiny/` is: `<base>/refractor_cdm.onnx`, `<base>/clap/onnx/audio_model.onnx`, …
   * Default: the hub resolve URLs of {@link set}.
   */
  baseUrl?: string;
  /** The manifest set used when there is no base URL (default `default`). */
  set?: string;
  /** Defaults to the bundled {@link MANIFEST}. */
  manifest?: ModelManifest;
  /**
   * Encoder weights (default `fp32`): `fp16` / `q8` fetch the transformers.js
   * variants (`audio_model_fp16.onnx`, `audio_model_quantized.onnx`, …),
   * smaller downloads that change the embeddings the CDM was trained on.
   */
  dtype?: DtypeChoice;
}

/**
 * The URL of one model file. With a base URL, the file's path inside a set
 * directory (see `MODEL_FILE_ROLES`); otherwise the hub's
 * `https://huggingface.co/{repo}/resolve/{revision}/{path}` for the manifest set.
 *
 * @example
 * ```ts
 * modelUrl('/models/tiny/', 'clap.model'); // '/models/tiny/clap/onnx/audio_model.onnx'
 * modelUrl(undefined, 'cdm'); // 'https://huggingface.co/earthlyframes/refractor_cdm/resolve/main/refractor_cdm.onnx'
 * ```
 */
export function modelUrl(baseUrl: string | undefined, role: ModelFileRole, location: Omit<ModelLocation, 'baseUrl'> = {}): string {
  if (!(role in MODEL_FILE_ROLES)) throw new RefractorError(`unknown model file role ${JSON.stringify(role)}`);
  const encoder = DTYPE_ROLES.find((r) => r === role);
  const path = encoder ? dtypeFilePath(MODEL_FILE_ROLES[role], dtypeForRole(location.dtype, encoder)) : MODEL_FILE_ROLES[role];
  if (baseUrl !== undefined && baseUrl !== '') return `${baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`}${path}`;
  const manifest = location.manifest ?? MANIFEST;
  const setName = location.set ?? 'default';
  const set = manifest.sets[setName];
  if (!set) throw new RefractorError(`no model set ${JSON.stringify(setName)} in the manifest (have ${Object.keys(manifest.sets).join(', ')})`);
  const file = modelSetForDtype(set, location.dtype ?? 'fp32').files[role];
  return `https://huggingface.co/${file.repo}/resolve/${file.revision}/${file.path}`;
}

/** Download progress of one file; `total` is 0 when the server sends no length. */
export interface FileProgress {
  role: AnyModelFileRole;
  url: string;
  loaded: number;
  total: number;
  /** True when the bytes came from the Cache Storage API. */
  cached: boolean;
}

/** Options for {@link fetchModelFile}. */
export interface FetchModelOptions {
  onProgress?: (progress: FileProgress) => void;
  /**
   * Use the Cache Storage API (`caches.open('refractor-models')`) when available (default true).
   * @defaultValue `true`
   */
  cache?: boolean;
  /** Expected size in bytes (used as the total when the server sends none). */
  size?: number;
  signal?: AbortSignal;
  /**
   * Compute the file's content digest while it streams (see
   * {@link knownModelDigest}): for files that name stored concepts.
   * @defaultValue `false`
   */
  digest?: boolean;
}

/** The Cache Storage bucket model files are kept in. */
export const MODEL_CACHE_NAME = 'refractor-models';

/** The Cache Storage bucket holding the content digests of cached model files, under the same URLs. */
export const MODEL_DIGEST_CACHE_NAME = 'refractor-model-digests';

/** Blocks of this many bytes are hashed one by one (natively, as they arrive), then their digests together. */
const DIGEST_BLOCK = 4 * 1024 * 1024;

/** Digests of files fetched by this page, by URL. */
const digests = new Map<string, string>();

/**
 * A content digest over a file's bytes: `sha256x4m:` and the SHA-256 of the
 * blocks' SHA-256s (4 MiB blocks, the last one shorter) and the length. Any
 * changed byte changes it, like a plain SHA-256, but it is computed natively
 * block by block while the file downloads, never over a second copy of a
 * 735 MB file (WebCrypto copies what it hashes). The prefix keeps it apart
 * from the manifest's plain SHA-256s.
 */
class BlockDigest {
  private readonly blocks: Promise<ArrayBuffer>[] = [];
  private hashed = 0;

  /** Hashes every whole block of `bytes[0, loaded)` not hashed yet (all of it when `final`). */
  update(bytes: Uint8Array, loaded: number, final = false): void {
    while (loaded - this.hashed >= DIGEST_BLOCK || (final && loaded > this.hashed)) {
      const end = Math.min(loaded, this.hashed + DIGEST_BLOCK);
      this.blocks.push(crypto.subtle.digest('SHA-256', bytes.subarray(this.hashed, end) as Uint8Array<ArrayBuffer>));
      this.hashed = end;
    }
  }

  async hex(length: number): Promise<string> {
    const parts = await Promise.all(this.blocks);
    const all = new Uint8Array(parts.length * 32 + 8);
    parts.forEach((part, i) => all.set(new Uint8Array(part), i * 32));
    new DataView(all.buffer).setBigUint64(parts.length * 32, BigInt(length));
    const digest = await crypto.subtle.digest('SHA-256', all);
    return `sha256x4m:${Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
  }
}

async function digestOf(bytes: Uint8Array): Promise<string> {
  const digest = new BlockDigest();
  digest.update(bytes, bytes.length, true);
  return digest.hex(bytes.length);
}

/**
 * The content digest (see `FetchModelOptions.digest`) of the bytes
 * {@link fetchModelFile} would return for `url`, when known without reading
 * them: from this page's fetches, or from the digest stored beside the file
 * in Cache Storage (only while the file itself is still cached, since those
 * are the bytes a fetch would return). Undefined otherwise.
 *
 * @example
 * ```ts
 * await knownModelDigest('/models/tiny/text/onnx/model.onnx'); // 'sha256x4m:…' after a digesting fetch, or undefined
 * ```
 */
export async function knownModelDigest(url: string, options: { cache?: boolean } = {}): Promise<string | undefined> {
  const cache = await openCache(options.cache ?? true);
  if (cache) {
    const [file, digest] = await Promise.all([cache.match(url).catch(() => undefined), caches.open(MODEL_DIGEST_CACHE_NAME).then((c) => c.match(url)).catch(() => undefined)]);
    // A cached file is what a fetch returns: its recorded digest wins over this page's memory.
    if (file) {
      void file.body?.cancel().catch(() => undefined);
      return digest ? (await digest.text()).trim() || undefined : undefined;
    }
  }
  return digests.get(url);
}

/** Notes a digest another thread took while fetching `url` (the text encoder's worker), as if this thread had fetched it. */
export function rememberModelDigest(url: string, digest: string): void {
  digests.set(url, digest);
}

async function recordDigest(url: string, digest: string, cache: Cache | undefined): Promise<void> {
  digests.set(url, digest);
  if (cache) await caches.open(MODEL_DIGEST_CACHE_NAME).then((c) => c.put(url, new Response(digest))).catch(() => undefined);
}

async function openCache(enabled: boolean): Promise<Cache | undefined> {
  if (!enabled || typeof caches === 'undefined') return undefined;
  try {
    return await caches.open(MODEL_CACHE_NAME);
  } catch {
    return undefined; // e.g. opaque origins, private modes
  }
}

/** How often download progress is reported at most (the first and last events always are). */
export const PROGRESS_INTERVAL_MS = 100;

/**
 * Fetches a model file's bytes with progress, from the Cache Storage API when
 * it holds them, else over the network (and then stores them there).
 *
 * Memory: the bytes are read into one buffer, allocated up front from the
 * response's length (or the manifest's size; it grows by doubling only when
 * neither is known), and the response is teed into Cache Storage as it
 * streams, so the cache is written from the same chunks instead of from a
 * second full copy. A 735 MB text encoder costs 735 MB of JS memory here, not
 * the ~2.2 GB of parts + joined copy + cache copy it used to. Progress events
 * come at most every {@link PROGRESS_INTERVAL_MS} ms, with bytes.
 *
 * @example
 * ```ts
 * const bytes = await fetchModelFile('clap.model', '/models/tiny/clap/onnx/audio_model.onnx', { onProgress: (p) => console.log(p.loaded, p.total) });
 * ```
 */
export async function fetchModelFile(role: AnyModelFileRole, url: string, options: FetchModelOptions = {}): Promise<Uint8Array> {
  const cache = await openCache(options.cache ?? true);
  const hit = await cache?.match(url).catch(() => undefined);
  if (hit) {
    const total = Number(hit.headers.get('content-length') ?? 0) || options.size || 0;
    options.onProgress?.({ role, url, loaded: 0, total, cached: true });
    const bytes = await readBody(hit, total, (loaded) => options.onProgress?.({ role, url, loaded, total: Math.max(total, loaded), cached: true }));
    options.onProgress?.({ role, url, loaded: bytes.length, total: bytes.length, cached: true });
    if (options.digest && !(await knownModelDigest(url))) await recordDigest(url, await digestOf(bytes), cache);
    return bytes;
  }
  let response: Response;
  try {
    response = await fetch(url, options.signal ? { signal: options.signal } : {});
  } catch (error) {
    throw new RefractorError(`${url}: cannot download model file ${role}: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok) throw new RefractorError(`${url}: cannot download model file ${role}: HTTP ${response.status} ${response.statusText}`);
  const length = Number(response.headers.get('content-length') ?? 0);
  // A compressed response's content-length counts compressed bytes: then trust only the manifest size.
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const total = (!encoded && length > 0 ? length : options.size) ?? 0;
  options.onProgress?.({ role, url, loaded: 0, total, cached: false });
  // Tee into the cache: both branches see the same chunks, so the cache never needs a second copy of the file.
  let body = response.body;
  let stored: Promise<unknown> | undefined;
  if (cache && body) {
    const [mine, theirs] = body.tee();
    body = mine;
    const headers = { 'content-type': response.headers.get('content-type') ?? 'application/octet-stream', ...(total > 0 && !encoded ? { 'content-length': String(total) } : {}) };
    stored = cache.put(url, new Response(theirs, { headers })).catch(() => undefined);
  }
  let bytes: Uint8Array;
  const digest = options.digest ? new BlockDigest() : undefined;
  try {
    bytes = await readBody(body ? new Response(body) : response, total, (loaded) => options.onProgress?.({ role, url, loaded, total: Math.max(total, loaded), cached: false }), digest);
  } catch (error) {
    await stored;
    await cache?.delete(url).catch(() => undefined);
    throw new RefractorError(`${url}: cannot download model file ${role}: ${(error as Error).message}`, { cause: error });
  }
  options.onProgress?.({ role, url, loaded: bytes.length, total: bytes.length, cached: false });
  await stored;
  if (options.size !== undefined && !encoded && bytes.length !== options.size) {
    await cache?.delete(url).catch(() => undefined);
    throw new RefractorError(`${url}: model file ${role} is ${bytes.length} bytes; the manifest says ${options.size}`);
  }
  if (digest) {
    digest.update(bytes, bytes.length, true);
    await recordDigest(url, await digest.hex(bytes.length), stored ? cache : undefined);
  }
  return bytes;
}

/**
 * A response body in one buffer of `expected` bytes (grown by doubling when
 * more come, trimmed when fewer do), reporting the bytes read at most every
 * {@link PROGRESS_INTERVAL_MS} ms.
 */
async function readBody(response: Response, expected: number, progress: (loaded: number) => void, digest?: BlockDigest): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  let buffer = new Uint8Array(expected > 0 ? expected : 1 << 20);
  let loaded = 0;
  let reported = performance.now();
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > buffer.length) {
      const grown = new Uint8Array(Math.max(buffer.length * 2, loaded + value.length));
      grown.set(buffer.subarray(0, loaded));
      buffer = grown;
    }
    buffer.set(value, loaded);
    loaded += value.length;
    // Only blocks of the final buffer: a regrown (unknown-length) download is hashed at the end instead.
    if (buffer.length === expected) digest?.update(buffer, loaded);
    const now = performance.now();
    if (now - reported >= PROGRESS_INTERVAL_MS) {
      reported = now;
      progress(loaded);
    }
  }
  // Exact when the length was known; otherwise one trimming copy (the oversized buffer is then garbage).
  return loaded === buffer.length ? buffer : buffer.slice(0, loaded);
}

/** Fetches a JSON model file (configs, tokenizer), naming the file when it does not parse. */
export async function fetchModelJson(role: ModelFileRole, url: string, options: FetchModelOptions = {}): Promise<unknown> {
  const bytes = await fetchModelFile(role, url, options);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new RefractorError(`${url}: model file ${role} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}
