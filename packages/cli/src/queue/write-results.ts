import { rankByConfidence } from '@refractor/node';
import { concatEmbeddings, writeEmbeddings, type EmbeddingsFile } from '@refractor/train';
import { decodeFloat32, type JobErrorRecord, type Outcome, type RefractorQueue } from '@refractor/queue';
import { openOutputFile, writeFileAtomic } from '../atomic.js';
import { candidateReport } from '../score/base-report.js';
import { songReport } from '../score/report.js';

/** What a results file holds, for the summary line. */
export interface WrittenResults {
  results: number;
  errors: Array<{ file: string; error: JobErrorRecord }>;
  /** For .npz: rows written. */
  rows?: number;
}

/**
 * One JSON line per input, in input order: a result as `refractor score
 * --format json` shapes it (plus the sha256 of the bytes the worker scored),
 * or `{ file, error: { code, message } }`. `out` is written by the rules of
 * `openOutputFile`: `-` is stdout, a file is streamed to a temporary file
 * and renamed into place (readers never see half a file), a device or FIFO
 * is written in place.
 */
export async function writeJsonl(queue: RefractorQueue, batch: string, out: string, options: { rank?: boolean } = {}): Promise<WrittenResults> {
  const ranks = options.rank ? await candidateRanks(queue, batch) : undefined;
  const output = await openOutputFile(out);
  const written: WrittenResults = { results: 0, errors: [] };
  try {
    for await (const outcome of queue.outcomes(batch)) {
      const line = jsonlRecord(outcome, ranks?.get(outcome.index));
      if (isErrorRecord(line)) written.errors.push(line);
      else written.results += 1;
      await output.write(`${JSON.stringify(line)}\n`);
    }
    await output.commit();
  } catch (error) {
    await output.abort();
    throw error;
  }
  return written;
}

/** A JSONL record: a result (the score report's keys) or an input's error. */
export type JsonlRecord = { file: string; [key: string]: unknown } | ErrorRecord;
type ErrorRecord = { file: string; error: JobErrorRecord };

const isErrorRecord = (record: JsonlRecord): record is ErrorRecord => 'error' in record;

/**
 * The 0-based confidence rank of each scored candidate of a batch, by input
 * index (ties keep input order, as `refractor score --rank` ranks them).
 */
async function candidateRanks(queue: RefractorQueue, batch: string): Promise<Map<number, number>> {
  const scored: Array<{ confidence: number; index: number }> = [];
  for await (const outcome of queue.outcomes(batch)) {
    if (outcome.result?.task === 'candidate') scored.push({ confidence: outcome.result.result.confidence, index: outcome.index });
  }
  return new Map(rankByConfidence(scored).map(({ index, rank }) => [index, rank]));
}

/** One input's JSONL record (`rank`: its place among the batch's candidates, with --rank). */
export function jsonlRecord(outcome: Outcome, rank?: number): JsonlRecord {
  const { item } = outcome;
  if (outcome.state === 'completed' && outcome.result?.task === 'score') {
    return { ...songReport(item.file, outcome.result.song), content_sha256: outcome.result.content_sha256 };
  }
  if (outcome.state === 'completed' && outcome.result?.task === 'candidate') {
    const { result, settings, content_sha256 } = outcome.result;
    return { ...candidateReport({ input: item.file, result, ...(rank !== undefined ? { rank } : {}) }, settings), content_sha256 };
  }
  if (outcome.state === 'completed') return { file: item.file, error: { code: 'failed', message: `${item.file}: job ${item.job} holds a ${outcome.result?.task} result, not a score` } };
  return { file: item.file, error: outcome.error ?? { code: 'failed', message: `${item.file}: no result` } };
}

/** An extract song's error in the words of the single-machine `refractor extract`. */
function skipMessage(error: JobErrorRecord): string {
  if (error.code === 'decode') return `skipped (undecodable-audio): audio does not decode: ${error.message}`;
  if (['missing-audio', 'unreadable-label', 'unknown-color'].includes(error.code)) return `skipped (${error.code}): ${error.message}`;
  return `skipped (scoring-failed): extraction failed: ${error.message}`;
}

/**
 * Merges an extract batch into the original `.npz` (clap_embs, concept_embs,
 * colors, song_ids): rows song by song in dataset order, exactly as the
 * single-machine `refractor extract` writes them, so the bytes are the same.
 */
export async function writeNpz(queue: RefractorQueue, batch: string, out: string, options: { compress: boolean }): Promise<WrittenResults & { skipped: Array<{ id: string; message: string }> }> {
  const parts: EmbeddingsFile[] = [];
  const errors: WrittenResults['errors'] = [];
  const skipped: Array<{ id: string; message: string }> = [];
  for await (const outcome of queue.outcomes(batch)) {
    const { item, result } = outcome;
    const id = item.song?.id ?? item.file;
    if (outcome.state !== 'completed' || result?.task !== 'embed') {
      const error = outcome.error ?? { code: 'failed', message: `${item.file}: not an embedding result` };
      errors.push({ file: item.file, error });
      skipped.push({ id, message: skipMessage(error) });
      continue;
    }
    const clapEmbs = decodeFloat32(result.clap);
    const concept = decodeFloat32(result.concept);
    const conceptEmbs = new Float32Array(result.chunks * concept.length);
    for (let row = 0; row < result.chunks; row++) conceptEmbs.set(concept, row * concept.length);
    parts.push({ clapEmbs, conceptEmbs, colors: Array.from({ length: result.chunks }, () => item.song!.color), songIds: Array.from({ length: result.chunks }, () => id) });
  }
  if (parts.length === 0) return { results: 0, errors, skipped };
  const cache = concatEmbeddings(parts);
  await writeFileAtomic(out, writeEmbeddings(cache, { compress: options.compress }));
  return { results: parts.length, errors, skipped, rows: cache.colors.length };
}
