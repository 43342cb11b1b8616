import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { COLOR_NAMES, featureSettings, isMidi, lookupColor, type Refractor } from '@refractor/node';
import { createInputsProgress } from '../progress.js';
import type { CommandContext } from '../context.js';
import { loadRefractor, modelOptions, type ModelFlags } from '../load-models.js';
import { chunkingOptions, colorRuleOption, cropOptions, featureOptionsOf, integerParser, targetsOption, type ChunkingFlags, type ColorFlags, type CropFlags } from '../options.js';
import { expandInputs, mapInOrder, OUTPUT_FORMATS, type OutputFormat, type OutputRecord, readStdin, recordsByKey, resumeKey, songSettingsDigest, STDIN, STDIN_IS_TERMINAL } from '@refractor/node/io';
import { outName } from '../atomic.js';
import { formatFromPath, outputHelp, outUsageError, resumeUsageError } from '../output/output-options.js';
import { openCommandSink } from '../output/command-sink.js';
import { csvColumns, type SongReport } from '../score/report.js';
import { candidateOptions, scoreCandidateFiles, wantsCandidates, type CandidateFlags } from '../score/run-candidates.js';
import { fingerprintJob, scoreOne, type ScoreJob } from '../score/score-one.js';
import { tableLines } from '../score/table.js';

interface ScoreFlags extends ModelFlags, ChunkingFlags, CropFlags, CandidateFlags, ColorFlags {
  concept?: string;
  conceptFile?: string;
  target?: string;
  format: OutputFormat;
  out?: string;
  resume: boolean;
  jobs: number;
  timeline: boolean;
}

export function parseTarget(value: string): string {
  try {
    return lookupColor(value).name;
  } catch {
    throw new InvalidArgumentError(`expected a color name or letter: ${COLOR_NAMES.join(', ')} (or R O Y G B I V Z K)`);
  }
}

/** The settings that decide a score record: what `--resume` must find unchanged (the same digest the server and the queue record). */
function scoreDigest(flags: ScoreFlags, concept: string | undefined): string {
  return songSettingsDigest({
    models: flags.models,
    device: flags.device,
    concept,
    target: flags.target,
    targets: flags.targets,
    color_rule: flags.colorRule,
    ...featureSettings(featureOptionsOf(flags)),
  });
}

/** `refractor score <files | dirs | globs | - …>`: the color of each song. */
export function scoreCommand(context: CommandContext): Command {
  const command = new Command('score')
    .description('score songs: predicted color, confidence, axis distributions, color probabilities and the per-chunk timeline')
    .argument(
      '[inputs...]',
      'audio or MIDI files (MIDI recognised by content), directories (scanned for them), glob patterns, or - for one file on standard input; ' +
        'with any MIDI file, --rank, --candidates, --lyric or --sounds-like, each file is one candidate scored as the original wrapper does (MIDI by the base model)',
    )
    .option('--concept <text>', "the song's concept text, embedded with DeBERTa (default: none, i.e. zeros as the original)")
    .option('--concept-file <file>', 'read the concept text from a file (- reads standard input)')
    .addOption(new Option('--target <color>', 'a target color (name or letter): adds chromatic match and drift').argParser(parseTarget))
    .addOption(targetsOption())
    .addOption(colorRuleOption())
    .addOption(new Option('--format <format>', 'output format (default: from the --out extension, else table); see "Output" below').choices(OUTPUT_FORMATS).default('table'))
    .option('-o, --out <file>', 'write the output to a file instead of stdout (atomically; with --resume, appended in place; - is stdout; a device or FIFO is written in place)')
    .option('--resume', 'with --out <file.jsonl>: keep the records already there and score only the inputs missing from it', false)
    .addOption(new Option('--jobs <n>', 'inputs scored at once (records still come out in input order)').argParser(integerParser(1)).default(1))
    .option('--timeline', 'table format: show a strip of per-chunk colors along each song', false)
    .addHelpText('after', outputHelp('score'));
  for (const option of [...modelOptions(), ...chunkingOptions(), ...cropOptions(), ...candidateOptions()]) command.addOption(option);
  return command.action(async (inputs: string[], flags: ScoreFlags) => {
    const usage = (message: string): never => command.error(`error: ${message}`, { exitCode: 2, code: 'refractor.usage' });
    if (flags.concept !== undefined && flags.conceptFile !== undefined) usage('use either --concept or --concept-file, not both');
    if (flags.lyric !== undefined && flags.lyricFile !== undefined) usage('use either --lyric or --lyric-file, not both');
    const stdinUses = inputs.filter((input) => input === STDIN).length + (flags.conceptFile === STDIN ? 1 : 0);
    if (stdinUses > 1) usage('standard input (-) can feed one thing only: one input, or --concept-file -');
    if (stdinUses === 1 && process.stdin.isTTY) usage(STDIN_IS_TERMINAL);
    if (command.getOptionValueSource('format') === 'default' && flags.out !== undefined) flags.format = formatFromPath(flags.out) ?? 'table';
    const outProblem = outUsageError(flags.out);
    if (outProblem) usage(outProblem);
    const resumeProblem = resumeUsageError(flags);
    if (resumeProblem) usage(resumeProblem);

    const concept = flags.conceptFile === STDIN ? new TextDecoder().decode(await readStdin()).trim() : flags.conceptFile !== undefined ? (await readFile(flags.conceptFile, 'utf8')).trim() : flags.concept;
    const jobs: ScoreJob[] = [];
    for (const input of await expandInputs(inputs)) {
      if ('missing' in input) jobs.push({ file: input.missing, missing: { code: input.code, reason: input.reason } });
      else jobs.push(input.file === STDIN ? { file: STDIN, bytes: await readStdin() } : { file: input.file });
    }
    if (inputs.length === 0 && flags.candidates === undefined) usage('missing inputs (files, directories or globs), or --candidates <file>');
    const stdinBytes = jobs.find((job) => job.bytes)?.bytes;
    const files = jobs.flatMap((job) => (job.missing || job.bytes ? [] : [job.file]));
    if ((await wantsCandidates(files, flags)) || (stdinBytes !== undefined && isMidi(stdinBytes))) {
      if (flags.rank && flags.resume) usage('--resume cannot go with --rank: ranks depend on the whole batch');
      return scoreCandidateFiles(jobs, flags, context, concept);
    }
    const sink = await openCommandSink(
      flags,
      (record, painted) => tableLines(record as unknown as SongReport, { timeline: flags.timeline, painted }),
      csvColumns(flags.target !== undefined),
    );
    const digest = scoreDigest(flags, concept);
    let todo = jobs;
    if (flags.resume) {
      if (sink.repairedBytes > 0) context.note(`refractor: note: ${flags.out}: cut off an unfinished last line (${sink.repairedBytes} bytes) left by an interrupted run`);
      const done = recordsByKey(sink.existing);
      const pending: ScoreJob[] = [];
      for (const job of jobs) if (!done.has(resumeKey(job.file, await fingerprintJob(job), digest))) pending.push(job);
      todo = pending;
      context.note(`resuming: ${jobs.length - todo.length} of ${jobs.length} inputs already in ${flags.out}`);
    }

    let refractor: Refractor | undefined;
    let written = 0;
    try {
      if (todo.some((job) => !job.missing)) {
        try {
          refractor = await loadRefractor(flags, context, [concept]);
        } catch (error) {
          context.fail('models', (error as Error).message);
          await sink.abort();
          return;
        }
      }
      const conceptEmbedding = refractor ? await refractor.prepareConcept(concept) : undefined;
      const progress = createInputsProgress(todo.length);
      const scoring = {
        ...(conceptEmbedding ? { concept: concept ?? null, conceptEmbedding } : {}),
        ...(flags.target !== undefined ? { target: flags.target } : {}),
        targets: flags.targets,
        colorRule: flags.colorRule,
        ...featureOptionsOf(flags),
        name: '<stdin>',
      };
      const resume = flags.format === 'jsonl' ? { digest } : undefined;
      try {
        await mapInOrder(
          todo,
          flags.jobs,
          (job) => scoreOne(job, { refractor, context, progress, scoring, ...(resume ? { resume } : {}) }),
          (record: OutputRecord) => sink.write(record),
        );
      } finally {
        progress.stop();
      }
      written = await sink.close();
    } catch (error) {
      await sink.abort();
      throw error;
    } finally {
      await refractor?.close();
    }
    if (flags.out) context.note(`wrote ${outName(flags.out)} (${written} record${written === 1 ? '' : 's'}, ${flags.format}${flags.resume ? ', appended' : ''})`);
  });
}
