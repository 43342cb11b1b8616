import { readFile } from 'node:fs/promises';
import { Option } from 'commander';
import { createHash } from 'node:crypto';
import { candidateLabel, candidateSettings, checkCandidates, isMidi, type Candidate, type CandidateItem, type CandidateResult, type Refractor, type TargetTableName } from '@refractor/node';
import { errorRecord } from '../output/error-codes.js';
import { candidatesFromFiles, fingerprint, type InputFingerprint, type OutputFormat, type OutputRecord, readCandidatesFile, recordsByKey, type ResultSink, type ResumeFields, resumeKey, settingsDigest } from '@refractor/node/io';
import { openCommandSink } from '../output/command-sink.js';
import type { ScoreJob } from './score-one.js';
import type { CommandContext } from '../context.js';
import { loadRefractor, type ModelFlags } from '../load-models.js';
import type { CropFlags } from '../options.js';
import { candidateCsvColumns, candidateReport, candidateTableLine, type CandidateReport, type CandidateSettings } from './base-report.js';
import { createProgress } from '../progress.js';

/** The flags `refractor score` adds for the base model and candidate batches. */
export interface CandidateFlags {
  lyric?: string;
  lyricFile?: string;
  soundsLike: string[];
  baseModel?: string;
  rank: boolean;
  candidates?: string;
}

/** `--lyric`, `--lyric-file`, `--sounds-like` (repeatable), `--base-model`, `--rank`, `--candidates`. */
export function candidateOptions(): Option[] {
  return [
    new Option('--lyric <text>', 'lyric text for the command-line candidates, embedded like the concept (base model only)'),
    new Option('--lyric-file <file>', 'read the lyric text from a file'),
    new Option('--sounds-like <text>', 'an artist description; repeat for several (their mean embedding feeds the base model; none: its null path)')
      .argParser((value: string, previous: string[] = []) => [...previous, value])
      .default([]),
    new Option('--base-model <path>', 'the base Refractor model (refractor.onnx), needed for MIDI (default: refractor.onnx in the model directory, if there)'),
    new Option('--rank', 'sort candidates by confidence, highest first, with a 0-based rank (ties keep input order)').default(false),
    new Option('--candidates <file>', 'a CSV (header row) or JSONL (.jsonl) file of candidates with columns midi, audio, lyric (and id); paths relative to the file'),
  ];
}

/**
 * How the command line supplies what core's `checkCandidates` finds missing:
 * `refractor score` and `refractor queue add` refuse with the same words.
 */
export const CANDIDATE_HINTS = {
  baseModelHint: 'pass --base-model <path>, or put refractor.onnx in the model directory (--models <dir>); --models tiny ships a test one',
  conceptHint: 'pass --concept <text> or --concept-file <file>',
} as const;

/** Flags of `refractor score` this path reads. */
type ScoreCandidateFlags = CandidateFlags & ModelFlags & CropFlags & { format: OutputFormat; out?: string; resume: boolean; targets: TargetTableName };

/**
 * Whether `refractor score` runs the candidate path (the base model and
 * ranking) rather than whole-song scoring: when any input is MIDI, or a
 * candidate-only flag is given.
 */
export async function wantsCandidates(files: readonly string[], flags: CandidateFlags): Promise<boolean> {
  if (flags.candidates !== undefined || flags.rank || flags.lyric !== undefined || flags.lyricFile !== undefined || flags.soundsLike.length > 0) return true;
  const candidates = await candidatesFromFiles(files, undefined);
  return candidates.some((candidate) => candidate.midi !== undefined);
}

/** The settings that decide a candidate's record, for `--resume`. */
function candidateDigest(flags: ScoreCandidateFlags, concept: string | undefined): string {
  const sha = (text: string | undefined) => (text ? createHash('sha256').update(text).digest('hex') : null);
  return settingsDigest({
    command: 'score-candidates',
    models: flags.models,
    device: flags.device,
    base_model: flags.baseModel ?? null,
    concept_sha256: sha(concept),
    sounds_like: flags.soundsLike,
    crop: flags.crop,
    seed: flags.seed,
    targets: flags.targets,
  });
}

/** A candidate's content fingerprint: its MIDI and audio bytes and its lyric, together. */
async function candidateFingerprint(candidate: Candidate): Promise<InputFingerprint | undefined> {
  const parts: Array<InputFingerprint | string | null> = [];
  for (const source of [candidate.midi, candidate.audio]) parts.push(source === undefined ? null : ((await fingerprint(source).catch(() => undefined)) ?? 'unreadable'));
  parts.push(candidate.lyric ?? null);
  const size = parts.reduce<number>((sum, part) => sum + (typeof part === 'object' && part ? part.size : 0), 0);
  return { size, sha256: createHash('sha256').update(JSON.stringify(parts)).digest('hex') };
}

/**
 * `refractor score` for candidates: command-line files (MIDI recognised by
 * content; `-` is standard input's bytes) and a candidates file, scored
 * against one concept in batches, optionally ranked, written through the
 * same result sink as songs (so JSON Lines, CSV and `--resume` work here too;
 * records come in input order, or by rank with --rank). Each bad input is
 * named on stderr (exit 1) and gets an error record; the rest are scored.
 */
export async function scoreCandidateFiles(jobs: readonly ScoreJob[], flags: ScoreCandidateFlags, context: CommandContext, concept: string | undefined): Promise<void> {
  const lyric = flags.lyricFile !== undefined ? (await readFile(flags.lyricFile, 'utf8')).trim() : flags.lyric;
  // One entry per command-line input, in order: a candidate, or a missing input's error record.
  const entries: Array<{ candidate: Candidate } | { missing: ScoreJob }> = [];
  for (const job of jobs) {
    if (job.missing) entries.push({ missing: job });
    else if (job.bytes) entries.push({ candidate: { id: job.file, ...(isMidi(job.bytes) ? { midi: job.bytes } : { audio: job.bytes }), ...(lyric !== undefined ? { lyric } : {}) } });
    else entries.push({ candidate: (await candidatesFromFiles([job.file], lyric))[0]! });
  }
  if (flags.candidates !== undefined) {
    try {
      entries.push(...(await readCandidatesFile(flags.candidates)).map((candidate) => ({ candidate })));
    } catch (error) {
      context.fail(flags.candidates, (error as Error).message.replace(`${flags.candidates}: `, ''));
      return;
    }
  }
  if (entries.length === 0) return;

  const sink = await openCommandSink(flags, (record, painted) => [candidateTableLine(record as unknown as CandidateReport, painted)], candidateCsvColumns(flags.rank));
  try {
    const written = await scoreAndWrite(entries, flags, context, concept, sink);
    if (written === undefined) return void (await sink.abort());
    const count = await sink.close();
    if (flags.out) context.note(`wrote ${flags.out} (${count} record${count === 1 ? '' : 's'}, ${flags.format}${flags.resume ? ', appended' : ''})`);
  } catch (error) {
    await sink.abort();
    throw error;
  }
}

/** Scores the entries not already in a --resume file and writes their records; undefined when nothing could be scored (models, base model or concept missing). */
async function scoreAndWrite(
  entries: ReadonlyArray<{ candidate: Candidate } | { missing: ScoreJob }>,
  flags: ScoreCandidateFlags,
  context: CommandContext,
  concept: string | undefined,
  sink: ResultSink,
): Promise<number | undefined> {
  const digest = candidateDigest(flags, concept);
  const jsonl = flags.format === 'jsonl';
  const done = recordsByKey(sink.existing);
  // Resume fields per entry (JSON Lines only), and which entries still need work.
  const fields: Array<ResumeFields | object> = [];
  const todo: Array<{ candidate: Candidate } | { missing: ScoreJob }> = [];
  for (const [index, entry] of entries.entries()) {
    const label = 'missing' in entry ? entry.missing.file : candidateLabel(entry.candidate, index);
    const input = 'missing' in entry ? undefined : jsonl ? await candidateFingerprint(entry.candidate) : undefined;
    const entryFields = jsonl ? { ...(input ? { input } : {}), settings_digest: digest } : {};
    if (flags.resume && done.has(resumeKey(label, input, digest))) continue;
    fields.push(entryFields);
    todo.push(entry);
  }
  if (flags.resume) context.note(`resuming: ${entries.length - todo.length} of ${entries.length} inputs already in ${flags.out}`);
  const candidates = todo.flatMap((entry) => ('candidate' in entry ? [entry.candidate] : []));
  let items: CandidateItem[] = [];
  let settings: CandidateSettings | undefined;
  if (candidates.length > 0) {
    let refractor: Refractor;
    try {
      // Every text the run embeds, up front: the text encoder (when any is new) opens once, before CLAP, and is released.
      refractor = await loadRefractor(flags, context, [concept, ...flags.soundsLike, ...candidates.map((candidate) => candidate.lyric)]);
    } catch (error) {
      context.fail('models', (error as Error).message);
      return undefined;
    }
    const progress = candidates.length > 1 ? createProgress('preparing candidates', candidates.length) : { update: () => undefined, stop: () => undefined };
    try {
      // One up-front message rather than one per file for what every MIDI candidate lacks.
      const problem = checkCandidates(candidates, { concept, baseLoaded: refractor.hasBaseModel, ...CANDIDATE_HINTS, modelSet: `the "${flags.models}" set` });
      if (problem) {
        context.fail(problem.field, problem.message);
        return undefined;
      }
      items = await refractor.scoreCandidates(candidates, {
        ...(concept !== undefined ? { concept } : {}),
        soundsLike: flags.soundsLike,
        rank: flags.rank,
        targets: flags.targets,
        crop: flags.crop,
        seed: flags.seed,
        onProgress: (done) => progress.update(done),
      });
    } finally {
      progress.stop();
      await refractor.close();
    }
    settings = candidateSettings({
      models: refractor.modelSet.name,
      testOnly: refractor.modelSet.testOnly,
      baseModel: refractor.baseModelPath ?? null,
      concept: concept ?? null,
      crop: flags.crop,
      seed: flags.seed,
      targets: flags.targets,
    });
  }
  const itemRecord = (item: CandidateItem, extra: ResumeFields | object): OutputRecord => {
    if (!item.error) return { ...candidateReport(item as CandidateItem & { result: CandidateResult }, settings!), ...extra };
    context.fail(item.input, item.error.message.startsWith(`${item.input}: `) ? item.error.message.slice(item.input.length + 2) : item.error.message);
    return { ...errorRecord(item.input, item.error), ...extra };
  };
  const missingRecord = (job: ScoreJob, extra: ResumeFields | object): OutputRecord => {
    context.fail(job.file, job.missing!.reason);
    return { file: job.file, error: { code: job.missing!.code, message: `${job.file}: ${job.missing!.reason}` }, ...extra };
  };
  // Candidate entries map to items in order (unranked); with --rank (never resumed), items come by rank and missing inputs last.
  if (flags.rank) {
    for (const item of items) await sink.write(itemRecord(item, jsonl ? { settings_digest: digest } : {}));
    for (const [i, entry] of todo.entries()) if ('missing' in entry) await sink.write(missingRecord(entry.missing, fields[i]!));
  } else {
    let next = 0;
    for (const [i, entry] of todo.entries()) {
      await sink.write('missing' in entry ? missingRecord(entry.missing, fields[i]!) : itemRecord(items[next++]!, fields[i]!));
    }
  }
  return items.length;
}
