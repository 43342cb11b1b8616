import { writeEmbeddings, type EmbeddingsFile } from '@refractor/train';
import { isErrorRecord, type JobErrorRecord, type RefractorQueue } from '@refractor/queue';
import { openOutputFile, writeFileAtomic } from '../atomic.js';
import { concatEmbeddings } from '../extract/concat.js';

/** What a results file holds, for the summary line. */
export interface WrittenResults {
  results: number;
  errors: Array<{ file: string; error: JobErrorRecord }>;
  /** For .npz: rows written. */
  rows?: number;
}

/**
 * One JSON line per input, in input order: the queue's result records
 * (`RefractorQueue.records`: a result as `refractor score --format jsonl`
 * shapes it plus content_sha256, or `{ file, error: { code, message } }`).
 * `out` is written by the rules of `openOutputFile`: `-` is stdout, a file
 * is streamed to a temporary file and renamed into place (readers never see
 * half a file), a device or FIFO is written in place.
 */
export async function writeJsonl(queue: RefractorQueue, batch: string, out: string): Promise<WrittenResults> {
  const output = await openOutputFile(out);
  const written: WrittenResults = { results: 0, errors: [] };
  try {
    for await (const record of queue.records(batch)) {
      if (isErrorRecord(record)) written.errors.push(record);
      else written.results += 1;
      await output.write(`${JSON.stringify(record)}\n`);
    }
    await output.commit();
  } catch (error) {
    await output.abort();
    throw error;
  }
  return written;
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
  for await (const song of queue.embeddings(batch)) {
    if ('error' in song) {
      errors.push({ file: song.file, error: song.error });
      skipped.push({ id: song.id, message: skipMessage(song.error) });
      continue;
    }
    const conceptEmbs = new Float32Array(song.chunks * song.concept.length);
    for (let row = 0; row < song.chunks; row++) conceptEmbs.set(song.concept, row * song.concept.length);
    parts.push({ clapEmbs: song.clap, conceptEmbs, colors: Array.from({ length: song.chunks }, () => song.color), songIds: Array.from({ length: song.chunks }, () => song.id) });
  }
  if (parts.length === 0) return { results: 0, errors, skipped };
  const cache = concatEmbeddings(parts);
  await writeFileAtomic(out, writeEmbeddings(cache, { compress: options.compress }));
  return { results: parts.length, errors, skipped, rows: cache.colors.length };
}
