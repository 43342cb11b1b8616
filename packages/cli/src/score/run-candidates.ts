import { readFile } from 'node:fs/promises';
import { Option } from 'commander';
import { DEFAULT_CANDIDATE_BATCH, type Candidate, type CandidateItem, type CandidateResult, type Refractor } from '@refractor/node';
import { writeFileAtomic } from '../atomic.js';
import type { CommandContext } from '../context.js';
import { loadRefractor, type ModelFlags } from '../load-models.js';
import type { CropFlags } from '../options.js';
import { candidateReport, candidateTableLine, renderCandidates, type CandidateReport } from './base-report.js';
import { createProgress } from '../progress.js';
import { candidatesFromFiles, readCandidatesFile } from './candidates.js';
import { supportsTrueColor } from './table.js';

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

/** Flags of `refractor score` this path reads. */
type ScoreCandidateFlags = CandidateFlags & ModelFlags & CropFlags & { concept?: string; conceptFile?: string; format: 'table' | 'json' | 'yaml' | 'csv'; out?: string };

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

/**
 * `refractor score` for candidates: command-line files (MIDI recognised by
 * content) and a candidates file, scored against one concept in batches,
 * optionally ranked. Each bad input is named on stderr (exit 1); the rest are scored.
 */
export async function scoreCandidateFiles(files: readonly string[], flags: ScoreCandidateFlags, context: CommandContext): Promise<void> {
  const lyric = flags.lyricFile !== undefined ? (await readFile(flags.lyricFile, 'utf8')).trim() : flags.lyric;
  const concept = flags.conceptFile !== undefined ? (await readFile(flags.conceptFile, 'utf8')).trim() : flags.concept;
  const candidates: Candidate[] = await candidatesFromFiles(files, lyric);
  if (flags.candidates !== undefined) {
    try {
      candidates.push(...(await readCandidatesFile(flags.candidates)));
    } catch (error) {
      context.fail(flags.candidates, (error as Error).message.replace(`${flags.candidates}: `, ''));
      return;
    }
  }
  if (candidates.length === 0) return;

  let refractor: Refractor;
  try {
    refractor = await loadRefractor(flags, context);
  } catch (error) {
    context.fail('models', (error as Error).message);
    return;
  }
  let items: CandidateItem[];
  const progress = candidates.length > 1 ? createProgress('preparing candidates', candidates.length) : { update: () => undefined, stop: () => undefined };
  try {
    // One up-front message rather than one per file for what every MIDI candidate lacks.
    const needsBase = candidates.some((c) => c.midi !== undefined || (c.audio === undefined && c.lyric !== undefined));
    if (needsBase && !refractor.hasBaseModel) {
      context.fail(
        'base model',
        `scoring MIDI (or lyric-only candidates) needs the base Refractor model (refractor.onnx), and the "${flags.models}" set has none: ` +
          'pass --base-model <path>, or put refractor.onnx in the model directory (--models <dir>); --models tiny ships a test one',
      );
      return;
    }
    if (needsBase && (concept === undefined || concept.trim() === '')) {
      context.fail('concept', 'the base Refractor model needs a concept (the original raises without one): pass --concept <text> or --concept-file <file>');
      return;
    }
    items = await refractor.scoreCandidates(candidates, {
      ...(concept !== undefined ? { concept } : {}),
      soundsLike: flags.soundsLike,
      rank: flags.rank,
      crop: flags.crop,
      seed: flags.seed,
      onProgress: (done) => progress.update(done),
    });
  } finally {
    progress.stop();
    await refractor.close();
  }
  const settings = {
    models: refractor.modelSet.name,
    test_only: refractor.modelSet.testOnly,
    base_model: refractor.baseModelPath ?? null,
    crop: flags.crop,
    seed: flags.seed,
    batch_size: DEFAULT_CANDIDATE_BATCH,
  };
  const reports: CandidateReport[] = [];
  for (const item of items) {
    if (item.error) context.fail(item.input, item.error.message.startsWith(`${item.input}: `) ? item.error.message.slice(item.input.length + 2) : item.error.message);
    else reports.push(candidateReport(item as CandidateItem & { result: CandidateResult }, settings));
  }
  const painted = !flags.out && flags.format === 'table' && supportsTrueColor(process.stdout);
  const text =
    flags.format === 'table'
      ? reports.map((report) => `${candidateTableLine(report, painted)}\n`).join('')
      : renderCandidates(reports, flags.format, flags.rank);
  if (flags.out) {
    await writeFileAtomic(flags.out, text);
    context.err(`wrote ${flags.out} (${reports.length} candidate${reports.length === 1 ? '' : 's'}, ${flags.format})`);
  } else {
    process.stdout.write(text);
  }
}
