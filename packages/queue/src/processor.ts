import type { Job } from 'bullmq';
import type { Refractor } from '@refractor/node';
import { classifyError, JobError, toBullError } from './errors.js';
import { fetchInput, type FetchLimits } from './fetch-input.js';
import { encodeFloat32 } from './float32-base64.js';
import { sha256Bytes, sha256File } from './hash.js';
import type { JobData, JobInput, JobResult } from './jobs.js';

/** A job's audio, ready for Refractor: a path or fetched bytes, with the hash of what will be read. */
interface LoadedInput {
  source: string | Uint8Array;
  name: string;
  sha256: string;
}

async function loadInput(input: JobInput, limits: FetchLimits): Promise<LoadedInput> {
  if ('url' in input) {
    const bytes = await fetchInput(input.url, limits);
    return { source: bytes, name: input.url, sha256: sha256Bytes(bytes) };
  }
  const sha256 = await sha256File(input.path);
  if (sha256 !== input.sha256) {
    throw new JobError('content-changed', `${input.path}: the file changed after it was queued (sha256 ${sha256.slice(0, 12)}…, queued ${input.sha256.slice(0, 12)}…); queue it again`, true);
  }
  return { source: input.path, name: input.path, sha256 };
}

/** Options for {@link createProcessor}. */
export interface ProcessorOptions {
  fetch?: FetchLimits;
  /** Called when a job starts, before any work (logging). */
  onStart?: (job: Job<JobData, JobResult>) => void;
}

/**
 * The work of one job with an open {@link Refractor}: load the input (check
 * the file's hash, or fetch the URL), then score the song or embed its
 * chunks. Each distinct concept text is embedded once per process. Errors
 * become BullMQ errors carrying a code: permanent ones (bad audio, changed
 * file, 4xx, too large) as UnrecoverableError, the rest retried.
 *
 * @example
 * ```ts
 * const worker = new Worker('refractor', createProcessor(refractor), { connection });
 * ```
 */
export function createProcessor(refractor: Refractor, options: ProcessorOptions = {}): (job: Job<JobData, JobResult>) => Promise<JobResult> {
  const concepts = new Map<string, Promise<Float32Array>>();
  const concept = (text: string | null) => {
    const key = text ?? '';
    let embedding = concepts.get(key);
    if (!embedding) {
      embedding = refractor.prepareConcept(text);
      // A failed embedding is not kept: the next job tries again.
      embedding.catch(() => concepts.delete(key));
      concepts.set(key, embedding);
    }
    return embedding;
  };

  return async (job) => {
    options.onStart?.(job);
    const data = job.data;
    const input = data?.input;
    const name = input && 'url' in input ? input.url : (input?.path ?? `job ${job.id}`);
    try {
      if (data?.v !== 1 || (data.task !== 'score' && data.task !== 'embed') || !input) {
        throw new JobError('invalid-input', `job ${job.id}: not a Refractor job of a version this worker knows (v ${String(data?.v)}, task ${String(data?.task)})`, true);
      }
      const loaded = await loadInput(input, options.fetch ?? {});
      const s = data.settings;
      const features = { chunkSizeS: s.chunk_size_s, chunkStrideS: s.chunk_stride_s, crop: s.crop, seed: s.seed };
      const conceptEmbedding = await concept(s.concept);
      if (data.task === 'score') {
        const target = data.settings.target;
        const song = await refractor.scoreFile(loaded.source, { ...features, conceptEmbedding, ...(target !== null ? { target } : {}) });
        return { task: 'score', content_sha256: loaded.sha256, song };
      }
      const { embeddings, chunks } = await refractor.embedChunks(loaded.source, features);
      return { task: 'embed', content_sha256: loaded.sha256, chunks: chunks.length, clap: encodeFloat32(embeddings), concept: encodeFloat32(conceptEmbedding) };
    } catch (error) {
      throw toBullError(classifyError(error, name));
    }
  };
}
