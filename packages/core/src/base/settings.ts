import { DEFAULT_CANDIDATE_BATCH } from './candidates.js';
import { sha256Text } from '../text-digest.js';
import { targetTable } from '../targets.js';
import type { CandidateSettings } from './report.js';

/** What a door knows when it records {@link CandidateSettings}. */
export interface CandidateSettingsInput {
  /** The model set's name (`default`, `tiny`, a directory). */
  models: string;
  testOnly: boolean;
  /** The base model file that was loaded, if any. */
  baseModel?: string | null;
  /** The concept text the candidates were scored against (none, null or blank: no concept); recorded as its SHA-256. */
  concept?: string | null;
  crop: string;
  seed: number;
  /** Candidates per ONNX run (default `DEFAULT_CANDIDATE_BATCH`). */
  batchSize?: number;
  /** The target table's name (default `canonical`). */
  targets?: string;
  /**
   * Record file names only, not whole paths (a server keeps its paths
   * private); default false.
   */
  fileNamesOnly?: boolean;
}

/** The last part of a path (either separator), for {@link candidateSettings}'s `fileNamesOnly`. */
const fileName = (path: string) => path.split(/[\\/]/).pop() ?? path;

/**
 * The `settings` of every candidate record, built in one place for the CLI,
 * the server and queue workers, so the three doors describe the same run
 * the same way.
 *
 * @example
 * ```ts
 * candidateSettings({ models: 'tiny', testOnly: true, baseModel: '/models/refractor.onnx', crop: 'start', seed: 0 });
 * // { models: 'tiny', test_only: true, base_model: '/models/refractor.onnx', concept_sha256: null, crop: 'start', seed: 0, batch_size: 64, targets: 'canonical' }
 * ```
 */
export function candidateSettings(input: CandidateSettingsInput): CandidateSettings {
  const name = (path: string) => (input.fileNamesOnly ? fileName(path) : path);
  return {
    models: name(input.models),
    test_only: input.testOnly,
    base_model: input.baseModel ? name(input.baseModel) : null,
    concept_sha256: input.concept == null || input.concept.trim() === '' ? null : sha256Text(input.concept),
    crop: input.crop,
    seed: input.seed,
    batch_size: input.batchSize ?? DEFAULT_CANDIDATE_BATCH,
    targets: targetTable(input.targets).name,
  };
}
