import type { InferenceSession } from 'onnxruntime-node';
import { ConceptEmbedder, MODEL_CONTRACTS, RefractorScorer, openCheckedSession, type ConceptStorage, type ConceptTokenizer, type InferenceBackend } from '@refractor/core';
import type { ResolvedModelSet } from '../store/index.js';
import { loadConceptTokenizer } from '../tokenizer.js';
import { FileConceptStorage } from './file-concept-storage.js';
import { externalWeightsCopy } from './external-weights.js';
import { memoizedFileSha256 } from './file-digest.js';
import { conceptModelIdentity } from './model-identity.js';

/** The text encoder and its tokenizer, open. */
export interface TextModels {
  session: InferenceSession;
  tokenizer: ConceptTokenizer;
}

/** Where a model set's concepts are cached and how long its text encoder stays open. */
export interface ConceptSettings {
  /** Where concepts persist: a directory (files), a storage of the caller's, or undefined for none. */
  cache: string | ConceptStorage | undefined;
  /** See `RefractorLoadOptions.keepTextEncoder`. */
  keepTextEncoder: boolean;
  /** SHA-256s the manifest vouches for (files of a downloaded set), by path: not re-hashed. */
  knownSha256: Readonly<Record<string, string>>;
  /** Where model files' digests are memoized. */
  digestsDir: string;
  /** Where the external-weights copy of a big text encoder is kept (see {@link externalWeightsCopy}), or undefined to open the file as it is. */
  externalWeightsDir: string | undefined;
}

/**
 * The concept embedder of a model set: memory, then the persistent storage
 * `settings.cache` (keyed by the text-encoder, tokenizer and device
 * identity), then the set's text encoder, opened with `backend` only for a
 * concept not cached. Needs no audio model, so concepts can be embedded (and
 * the encoder released) before CLAP is opened.
 *
 * @example
 * ```ts
 * const concepts = modelSetConceptEmbedder(backend, modelSet, { cache: defaultConceptCacheDir(), keepTextEncoder: false, knownSha256: {} });
 * const vector = await concepts.embed('A song about forgetting the future');
 * ```
 */
export function modelSetConceptEmbedder(
  backend: InferenceBackend & { device: string },
  modelSet: ResolvedModelSet,
  settings: ConceptSettings,
): ConceptEmbedder<TextModels> {
  const files = modelSet.files;
  return new ConceptEmbedder<TextModels>({
    open: async () => {
      const [session, tokenizer] = await Promise.all([
        openCheckedSession(backend, await textModelPath(files['text.model'], settings), MODEL_CONTRACTS.text),
        loadConceptTokenizer(files['text.tokenizer'], files['text.tokenizer_config']),
      ]);
      return { models: { session, tokenizer }, release: () => session.release() };
    },
    // The scorer's concept path reads only the text encoder and tokenizer; the audio sessions are never touched.
    embed: (models, text) => new RefractorScorer(backend, { clap: NO_SESSION, cdm: NO_SESSION, ...models, text: models.session }).prepareConcept(text),
    keepTextEncoder: settings.keepTextEncoder,
    ...(settings.cache === undefined
      ? {}
      : {
          storage: typeof settings.cache === 'string' ? new FileConceptStorage(settings.cache) : settings.cache,
          identity: () =>
            conceptModelIdentity(
              { model: files['text.model'], tokenizer: files['text.tokenizer'], tokenizerConfig: files['text.tokenizer_config'], device: backend.device, knownSha256: settings.knownSha256 },
              settings.digestsDir,
            ),
        }),
  });
}

/**
 * The text encoder to open: its external-weights copy when one can be had
 * (made on first use), else the file itself — a copy that cannot be made
 * (read-only cache, full disk) costs speed, never the result.
 */
async function textModelPath(path: string, settings: ConceptSettings): Promise<string> {
  if (!settings.externalWeightsDir) return path;
  try {
    const sha256 = settings.knownSha256[path] ?? (await memoizedFileSha256(path, settings.digestsDir));
    return await externalWeightsCopy(path, sha256, settings.externalWeightsDir);
  } catch {
    return path;
  }
}

/** Stands in for the audio sessions when only concepts are embedded; any use is a bug and says so. */
const NO_SESSION = new Proxy({} as InferenceSession, {
  get(_target, property) {
    throw new Error(`internal: the concept embedder used an audio session (${String(property)})`);
  },
});
