import { Command, Option } from 'commander';
import { formatFromPath, outIsStdout, outputHelp, outUsageError, resumeUsageError } from '../output/output-options.js';
import { openDataset, openResultSink } from '@refractor/node/io';
import { planSongs, type ValidatedSong } from '../validate/resume-songs.js';
import { skipRecord, songRecord } from '../validate/song-records.js';
import { COLOR_RULES, featureSettings, type ColorRule, type Refractor, type ScoreSettings, type TargetTableName } from '@refractor/node';
import { outName, writeFileAtomic } from '../atomic.js';
import type { CommandContext } from '../context.js';
import { loadRefractor, modelOptions, type ModelFlags } from '../load-models.js';
import { COLOR_RULE_HELP, chunkingOptions, cropOptions, featureOptionsOf, parseColorRules, targetsOption, type ChunkingFlags, type CropFlags } from '../options.js';
import { createProgress } from '../progress.js';
import { renderValidationText } from '../validate/render.js';
import { REPORT_FORMATS, buildValidationReport, reportFormat, serializeReport, type ReportFormat, type ValidationReport } from '../validate/report.js';
import { scoreDataset } from '../validate/score-dataset.js';
import { VERSION } from '../version.js';

/** Below this overall accuracy (color by the first rule asked for) the run warns, as the original validation script did. */
export const ACCURACY_WARNING_THRESHOLD = 0.7;

type ValidateFormat = ReportFormat | 'jsonl';

interface ValidateFlags extends ModelFlags, ChunkingFlags, CropFlags {
  out?: string;
  format?: ValidateFormat;
  resume: boolean;
  targets: TargetTableName;
  colorRule: ColorRule[];
}

/** What produced the results, for runs where no song was scored (otherwise the scorer says). */
function settingsOf(refractor: Refractor, flags: ValidateFlags): ScoreSettings {
  return {
    models: refractor.modelSet.name,
    test_only: refractor.modelSet.testOnly,
    ...featureSettings(featureOptionsOf(flags)),
    device: refractor.backend.device,
    backend: refractor.backend.name,
    batch_size: refractor.batchSize,
    // Each song has its own concept (its record names it); a dataset has no target.
    concept_sha256: null,
    target: null,
    targets: flags.targets,
    color_rule: flags.colorRule[0]!,
  };
}

/**
 * `refractor validate <dataset>`: scores a labeled song set and prints the
 * model card's validation table (per-color correct/total/accuracy, overall,
 * mean per-color accuracy) and a confusion matrix for both color rules, then
 * the songs it skipped. Exit 0 when every song was scored, 1 when some were
 * skipped (the rest still reported) or the dataset is unusable, 2 on usage errors.
 *
 * @example
 * ```sh
 * refractor validate staged_raw_material --out report.yaml
 * refractor validate songs.csv --models tiny --offline --chunk-size 5 --chunk-stride 5
 * ```
 */
export function validateCommand(context: CommandContext): Command {
  const command = new Command('validate')
    .description(
      "score a labeled song set and print the model card's validation table (per color and overall) and a confusion matrix, " +
        'for each color rule asked for (vote, probs, targets), then the songs skipped and why',
    )
    .argument(
      '<dataset>',
      'a folder in the original layout (<id>/<id>.yml with rainbow_color and an optional concept, audio <id>/<id>_main.wav or .flac .mp3 .ogg .aiff .opus .m4a) ' +
        'or a CSV manifest with the header path,color[,concept] (paths relative to the CSV)',
    )
    .option(
      '-o, --out <report>',
      'also write a report (settings, per-song results, metrics for both rules, skipped songs) to a .json, .yaml or .yml file, atomically; ' +
        'or per-song JSON Lines to a .jsonl file, streamed (see --resume); - is stdout (with --format; the table then goes to stderr); ' +
        'a device or FIFO is written in place',
    )
    .addOption(
      new Option('--format <format>', 'report format (default: from the --out extension); jsonl without --out streams per-song records to stdout (the table then goes to stderr)').choices([
        ...REPORT_FORMATS,
        'jsonl',
      ]),
    )
    .option('--resume', 'with --out <file.jsonl>: keep the songs already there and score only the rest', false)
    .addOption(targetsOption())
    .addOption(
      new Option('--color-rule <rules>', `the song color rules to print a table for, comma-separated, in that order: ${COLOR_RULE_HELP}`)
        .argParser(parseColorRules)
        .default([...COLOR_RULES], COLOR_RULES.join(',')),
    )
    .addHelpText(
      'after',
      [
        '',
        'Exit status: 0 every song scored; 1 some songs skipped (the rest still reported),',
        '             or the dataset is missing or holds no songs; 2 usage error.',
        `Warns on stderr when the overall accuracy (color by the first rule) is below ${ACCURACY_WARNING_THRESHOLD * 100}%.`,
        "--targets card --color-rule targets,probs reproduces the card's validation as printed before the canonical targets.",
        '',
        'Examples:',
        '  refractor validate staged_raw_material --out report.yaml',
        '  refractor validate songs.csv --models tiny --offline --chunk-size 5 --chunk-stride 5',
      ].join('\n') + outputHelp('validate'),
    );
  for (const option of [...modelOptions(), ...chunkingOptions(), ...cropOptions()]) command.addOption(option);
  return command.action(async (path: string, flags: ValidateFlags) => {
    const usage = (message: string): never => command.error(`error: ${message}`, { exitCode: 2, code: 'refractor.usage' });
    // Usage problems first, before minutes of scoring.
    let format: ValidateFormat | undefined = flags.format;
    if (flags.out !== undefined) {
      format = flags.format ?? (formatFromPath(flags.out) === 'jsonl' ? 'jsonl' : reportFormat(flags.out));
      if (!format) usage(`cannot tell the report format from "${flags.out}": name it .json, .yaml, .yml or .jsonl, or pass --format json|yaml|jsonl`);
    } else if (flags.format !== undefined && flags.format !== 'jsonl') {
      usage('--format json|yaml is the format of the report file: add --out <file> (--format jsonl alone streams per-song records to stdout)');
    }
    const outProblem = outUsageError(flags.out);
    if (outProblem) usage(outProblem);
    const resumeProblem = resumeUsageError({ resume: flags.resume, ...(flags.out !== undefined ? { out: flags.out } : {}), format: format ?? 'table' });
    if (resumeProblem) usage(resumeProblem);

    // A missing or empty dataset throws a DatasetError: runCli prints it and exits 1.
    const dataset = await openDataset(path);
    const jsonl = format === 'jsonl';
    const sink = jsonl
      ? await openResultSink({ format: 'jsonl', ...(flags.out !== undefined ? { out: flags.out } : {}), resume: flags.resume, stdout: process.stdout })
      : undefined;
    // With records (or the report) on stdout, the table goes to stderr so the pipe carries only them.
    const text = (jsonl && flags.out === undefined) || outIsStdout(flags.out) ? context.err : context.out;
    try {
      const plan = await planSongs(dataset, flags, sink?.existing ?? []);
      if (flags.resume && sink) {
        if (sink.repairedBytes > 0) context.note(`refractor: note: ${flags.out}: cut off an unfinished last line (${sink.repairedBytes} bytes) left by an interrupted run`);
        context.note(`resuming: ${dataset.songs.length - plan.todo.length} of ${dataset.songs.length} songs already in ${flags.out}`);
      }
      for (const skip of plan.newSkips) await sink?.write(skipRecord(skip.skip, skip.fields));

      const results = plan.results;
      let settings = firstSettings(results);
      if (plan.todo.length > 0 || !settings) {
        const refractor = await loadRefractor(flags, context, plan.todo.map((t) => t.song.concept));
        const progress = createProgress('validating', plan.todo.length);
        try {
          await scoreDataset(
            refractor,
            plan.todo.map((t) => t.song),
            { ...featureOptionsOf(flags), targets: flags.targets, colorRule: flags.colorRule[0]! },
            async (entry, i) => {
              const { index, fields } = plan.todo[i]!;
              results[index] = 'skipped' in entry ? { skipped: entry.skipped } : { outcome: entry.outcome, settings: entry.settings };
              await sink?.write(songRecord(entry, fields));
              progress.update(i + 1);
            },
          );
          settings = firstSettings(results) ?? settingsOf(refractor, flags);
        } finally {
          progress.stop();
          await refractor.close();
        }
      }
      await sink?.close();

      const report = buildValidationReport({
        version: VERSION,
        dataset,
        settings: settings!,
        rules: flags.colorRule,
        songs: results.flatMap((r) => (r && 'outcome' in r ? [r.outcome] : [])),
        skipped: results.flatMap((r) => (r && 'skipped' in r ? [r.skipped] : [])),
      });
      for (const line of renderValidationText(report)) text(line);
      if (flags.out !== undefined && format !== undefined && format !== 'jsonl') {
        await writeFileAtomic(flags.out, serializeReport(report, format));
        context.note(`wrote ${outName(flags.out)} (${report.dataset.songs_scored} songs scored, ${report.dataset.songs_skipped} skipped; ${format})`);
      }
      warnAndCount(report, flags.colorRule[0]!, settings!, path, context);
    } catch (error) {
      await sink?.abort();
      throw error;
    }
  });
}

/** The settings of the first scored song (the scorer's own account), if any. */
function firstSettings(results: ReadonlyArray<ValidatedSong | undefined>): ScoreSettings | undefined {
  for (const result of results) if (result && 'settings' in result) return result.settings;
  return undefined;
}

/** The below-threshold warning, and the skipped songs counted as a failure (exit 1). */
function warnAndCount(report: ValidationReport, rule: ColorRule, settings: ScoreSettings, path: string, context: CommandContext): void {
  const overall = report.metrics[rule]!.overall;
  if (overall.accuracy !== null && overall.accuracy < ACCURACY_WARNING_THRESHOLD) {
    context.err(
      `refractor: warning: overall accuracy (color by ${rule}) is ${(overall.accuracy * 100).toFixed(1)}% ` +
        `(${overall.correct} of ${overall.total}), below ${ACCURACY_WARNING_THRESHOLD * 100}%` +
        (settings.test_only ? ` (expected: "${settings.models}" is a test set)` : ''),
    );
  }
  if (report.skipped.length > 0) {
    context.fail(path, `${report.skipped.length} of ${report.dataset.songs_found} songs skipped (listed under "Skipped" on stdout)`);
  }
}
