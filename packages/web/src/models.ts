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
}

/** The Cache Storage bucket model files are kept in. */
export const MODEL_CACHE_NAME = 'refractor-models';

async function openCache(enabled: boolean): Promise<Cache | undefined> {
  if (!enabled || typeof caches === 'undefined') return undefined;
  try {
    return await caches.open(MODEL_CACHE_NAME);
  } catch {
    return undefined; // e.g. opaque origins, private modes
  }
}

/**
 * Fetches a model file's bytes with progress, from the Cache Storage API when
 * it holds them, else over the network (and then stores them there).
 */
export async function fetchModelFile(role: AnyModelFileRole, url: string, options: FetchModelOptions = {}): Promise<Uint8Array> {
  const cache = await openCache(options.cache ?? true);
  const hit = await cache?.match(url).catch(() => undefined);
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    options.onProgress?.({ role, url, loaded: bytes.length, total: bytes.length, cached: true });
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
  const parts: Uint8Array[] = [];
  let loaded = 0;
  options.onProgress?.({ role, url, loaded, total, cached: false });
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      loaded += value.length;
      options.onProgress?.({ role, url, loaded, total: Math.max(total, loaded), cached: false });
    }
  } else {
    const all = new Uint8Array(await response.arrayBuffer());
    parts.push(all);
    loaded = all.length;
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  options.onProgress?.({ role, url, loaded, total: loaded, cached: false });
  if (options.size !== undefined && !encoded && bytes.length !== options.size) {
    throw new RefractorError(`${url}: model file ${role} is ${bytes.length} bytes; the manifest says ${options.size}`);
  }
  if (cache) {
    const headers = { 'content-type': response.headers.get('content-type') ?? 'application/octet-stream', 'content-length': String(bytes.length) };
    await cache.put(url, new Response(bytes, { headers })).catch(() => undefined);
  }
  return bytes;
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
