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
import { MANIFEST, fetchModelFile, fetchModelJson, modelUrl, type FetchModelOptions, type ModelLocation } from './models.js';
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
}

const TEXT_ROLES = ['text.model', 'text.tokenizer', 'text.tokenizer_config'] as const;

/**
 * The browser's concept embedder: core's {@link ConceptEmbedder} (memory,
 * then `settings.storage`, then the text encoder fetched and opened only for
 * a concept not stored), the same class Node uses.
 */
export function webConceptEmbedder(backend: WebBackend, settings: WebConceptSettings): ConceptEmbedder<TextModels> {
  const url = (role: ModelFileRole) => modelUrl(settings.baseUrl, role, settings);
  return new ConceptEmbedder<TextModels>({
    open: async () => {
      const [json, config, bytes] = await Promise.all([
        fetchModelJson('text.tokenizer', url('text.tokenizer'), settings.fileOptions('text.tokenizer')),
        fetchModelJson('text.tokenizer_config', url('text.tokenizer_config'), settings.fileOptions('text.tokenizer_config')),
        fetchModelFile('text.model', url('text.model'), settings.fileOptions('text.model')),
      ]);
      settings.onOpening?.();
      const session = await openCheckedSession(backend, bytes, MODEL_CONTRACTS.text, url('text.model'));
      return { models: { session, tokenizer: conceptTokenizer(json as object, config as object) }, release: () => session.release() };
    },
    // The scorer's concept path reads only the text encoder and tokenizer.
    embed: (models, text) => new RefractorScorer(backend, { clap: NO_SESSION, cdm: NO_SESSION, text: models.session, tokenizer: models.tokenizer }).prepareConcept(text),
    keepTextEncoder: settings.keepTextEncoder,
    ...(settings.storage ? { storage: settings.storage, identity: () => manifestConceptIdentity(settings, backend.device) } : {}),
  });
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
  const parts = { version: CONCEPT_EMBEDDING_VERSION, device, files: digested as { role: string; path: string; sha256: string }[] };
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(conceptIdentityPreimage(parts)));
  return { id: Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join(''), parts };
}

/** Stands in for the audio sessions when only concepts are embedded; any use is a bug and says so. */
const NO_SESSION = new Proxy({} as InferenceSession, {
  get(_target, property) {
    throw new Error(`internal: the concept embedder used an audio session (${String(property)})`);
  },
});
