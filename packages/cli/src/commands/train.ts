import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { COLOR_NAMES, renderValidationTable, resolveColorName } from '@refractor/core';
import { CDM_RECIPE, embeddingRows, exportCdmOnnx, readEmbeddings, trainCdm, type EpochRecord } from '@refractor/train';
import { fileOnlyOutputProblem, writeFileAtomic } from '../atomic.js';
import type { CommandContext } from '../context.js';
import { integerParser } from '../options.js';
import { createProgress } from '../progress.js';

interface TrainFlags {
  out: string;
  epochs: number;
  lr: number;
  batchSize: number;
  seed: number;
  valFrac: number;
  concept: boolean;
}

function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 1)) throw new InvalidArgumentError('expected a fraction between 0 and 1 (e.g. 0.2)');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number > 0 (e.g. 3e-4)');
  return n;
}

const percent = (x: number | null) => (x === null ? '   -  ' : `${(x * 100).toFixed(1).padStart(5)}%`);

/** One log line per 10 epochs (and the last). */
function epochLine(record: EpochRecord, epochs: number): string {
  const val = record.valLoss === null ? '' : `  val loss ${record.valLoss.toFixed(4)}  val acc ${percent(record.valAccuracy)}  mean per-color ${percent(record.valMeanPerColorAccuracy)}`;
  return `epoch ${String(record.epoch).padStart(String(epochs).length)}/${epochs}  train loss ${record.trainLoss.toFixed(4)}${val}`;
}

/** The training report's path beside the model: `cdm.onnx` → `cdm.report.json`. */
export function reportPathFor(modelPath: string): string {
  return `${modelPath.replace(/\.onnx$/i, '')}.report.json`;
}

/** `refractor train <embeddings.npz> --out refractor_cdm.onnx`: the card's recipe, locally. */
export function trainCommand(context: CommandContext): Command {
  const command = new Command('train');
  return command
    .description(
      "train a CDM on extracted embeddings with the model card's recipe (song-level stratified split, weighted label-smoothed cross entropy, Adam with L2, dropout, best checkpoint by mean per-color validation accuracy) and export it as ONNX",
    )
    .argument('<embeddings.npz>', 'embeddings from `refractor extract` (or the original tool: clap_embs, concept_embs, colors, song_ids)')
    .requiredOption(
      '-o, --out <model.onnx>',
      'where to write the model (beside its target, then renamed into place; a link is kept and its target replaced); ' +
        'a JSON training report <model>.report.json is written beside it, so it must be a file: not - (stdout), a device or a FIFO',
    )
    .addOption(new Option('--epochs <n>', 'training epochs').argParser(integerParser(1)).default(CDM_RECIPE.epochs))
    .addOption(new Option('--lr <rate>', 'Adam learning rate').argParser(positiveNumber).default(CDM_RECIPE.lr))
    .addOption(new Option('--batch-size <n>', 'rows per step').argParser(integerParser(1)).default(CDM_RECIPE.batchSize))
    .addOption(new Option('--seed <n>', 'seed for the split, initialisation, shuffling and dropout').argParser(integerParser(0)).default(CDM_RECIPE.seed))
    .addOption(new Option('--val-frac <f>', 'share of each color\'s songs held out for validation').argParser(fraction).default(CDM_RECIPE.valFrac))
    .option('--no-concept', 'train on the CLAP embedding alone (the model then takes [batch, 512])')
    .action(async (file: string, flags: TrainFlags) => {
      // Before minutes of training.
      const outProblem = fileOnlyOutputProblem(flags.out, `its report ${reportPathFor(flags.out)} beside it`);
      if (outProblem) command.error(`error: ${outProblem}`, { exitCode: 2, code: 'refractor.usage' });
      await context.perInput(file, async () => {
        const embeddings = readEmbeddings(new Uint8Array(await readFile(file)), file);
        const rows = embeddingRows(embeddings);
        const inputDim = flags.concept ? 1280 : 512;
        const features = new Float32Array(rows * inputDim);
        for (let i = 0; i < rows; i++) {
          features.set(embeddings.clapEmbs.subarray(i * 512, (i + 1) * 512), i * inputDim);
          if (flags.concept) features.set(embeddings.conceptEmbs.subarray(i * 768, (i + 1) * 768), i * inputDim + 512);
        }
        const labels = embeddings.colors.map((color, i) => {
          try {
            return COLOR_NAMES.indexOf(resolveColorName(color));
          } catch (error) {
            throw new Error(`row ${i} (song ${embeddings.songIds[i]}): ${(error as Error).message}`);
          }
        });
        const songs = new Set(embeddings.songIds).size;
        context.note(`training on ${rows} chunks from ${songs} songs (${inputDim} inputs), ${flags.epochs} epochs, seed ${flags.seed}`);
        const progress = createProgress('training', flags.epochs);
        const started = performance.now();
        const result = await trainCdm(
          { features, inputDim, labels, songIds: embeddings.songIds },
          {
            epochs: flags.epochs,
            lr: flags.lr,
            batchSize: flags.batchSize,
            seed: flags.seed,
            valFrac: flags.valFrac,
            noConcept: !flags.concept,
            onEpoch: (record) => {
              progress.update(record.epoch);
              if (record.epoch % 10 === 0 || record.epoch === flags.epochs) context.note(epochLine(record, flags.epochs));
            },
          },
        );
        progress.stop();
        const seconds = (performance.now() - started) / 1000;
        for (const warning of result.warnings) context.err(`refractor: warning: ${warning}`);
        const model = exportCdmOnnx(result.model, { docString: `Refractor CDM trained by refractor train (seed ${flags.seed}, best epoch ${result.bestEpoch})` });
        await writeFileAtomic(flags.out, model);
        const reportPath = reportPathFor(flags.out);
        await writeFileAtomic(
          reportPath,
          `${JSON.stringify({ embeddings: file, model: flags.out, seconds, ...result.report }, null, 2)}\n`,
        );
        context.out(`best epoch ${result.bestEpoch} of ${flags.epochs} (validation songs: ${result.split.valSongs.length}, training songs: ${result.split.trainSongs.length})`);
        if (result.valMetrics) context.out(renderValidationTable(result.valMetrics));
        context.note(`wrote ${flags.out} and ${reportPath} (${seconds.toFixed(1)} s)`);
      });
    });
}
