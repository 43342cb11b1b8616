import { Command, Option } from 'commander';
import type { Refractor, ScoreSettings } from '@refractor/node';
import { writeFileAtomic } from '../atomic.js';
import type { CommandContext } from '../context.js';
import { loadRefractor, modelOptions, type ModelFlags } from '../load-models.js';
import { chunkingOptions, cropOptions, type ChunkingFlags, type CropFlags } from '../options.js';
import { createProgress } from '../progress.js';
import { openDataset } from '../validate/dataset.js';
import { renderValidationText } from '../validate/render.js';
import { REPORT_FORMATS, buildValidationReport, reportFormat, serializeReport, type ReportFormat } from '../validate/report.js';
import { scoreDataset } from '../validate/score-dataset.js';
import { VERSION } from '../version.js';

/** Below this overall accuracy (color by targets) the run warns, as the original validation script did. */
export const ACCURACY_WARNING_THRESHOLD = 0.7;

interface ValidateFlags extends ModelFlags, ChunkingFlags, CropFlags {
  out?: string;
  format?: ReportFormat;
}

/** What produced the results, for runs where no song was scored (otherwise the scorer says). */
function settingsOf(refractor: Refractor, flags: ValidateFlags): ScoreSettings {
  return {
    models: refractor.modelSet.name,
    test_only: refractor.modelSet.testOnly,
    crop: flags.crop,
    seed: flags.seed,
    chunk_size_s: flags.chunkSize,
    chunk_stride_s: flags.chunkStride,
    device: refractor.backend.device,
    backend: refractor.backend.name,
    batch_size: refractor.batchSize,
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
        'for both color rules (targets: the original; probs: pooled), then the songs skipped and why',
    )
    .argument(
      '<dataset>',
      'a folder in the original layout (<id>/<id>.yml with rainbow_color and an optional concept, audio <id>/<id>_main.wav or .flac .mp3 .ogg .aiff .opus .m4a) ' +
        'or a CSV manifest with the header path,color[,concept] (paths relative to the CSV)',
    )
    .option('-o, --out <report>', 'also write a report (settings, per-song results, metrics for both rules, skipped songs) to a .json, .yaml or .yml file, atomically')
    .addOption(new Option('--format <format>', 'report format (default: from the --out extension)').choices(REPORT_FORMATS))
    .addHelpText(
      'after',
      [
        '',
        'Exit status: 0 every song scored; 1 some songs skipped (the rest still reported),',
        '             or the dataset is missing or holds no songs; 2 usage error.',
        `Warns on stderr when the overall accuracy (color by targets) is below ${ACCURACY_WARNING_THRESHOLD * 100}%.`,
        '',
        'Examples:',
        '  refractor validate staged_raw_material --out report.yaml',
        '  refractor validate songs.csv --models tiny --offline --chunk-size 5 --chunk-stride 5',
      ].join('\n'),
    );
  for (const option of [...modelOptions(), ...chunkingOptions(), ...cropOptions()]) command.addOption(option);
  return command.action(async (path: string, flags: ValidateFlags) => {
    // Usage problems first, before minutes of scoring.
    let format: ReportFormat | undefined;
    if (flags.out !== undefined) {
      format = reportFormat(flags.out, flags.format);
      if (!format) {
        command.error(`error: cannot tell the report format from "${flags.out}": name it .json, .yaml or .yml, or pass --format json|yaml`, {
          exitCode: 2,
          code: 'refractor.usage',
        });
      }
    } else if (flags.format !== undefined) {
      command.error('error: --format is the format of the report file: add --out <file>', { exitCode: 2, code: 'refractor.usage' });
    }

    // A missing or empty dataset throws a DatasetError: runCli prints it and exits 1.
    const dataset = await openDataset(path);
    const refractor = await loadRefractor(flags, context);
    const progress = createProgress('validating', dataset.songs.length);
    let outcome: Awaited<ReturnType<typeof scoreDataset>>;
    let settings: ScoreSettings;
    try {
      outcome = await scoreDataset(
        refractor,
        dataset.songs,
        { chunkSizeS: flags.chunkSize, chunkStrideS: flags.chunkStride, crop: flags.crop, seed: flags.seed },
        (done) => progress.update(done),
      );
      settings = outcome.scored[0]?.result.settings ?? settingsOf(refractor, flags);
    } finally {
      progress.stop();
      await refractor.close();
    }

    const report = buildValidationReport({ version: VERSION, dataset, settings, scored: outcome.scored, skipped: outcome.skipped });
    for (const line of renderValidationText(report)) context.out(line);
    if (flags.out !== undefined && format !== undefined) {
      await writeFileAtomic(flags.out, serializeReport(report, format));
      context.err(`wrote ${flags.out} (${report.dataset.songs_scored} songs scored, ${report.dataset.songs_skipped} skipped; ${format})`);
    }

    const overall = report.metrics.targets.overall;
    if (overall.accuracy !== null && overall.accuracy < ACCURACY_WARNING_THRESHOLD) {
      context.err(
        `refractor: warning: overall accuracy (color by targets) is ${(overall.accuracy * 100).toFixed(1)}% ` +
          `(${overall.correct} of ${overall.total}), below ${ACCURACY_WARNING_THRESHOLD * 100}%` +
          (settings.test_only ? ` (expected: "${settings.models}" is a test set)` : ''),
      );
    }
    if (report.skipped.length > 0) {
      context.fail(path, `${report.skipped.length} of ${report.dataset.songs_found} songs skipped (listed under "Skipped" on stdout)`);
    }
  });
}
