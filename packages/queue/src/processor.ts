import { stat } from 'node:fs/promises';
import type { Job } from 'bullmq';
import { candidateSettings, type Candidate, type Refractor } from '@refractor/node';
import { classifyError, JobError, toBullError } from './errors.js';
import { fetchInput, type FetchLimits } from './fetch-input.js';
import { encodeFloat32 } from './float32-base64.js';
import { sha256OfFile } from '@refractor/node/io';
import { sha256Bytes } from './hash.js';
import { describeJob, type CandidateJobResult, type JobData, type JobInput, type JobResult } from './jobs.js';

/** A job's audio, ready for Refractor: a path or fetched bytes, with the hash of what will be read. */
interface LoadedInput {
  source: string | Uint8Array;
  name: string;
  sha256: string;
  /** Bytes, for the song record's `input`. */
  size: number;
}

async function loadInput(input: JobInput, limits: FetchLimits): Promise<LoadedInput> {
  if ('url' in input) {
    const bytes = await fetchInput(input.url, limits);
    return { source: bytes, name: input.url, sha256: sha256Bytes(bytes), size: bytes.length };
  }
  const [sha256, { size }] = await Promise.all([sha256OfFile(input.path), stat(input.path)]);
  if (sha256 !== input.sha256) {
    throw new JobError('content-changed', `${input.path}: the file changed after it was queued (sha256 ${sha256.slice(0, 12)}…, queued ${input.sha256.slice(0, 12)}…); queue it again`);
  }
  return { source: input.path, name: input.path, sha256, size };
}

/** Options for {@link createProcessor}. */
export interface ProcessorOptions {
  fetch?: FetchLimits;
  /** Called when a job starts, before any work (logging). */
  onStart?: (job: Job<JobData, JobResult>) => void;
}

/**
 * The work of one job with an open `Refractor`: load the input (check
 * the file's hash, or fetch the URL), then score the song or embed its
 * chunks. Concepts come from `Refractor.prepareConcept` (memory, the
 * concept cache, the encoder only for a new text). Errors
 * become BullMQ errors carrying a code: permanent ones (bad audio, changed
 * file, 4xx, too large) as UnrecoverableError, the rest retried.
 *
 * @example
 * ```ts
 * const worker = new Worker('refractor', createProcessor(refractor), { connection });
 * ```
 */
export function createProcessor(refractor: Refractor, options: ProcessorOptions = {}): (job: Job<JobData, JobResult>) => Promise<JobResult> {
  // The library's concept lookup: memory (shared by concurrent jobs), the persistent concept cache, then the encoder.
  const concept = (text: string | null) => refractor.prepareConcept(text);

  return async (job) => {
    options.onStart?.(job);
    const data = job.data;
    const name = describeJob(data);
    try {
      if (data?.v !== 1 || !['score', 'embed', 'candidate'].includes(data.task) || !data.input) {
        throw new JobError('invalid-input', `job ${job.id}: not a Refractor job of a version this worker knows (v ${String(data?.v)}, task ${String(data?.task)}); expected v 1 and task score, embed or candidate`);
      }
      if (data.task === 'candidate') return await scoreCandidate(refractor, data, name, concept, options.fetch ?? {});
      const loaded = await loadInput(data.input, options.fetch ?? {});
      const s = data.settings;
      const features = { chunkSizeS: s.chunk_size_s, chunkStrideS: s.chunk_stride_s, crop: s.crop, seed: s.seed };
      const conceptEmbedding = await concept(s.concept);
      if (data.task === 'score') {
        const { target, targets, color_rule } = data.settings;
        const song = await refractor.scoreFile(loaded.source, {
          ...features,
          concept: s.concept,
          conceptEmbedding,
          ...(target !== null ? { target } : {}),
          ...(targets !== undefined ? { targets } : {}),
          ...(color_rule !== undefined ? { colorRule: color_rule } : {}),
        });
        return { task: 'score', content_sha256: loaded.sha256, content_size: loaded.size, song };
      }
      const { embeddings, chunks } = await refractor.embedChunks(loaded.source, features);
      return { task: 'embed', content_sha256: loaded.sha256, chunks: chunks.length, clap: encodeFloat32(embeddings), concept: encodeFloat32(conceptEmbedding) };
    } catch (error) {
      throw toBullError(classifyError(error, name));
    }
  };
}

/** A candidate job: its MIDI/audio loaded as score jobs load songs, then `Refractor.scoreCandidates` on it alone. */
async function scoreCandidate(
  refractor: Refractor,
  data: Extract<JobData, { task: 'candidate' }>,
  name: string,
  concept: (text: string | null) => Promise<Float32Array>,
  limits: FetchLimits,
): Promise<CandidateJobResult> {
  const { midi, audio, lyric } = data.input;
  const s = data.settings;
  const candidate: Candidate = { id: name, ...(lyric !== undefined ? { lyric } : {}) };
  const content_sha256: CandidateJobResult['content_sha256'] = {};
  if (midi) {
    const loaded = await loadInput(midi, limits);
    candidate.midi = loaded.source;
    content_sha256.midi = loaded.sha256;
  }
  if (audio) {
    const loaded = await loadInput(audio, limits);
    candidate.audio = loaded.source;
    content_sha256.audio = loaded.sha256;
  }
  const hasConcept = s.concept !== null && s.concept.trim() !== '';
  const [item] = await refractor.scoreCandidates([candidate], {
    ...(hasConcept ? { conceptEmbedding: await concept(s.concept) } : {}),
    soundsLike: s.sounds_like,
    crop: s.crop,
    seed: s.seed,
    ...(s.targets !== undefined ? { targets: s.targets } : {}),
  });
  if (!item?.result) throw item?.error ?? new Error('no result');
  return {
    task: 'candidate',
    content_sha256,
    result: item.result,
    settings: candidateSettings({
      models: refractor.modelSet.name,
      testOnly: refractor.modelSet.testOnly,
      baseModel: refractor.baseModelPath ?? null,
      concept: s.concept,
      crop: s.crop,
      seed: s.seed,
      ...(s.targets !== undefined ? { targets: s.targets } : {}),
    }),
  };
}
