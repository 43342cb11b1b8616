import type { InferenceSession } from 'onnxruntime-web';
import {
  CONCEPT_EMBEDDING_VERSION,
  ConceptEmbedder,
  MODEL_CONTRACTS,
  RefractorScorer,
  conceptIdentityPreimage,
  modelSetForDtype,
  openCheckedSession,
  type ConceptModelIdentity,
  type ConceptStorage,
  type ConceptTokenizer,
  type ModelFileRole,
} from '@refractor/core';
import type { WebBackend } from './backend.js';
import { MANIFEST, fetchModelFile, fetchModelJson, knownModelDigest, modelUrl, type FetchModelOptions, type ModelLocation } from './models.js';
import { conceptTokenizer } from './tokenizer.js';

/** The text encoder and its tokenizer, open. */
interface TextModels {
  session: InferenceSession;
  tokenizer: ConceptTokenizer;
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
  return new ConceptEmbedder<TextModels>({
    open: async () => {
      const [json, config] = await Promise.all([
        fetchModelJson('text.tokenizer', url('text.tokenizer'), fileOptions('text.tokenizer')),
        fetchModelJson('text.tokenizer_config', url('text.tokenizer_config'), fileOptions('text.tokenizer_config')),
      ]);
      const session = await openTextSession(backend, url('text.model'), fileOptions('text.model'), settings.onOpening);
      return { models: { session, tokenizer: conceptTokenizer(json as object, config as object) }, release: () => session.release() };
    },
    // The scorer's concept path reads only the text encoder and tokenizer.
    embed: (models, text) => new RefractorScorer(backend, { clap: NO_SESSION, cdm: NO_SESSION, text: models.session, tokenizer: models.tokenizer }).prepareConcept(text),
    keepTextEncoder: settings.keepTextEncoder,
    ...(settings.storage ? { storage: settings.storage, identity: () => webConceptIdentity(settings, backend.device) } : {}),
  });
}

/** Fetches and opens the text encoder in a function of its own, so its bytes are garbage as soon as the session holds the weights. */
async function openTextSession(backend: WebBackend, url: string, options: FetchModelOptions, onOpening?: () => void): Promise<InferenceSession> {
  const bytes = await fetchModelFile('text.model', url, options);
  onOpening?.();
  return openCheckedSession(backend, bytes, MODEL_CONTRACTS.text, url);
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

/** Stands in for the audio sessions when only concepts are embedded; any use is a bug and says so. */
const NO_SESSION = new Proxy({} as InferenceSession, {
  get(_target, property) {
    throw new Error(`internal: the concept embedder used an audio session (${String(property)})`);
  },
});
