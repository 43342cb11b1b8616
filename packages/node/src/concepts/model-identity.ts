import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { CONCEPT_EMBEDDING_VERSION, conceptIdentityPreimage, type ConceptModelIdentity } from '@refractor/core';
import { memoizedFileSha256 } from './file-digest.js';

/** The files that decide a concept's embedding, with a known SHA-256 for any of them (e.g. from the manifest). */
export interface ConceptModelFiles {
  /** The text encoder (`onnx/model.onnx`); a sibling `<file>_data` external-data file counts too. */
  model: string;
  tokenizer: string;
  tokenizerConfig: string;
  /** Where inference runs: CPU and CUDA kernels may round differently, so their vectors are kept apart. */
  device: string;
  /** SHA-256s already known (verified downloads), by the file's path; those files are not hashed. */
  knownSha256?: Readonly<Record<string, string>>;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The identity of the text model, tokenizer and device that embed concepts:
 * SHA-256 over each file's SHA-256 (memoized by path, size and mtime under
 * `memoDir`, or taken from `knownSha256`), the device and
 * {@link CONCEPT_EMBEDDING_VERSION}. Two model sets with the same files share
 * cached concepts; any changed byte gives a new identity.
 *
 * @example
 * ```ts
 * const { id } = await conceptModelIdentity(
 *   { model: 'tiny/text/onnx/model.onnx', tokenizer: 'tiny/text/tokenizer.json', tokenizerConfig: 'tiny/text/tokenizer_config.json', device: 'cpu' },
 *   '/home/me/.cache/refractor/concepts/file-digests',
 * );
 * ```
 */
export async function conceptModelIdentity(files: ConceptModelFiles, memoDir: string): Promise<ConceptModelIdentity> {
  const roles: [string, string][] = [
    ['text.model', files.model],
    ['text.tokenizer', files.tokenizer],
    ['text.tokenizer_config', files.tokenizerConfig],
  ];
  // onnxruntime's convention for weights kept outside the graph; they are as much the model as the graph is.
  if (await exists(`${files.model}_data`)) roles.push(['text.model_data', `${files.model}_data`]);
  const digested = await Promise.all(
    roles.map(async ([role, path]) => ({ role, path, sha256: files.knownSha256?.[path] ?? (await memoizedFileSha256(path, memoDir)) })),
  );
  const parts = { version: CONCEPT_EMBEDDING_VERSION, device: files.device, files: digested };
  return { id: createHash('sha256').update(conceptIdentityPreimage(parts), 'utf8').digest('hex'), parts };
}
