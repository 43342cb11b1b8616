import type { Refractor, SongScoreOptions } from '@refractor/node';
import type { InputsProgress } from '../progress.js';
import type { CommandContext } from '../context.js';
import { errorRecord } from '../output/error-codes.js';
import { fingerprint, type InputFingerprint, type OutputRecord, type ResumeFields } from '@refractor/node/io';
import { songRecord } from '@refractor/node';
import { songReport } from './report.js';
import { truncationOf } from './truncation.js';

/** One input of a score run, after expansion. */
export interface ScoreJob {
  file: string;
  /** The bytes, for `-` (standard input). */
  bytes?: Uint8Array;
  /** Why there is nothing to score (a missing file, an empty directory, a pattern matching nothing). */
  missing?: { code: string; reason: string };
  /** Filled in when the run needs it (JSON Lines, `--resume`). */
  fingerprint?: InputFingerprint;
}

/** Fills in `job.fingerprint` (once); an unreadable input keeps none. */
export async function fingerprintJob(job: ScoreJob): Promise<InputFingerprint | undefined> {
  if (job.missing) return undefined;
  job.fingerprint ??= await fingerprint(job.bytes ?? job.file).catch(() => undefined);
  return job.fingerprint;
}

/** What {@link scoreOne} needs beyond the job. */
export interface ScoreOneOptions {
  refractor: Refractor | undefined;
  context: CommandContext;
  progress: InputsProgress;
  scoring: SongScoreOptions;
  /** JSON Lines: records are the library's `songRecord` (with the input's fingerprint and this settings digest, what `--resume` keys on). */
  resume?: { digest: string };
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

/**
 * Scores one input into an output record: a song report, or an error record
 * (also reported on stderr and counted as a failure). `--verbose` adds a
 * line of per-stage timings.
 */
export async function scoreOne(job: ScoreJob, options: ScoreOneOptions): Promise<OutputRecord> {
  const { context } = options;
  const fields = async (): Promise<ResumeFields | object> => {
    if (!options.resume) return {};
    const input = await fingerprintJob(job);
    return { ...(input ? { input } : {}), settings_digest: options.resume.digest };
  };
  if (job.missing) {
    context.fail(job.file, job.missing.reason);
    return { file: job.file, error: { code: job.missing.code, message: `${job.file}: ${job.missing.reason}` }, ...(await fields()) };
  }
  const line = options.progress.start(job.file);
  try {
    const song = await options.refractor!.scoreFile(job.bytes ?? job.file, {
      ...options.scoring,
      onChunk: (done) => line.chunk(done),
      ...(context.verbose
        ? {
            onTimings: (t) =>
              context.detail(
                `refractor: timings: ${job.file}: decode ${formatMs(t.decode_ms)}, features ${formatMs(t.features_ms)} (waited), ` +
                  `encoder ${formatMs(t.encoder_ms)}, CDM ${formatMs(t.cdm_ms)}, total ${formatMs(t.total_ms)}`,
              ),
          }
        : {}),
    });
    // A cut-short Ogg file decodes quietly as a shorter song: say so, on stderr and in the record.
    const cut = await truncationOf(job);
    if (cut) {
      const decodes = cut.completeSeconds !== undefined ? `; scored the ${cut.completeSeconds.toFixed(1)} s that decode` : '';
      context.err(`refractor: warning: ${job.file} is truncated: ${cut.reason}${decodes}`);
    }
    const truncation = cut ? { truncated: true, truncation: cut.reason } : {};
    if (!options.resume) return { ...songReport(job.file, song), ...truncation };
    // The record `POST /v1/score` and a queue batch's records() give too, byte for byte (one library function).
    const input = await fingerprintJob(job);
    return { ...songRecord(job.file, song, { input, settingsDigest: options.resume.digest }), ...truncation };
  } catch (error) {
    context.failed(job.file, error);
    return { ...errorRecord(job.file, error), ...(await fields()) };
  } finally {
    line.done();
  }
}
