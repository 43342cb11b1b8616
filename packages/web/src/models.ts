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
  /** A block's bytes gathered across chunks (WebCrypto copies its input at the call, so it is reused). */
  private readonly staged = new Uint8Array(DIGEST_BLOCK);
  private stagedBytes = 0;
  private length = 0;

  /** Hashes the next bytes of the file. */
  update(chunk: Uint8Array): void {
    this.length += chunk.length;
    let at = 0;
    while (at < chunk.length) {
      if (this.stagedBytes === 0 && chunk.length - at >= DIGEST_BLOCK) {
        // A whole block inside the chunk: hashed where it lies.
        this.blocks.push(crypto.subtle.digest('SHA-256', chunk.subarray(at, at + DIGEST_BLOCK) as Uint8Array<ArrayBuffer>));
        at += DIGEST_BLOCK;
        continue;
      }
      const take = Math.min(DIGEST_BLOCK - this.stagedBytes, chunk.length - at);
      this.staged.set(chunk.subarray(at, at + take), this.stagedBytes);
      this.stagedBytes += take;
      at += take;
      if (this.stagedBytes === DIGEST_BLOCK) this.flush();
    }
  }

  private flush(): void {
    if (this.stagedBytes > 0) this.blocks.push(crypto.subtle.digest('SHA-256', this.staged.subarray(0, this.stagedBytes)));
    this.stagedBytes = 0;
  }

  async hex(): Promise<string> {
    this.flush();
    const parts = await Promise.all(this.blocks);
    const all = new Uint8Array(parts.length * 32 + 8);
    parts.forEach((part, i) => all.set(new Uint8Array(part), i * 32));
    new DataView(all.buffer).setBigUint64(parts.length * 32, BigInt(this.length));
    const digest = await crypto.subtle.digest('SHA-256', all);
    return `sha256x4m:${Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
  }
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

/** A model file's bytes as they arrive (see {@link openModelStream}). */
export interface ModelStream {
  /** The expected size in bytes (the response's length or the manifest's size; 0 when unknown). */
  total: number;
  /** True when the bytes come from the Cache Storage API. */
  cached: boolean;
  /**
   * The bytes in chunks. Reading them to the end also checks the size, stores
   * the digest and finishes the cache write; a read that fails or stops
   * early leaves nothing half-written in the cache.
   */
  chunks: AsyncIterable<Uint8Array>;
}

/**
 * Opens a model file as a stream of chunks with progress, from the Cache
 * Storage API when it holds it, else over the network, teed into Cache
 * Storage as it streams (the cache is written from the same chunks, never
 * from a second copy). Progress events come at most every
 * {@link PROGRESS_INTERVAL_MS} ms, with bytes. For the bytes in one buffer,
 * {@link fetchModelFile}; to read a big model without ever holding the whole
 * file, core's `splitModelStream` over `chunks`.
 *
 * @example
 * ```ts
 * const stream = await openModelStream('text.model', url, { onProgress: (p) => console.log(p.loaded, p.total) });
 * const split = await splitModelStream(stream.chunks);
 * ```
 */
export async function openModelStream(role: AnyModelFileRole, url: string, options: FetchModelOptions = {}): Promise<ModelStream> {
  const cache = await openCache(options.cache ?? true);
  const hit = await cache?.match(url).catch(() => undefined);
  if (hit) {
    const total = Number(hit.headers.get('content-length') ?? 0) || options.size || 0;
    const digest = options.digest && !(await knownModelDigest(url)) ? new BlockDigest() : undefined;
    return { total, cached: true, chunks: progressChunks(hit, { role, url, total, cached: true }, options, digest, async () => {
      if (digest) await recordDigest(url, await digest.hex(), cache);
    }) };
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
  // Tee into the cache: both branches see the same chunks, so the cache never needs a second copy of the file.
  let body = response.body;
  let stored: Promise<unknown> | undefined;
  if (cache && body) {
    const [mine, theirs] = boundedTee(body, CACHE_BACKLOG_BYTES);
    body = mine;
    const headers = { 'content-type': response.headers.get('content-type') ?? 'application/octet-stream', ...(total > 0 && !encoded ? { 'content-length': String(total) } : {}) };
    stored = cache.put(url, new Response(theirs, { headers })).catch(() => undefined);
  }
  const digest = options.digest ? new BlockDigest() : undefined;
  const source = body ? new Response(body) : response;
  const chunks = progressChunks(source, { role, url, total, cached: false }, options, digest, async (loaded) => {
    await stored;
    if (options.size !== undefined && !encoded && loaded !== options.size) {
      await cache?.delete(url).catch(() => undefined);
      throw new RefractorError(`${url}: model file ${role} is ${loaded} bytes; the manifest says ${options.size}`);
    }
    if (digest) await recordDigest(url, await digest.hex(), stored ? cache : undefined);
  }, async (error) => {
    // A failed read fails the tee's cache branch too (boundedTee), so the write settles; then nothing half-written stays.
    await stored;
    await cache?.delete(url).catch(() => undefined);
    return error instanceof RefractorError ? error : new RefractorError(`${url}: cannot download model file ${role}: ${(error as Error).message}`, { cause: error });
  });
  return { total, cached: false, chunks };
}

/**
 * How far the download may run ahead of the Cache Storage write. Chromium
 * writes Cache Storage slower than a fast link delivers: with DeBERTa's
 * 735 MB from a local server the download took 11.3 s and the write 16.4 s,
 * and a plain `tee()` queued every chunk the write had not taken yet, ~600 MB
 * in the tab at the end of the download, the visit's memory peak.
 */
export const CACHE_BACKLOG_BYTES = 16 * 1024 * 1024;

/**
 * `body.tee()` with a bounded backlog: the same chunks go to both branches,
 * but the source is read only while the second branch (the cache write) has
 * less than `backlogBytes` queued, so the first never runs ahead of it by
 * more. A cancelled or failed second branch (a cache that refuses the write)
 * no longer holds the first back. Cancelling the first cancels the source
 * and fails the second, so a half-read file is never stored.
 */
export function boundedTee<T extends Uint8Array>(body: ReadableStream<T>, backlogBytes: number): [ReadableStream<T>, ReadableStream<T>] {
  const reader = body.getReader();
  let second!: ReadableStreamDefaultController<T>;
  let secondOpen = true;
  let wake: (() => void) | undefined;
  const wakeUp = () => {
    wake?.();
    wake = undefined;
  };
  const theirs = new ReadableStream<T>(
    {
      start: (controller) => void (second = controller),
      pull: wakeUp,
      cancel: () => {
        secondOpen = false;
        wakeUp();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: backlogBytes }),
  );
  const mine = new ReadableStream<T>(
    {
      async pull(controller) {
        while (secondOpen && (second.desiredSize ?? 1) <= 0) await new Promise<void>((resolve) => (wake = resolve));
        let next: ReadableStreamReadResult<T>;
        try {
          next = await reader.read();
        } catch (error) {
          if (secondOpen) second.error(error);
          secondOpen = false;
          throw error;
        }
        if (next.done) {
          if (secondOpen) second.close();
          secondOpen = false;
          controller.close();
          return;
        }
        if (secondOpen) second.enqueue(next.value);
        controller.enqueue(next.value);
      },
      async cancel(reason) {
        if (secondOpen) second.error(reason ?? new Error('the download was abandoned'));
        secondOpen = false;
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return [mine, theirs];
}

/**
 * A body's chunks with progress (at most every {@link PROGRESS_INTERVAL_MS}
 * ms, plus the first and last events) and the digest fed; `finish` runs after
 * the last chunk, `fail` turns a read error (or a consumer that stopped
 * early) into the error to throw after cleaning up.
 */
async function* progressChunks(
  response: Response,
  file: Omit<FileProgress, 'loaded'>,
  options: FetchModelOptions,
  digest: BlockDigest | undefined,
  finish: (loaded: number) => Promise<void>,
  fail: (error: unknown) => Promise<Error> = async (error) => (error instanceof Error ? error : new Error(String(error))),
): AsyncGenerator<Uint8Array> {
  const report = (loaded: number, total = file.total) => options.onProgress?.({ ...file, loaded, total: Math.max(total, loaded) });
  report(0);
  let loaded = 0;
  let complete = false;
  try {
    if (!response.body) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      loaded = bytes.length;
      digest?.update(bytes);
      yield bytes;
    } else {
      let reported = performance.now();
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          loaded += value.length;
          digest?.update(value);
          const now = performance.now();
          if (now - reported >= PROGRESS_INTERVAL_MS) {
            reported = now;
            report(loaded);
          }
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    }
    complete = true;
  } catch (error) {
    throw await fail(error);
  } finally {
    // A consumer that stopped early (return()) is a failure too: the cache must not keep a partial file.
    if (!complete) await response.body?.cancel().catch(() => undefined);
  }
  report(loaded, loaded);
  await finish(loaded);
}

/**
 * Fetches a model file's bytes with progress, from the Cache Storage API when
 * it holds them, else over the network (and then stores them there); see
 * {@link openModelStream}.
 *
 * Memory: the bytes are read into one buffer, allocated up front from the
 * response's length (or the manifest's size; it grows by doubling only when
 * neither is known), and the cache is written from the same chunks instead of
 * from a second full copy. A 735 MB text encoder costs 735 MB of JS memory
 * here, not the ~2.2 GB of parts + joined copy + cache copy it used to.
 *
 * @example
 * ```ts
 * const bytes = await fetchModelFile('clap.model', '/models/tiny/clap/onnx/audio_model.onnx', { onProgress: (p) => console.log(p.loaded, p.total) });
 * ```
 */
export async function fetchModelFile(role: AnyModelFileRole, url: string, options: FetchModelOptions = {}): Promise<Uint8Array> {
  const { total, chunks } = await openModelStream(role, url, options);
  let buffer = new Uint8Array(total > 0 ? total : 1 << 20);
  let loaded = 0;
  for await (const chunk of chunks) {
    if (loaded + chunk.length > buffer.length) {
      const grown = new Uint8Array(Math.max(buffer.length * 2, loaded + chunk.length));
      grown.set(buffer.subarray(0, loaded));
      buffer = grown;
    }
    buffer.set(chunk, loaded);
    loaded += chunk.length;
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
