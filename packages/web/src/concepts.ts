import {
  CONCEPT_EMBEDDING_VERSION,
  ConceptEmbedder,
  type OpenTextEncoder,
  conceptIdentityPreimage,
  modelSetForDtype,
  type ConceptModelIdentity,
  type ConceptStorage,
  type ModelFileRole,
} from '@refractor/core';
import type { WebBackend, WebBackendOptions } from './backend.js';
import { RefractorWorkerError } from './client.js';
import { MANIFEST, fetchModelJson, knownModelDigest, modelUrl, rememberModelDigest, type FetchModelOptions, type ModelLocation } from './models.js';
import type { TextWorkerRequest, TextWorkerResponse } from './text-worker-protocol.js';
import { hasWebWorkers } from './remote-features.js';
import { conceptTokenizer } from './tokenizer.js';
import { WebTextEncoder } from './text-encoder.js';

/** An open text encoder (and tokenizer), here or in its own worker: all the embedder needs of it. */
interface TextModels {
  embed(text: string): Promise<Float32Array>;
}

/** What the browser's concept embedder needs from `RefractorWeb.load`'s options. */
export interface WebConceptSettings extends ModelLocation {
  /** Fetch options for one file (cache, progress), by role. */
  fileOptions(role: ModelFileRole): FetchModelOptions;
  /** Called before the encoder session is created (for progress lines). */
  onOpening?: () => void;
  keepTextEncoder: boolean;
  storage: ConceptStorage | undefined;
  /** Whether model files go through Cache Storage (where base-URL sets keep their digests). */
  cache?: boolean;
  /**
   * Starts the text encoder's own worker (see ./text-worker.ts), or `false`
   * to open it in this thread. Default: a module worker on this package's
   * `text-worker.js` where web Workers exist (pages and dedicated workers),
   * else this thread (Node).
   */
  worker?: (() => Worker) | false;
  /** What the worker's backend needs beside the device: the parent's backend options. */
  backendOptions?: Pick<WebBackendOptions, 'wasmPaths' | 'numThreads' | 'sessionOptions'>;
  /** Called when the encoder is released (its worker ended), for progress lines. */
  onReleased?: () => void;
}

/** The default text-encoder worker: this package's text-worker.js, next to this module (the pattern bundlers recognise). */
function defaultTextWorker(): Worker {
  return new Worker(new URL('./text-worker.js', import.meta.url), { type: 'module' });
}

const TEXT_ROLES = ['text.model', 'text.tokenizer', 'text.tokenizer_config'] as const;

/**
 * The browser's concept embedder: core's {@link ConceptEmbedder} (memory,
 * then `settings.storage`, then the text encoder fetched and opened only for
 * a concept not stored), the same class Node uses.
 */
export function webConceptEmbedder(backend: WebBackend, settings: WebConceptSettings): ConceptEmbedder<TextModels> {
  const url = (role: ModelFileRole) => modelUrl(settings.baseUrl, role, settings);
  // A set from a base URL has no manifest digests: its text files are digested as they are fetched.
  const fileOptions = (role: ModelFileRole) => ({ ...settings.fileOptions(role), ...(settings.baseUrl ? { digest: true } : {}) });
  const openHere = async (texts: string[]): Promise<OpenTextEncoder<TextModels>> => {
    const [json, config] = await Promise.all([
      fetchModelJson('text.tokenizer', url('text.tokenizer'), fileOptions('text.tokenizer')),
      fetchModelJson('text.tokenizer_config', url('text.tokenizer_config'), fileOptions('text.tokenizer_config')),
    ]);
    const tokenizer = conceptTokenizer(json as object, config as object);
    const encoder = await WebTextEncoder.open(backend, { url: url('text.model'), options: fileOptions('text.model') }, tokenizer, texts, settings.onOpening);
    return {
      models: encoder,
      release: async () => {
        await encoder.release();
        settings.onReleased?.();
      },
    };
  };
  const startWorker = settings.worker ?? (hasWebWorkers() ? defaultTextWorker : false);
  return new ConceptEmbedder<TextModels>({
    open: async (texts) => {
      // An encoder released after these texts keeps only their embedding rows; one kept open embeds any text.
      const forTexts = settings.keepTextEncoder ? [] : [...texts];
      if (startWorker) {
        const files = {
          model: { url: url('text.model'), options: plainOptions(fileOptions('text.model')) },
          tokenizer: { url: url('text.tokenizer'), options: plainOptions(fileOptions('text.tokenizer')) },
          tokenizerConfig: { url: url('text.tokenizer_config'), options: plainOptions(fileOptions('text.tokenizer_config')) },
        };
        // One WASM thread there. With more, the worker's heap is a SharedArrayBuffer its thread pool shares, and Chromium
        // freed it ~2.4 s after terminate(), while CLAP was already being read (the cold concept visit's peak: 1.97 GB
        // summed RSS); with one it is freed at once (1.85 GB). Opening and embedding took the same 2.1 s either way.
        const backendSettings = { device: backend.device, ...settings.backendOptions, numThreads: 1 };
        const opened = await openInWorker(startWorker, { type: 'open', backend: backendSettings, files, texts: forTexts }, settings);
        if (opened) return opened;
      }
      return openHere(forTexts);
    },
    embed: (models, text) => models.embed(text),
    keepTextEncoder: settings.keepTextEncoder,
    ...(settings.storage ? { storage: settings.storage, identity: () => webConceptIdentity(settings, backend.device) } : {}),
  });
}

/** Fetch options as they cross to a worker: no callbacks, no signal. */
function plainOptions(options: FetchModelOptions): Omit<FetchModelOptions, 'onProgress' | 'signal'> {
  const { onProgress: _progress, signal: _signal, ...plain } = options;
  return plain;
}

/**
 * Opens the text encoder in a worker of its own: the files are fetched and
 * the session created there, each text is embedded there, and `release`
 * terminates the worker, which returns its whole WASM heap to the OS (a
 * heap never shrinks while its thread lives). Download progress and the
 * opening line come back as messages. Undefined when the worker script
 * cannot start (a bundle that did not ship text-worker.js): the caller then
 * opens the encoder in its own thread.
 */
async function openInWorker(start: () => Worker, request: Extract<TextWorkerRequest, { type: 'open' }>, settings: WebConceptSettings): Promise<OpenTextEncoder<TextModels> | undefined> {
  let worker: Worker;
  try {
    worker = start();
  } catch {
    return undefined;
  }
  let started = false;
  let nextId = 1;
  const pending = new Map<number, { resolve: (vector: Float32Array) => void; reject: (error: Error) => void }>();
  let opening: { resolve: (started: boolean) => void; reject: (error: Error) => void } | undefined;
  const failAll = (error: Error) => {
    opening?.reject(error);
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  const opened = new Promise<boolean>((resolve, reject) => (opening = { resolve, reject }));
  worker.onmessage = (event: MessageEvent<TextWorkerResponse>) => {
    const message = event.data;
    if (message.type === 'started') {
      started = true;
      worker.postMessage(request);
    } else if (message.type === 'progress') {
      settings.fileOptions(message.progress.role as ModelFileRole).onProgress?.(message.progress);
    } else if (message.type === 'opening') {
      settings.onOpening?.();
    } else if (message.type === 'opened') {
      for (const [url, digest] of Object.entries(message.digests)) rememberModelDigest(url, digest);
      opening?.resolve(true);
    } else if (message.type === 'embedded') {
      pending.get(message.id)?.resolve(message.vector);
      pending.delete(message.id);
    } else if (message.type === 'error') {
      const error = new RefractorWorkerError(message.error);
      if (message.id === undefined) opening?.reject(error);
      else {
        pending.get(message.id)?.reject(error);
        pending.delete(message.id);
      }
    }
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault?.();
    // Before `started` the script never ran (not served, not bundled): open here instead.
    if (!started) opening?.resolve(false);
    else failAll(new Error(`the text encoder's worker failed: ${event.message || 'unknown error'}`));
  };
  try {
    if (!(await opened)) {
      worker.terminate();
      return undefined;
    }
  } catch (error) {
    worker.terminate();
    throw error;
  }
  return {
    models: {
      embed: (text) =>
        new Promise<Float32Array>((resolve, reject) => {
          const id = nextId++;
          pending.set(id, { resolve, reject });
          worker.postMessage({ type: 'embed', id, text } satisfies TextWorkerRequest);
        }),
    },
    release: async () => {
      worker.terminate();
      failAll(new Error('the text encoder was released'));
      settings.onReleased?.();
    },
  };
}

/**
 * The concept model identity of the text files: the manifest's SHA-256s for
 * a manifest set; for a set served from a base URL, the content digests
 * recorded when the files were fetched (see `knownModelDigest`: known
 * without a download while the files are in Cache Storage). Undefined when
 * not known yet; core's `ConceptEmbedder` asks again once the encoder is open.
 *
 * @example
 * ```ts
 * const identity = await webConceptIdentity({ baseUrl: '/models/tiny/' }, 'wasm'); // undefined until the text files were fetched once
 * ```
 */
export async function webConceptIdentity(location: ModelLocation & { cache?: boolean }, device: string): Promise<ConceptModelIdentity | undefined> {
  if (!location.baseUrl) return manifestConceptIdentity(location, device);
  const files = await Promise.all(
    TEXT_ROLES.map(async (role) => {
      const path = modelUrl(location.baseUrl, role, location);
      return { role, path, sha256: await knownModelDigest(path, { cache: location.cache ?? true }) };
    }),
  );
  if (files.some((file) => !file.sha256)) return undefined;
  return identityOf({ version: CONCEPT_EMBEDDING_VERSION, device, files: files as { role: string; path: string; sha256: string }[] });
}

async function identityOf(parts: ConceptModelIdentity['parts']): Promise<ConceptModelIdentity> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(conceptIdentityPreimage(parts)));
  return { id: Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join(''), parts };
}

/**
 * The concept model identity of a manifest set, from the SHA-256s the
 * manifest gives for its text files (nothing is downloaded to know it).
 * Undefined for a set served from a base URL, whose files are known only by
 * fetching them: its concepts are kept in memory only.
 */
export async function manifestConceptIdentity(location: ModelLocation, device: string): Promise<ConceptModelIdentity | undefined> {
  if (location.baseUrl) return undefined;
  const set = (location.manifest ?? MANIFEST).sets[location.set ?? 'default'];
  if (!set) return undefined;
  const files = modelSetForDtype(set, location.dtype ?? 'fp32').files;
  const digested = TEXT_ROLES.map((role) => ({ role, path: modelUrl(undefined, role, location), sha256: files[role]?.sha256 }));
  if (digested.some((file) => !file.sha256)) return undefined;
  return identityOf({ version: CONCEPT_EMBEDDING_VERSION, device, files: digested as { role: string; path: string; sha256: string }[] });
}
