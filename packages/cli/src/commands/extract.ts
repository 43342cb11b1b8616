import { resolve } from 'node:path';
import { Command } from 'commander';
import { concatEmbeddings, songRows, writeEmbeddings, type EmbeddingsFile } from '@refractor/train';
import { fileOnlyOutputProblem, writeFileAtomic } from '../atomic.js';
import type { CommandContext } from '../context.js';
import { ExtractSidecar, ResumeMismatchError, sidecarPathFor, type ExtractSettings } from '../extract/sidecar.js';
import { skippedFor } from '../extract/skipped.js';
import { loadRefractor, modelOptions, type ModelFlags } from '../load-models.js';
import { featureSettings } from '@refractor/node';
import { chunkingOptions, cropOptions, featureOptionsOf, type ChunkingFlags, type CropFlags } from '../options.js';
import { createProgress } from '../progress.js';
import { openDataset, type SkippedSong } from '@refractor/node/io';

interface ExtractFlags extends ModelFlags, ChunkingFlags, CropFlags {
  out: string;
  compress: boolean;
  restart: boolean;
}

/**
 * Test hook: after this many songs finished in this run, the process kills
 * itself (SIGKILL, no cleanup), which is what an interruption looks like.
 */
const INTERRUPT_AFTER_ENV = 'REFRACTOR_EXTRACT_INTERRUPT_AFTER';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `refractor extract <dataset> --out embeddings.npz`: the training cache of a
 * labeled dataset, in the original's .npz format (`clap_embs` (N, 512),
 * `concept_embs` (N, 768), `colors` (N,), `song_ids` (N,); one row per chunk).
 * Resumable: finished songs are kept in `<out>.partial/` until the final file
 * is written atomically. Exit 0 when every song was extracted, 1 when some
 * were skipped (the rest still written), 2 on usage errors (including
 * resuming with other settings).
 *
 * @example
 * ```sh
 * refractor extract staged_raw_material --out embeddings.npz
 * refractor extract songs.csv --out cache.npz --models tiny --offline --chunk-size 5 --chunk-stride 5
 * ```
 */
export function extractCommand(context: CommandContext): Command {
  const command = new Command('extract')
    .description(
      "compute a labeled song set's training cache: per-chunk CLAP embeddings with each song's concept embedding, color and id, " +
        'as the original .npz (clap_embs, concept_embs, colors, song_ids); resumable song by song',
    )
    .argument(
      '<dataset>',
      'a folder in the original layout (<id>/<id>.yml with rainbow_color and an optional concept, audio <id>/<id>_main.wav or another format) ' +
        'or a CSV manifest with the header path,color[,concept] (paths relative to the CSV)',
    )
    .requiredOption(
      '-o, --out <file>',
      'the .npz to write (beside its target, then renamed into place; a link is kept and its target replaced); progress is kept in <file>.partial/ until it is written, ' +
        'so it must be a file: not - (stdout), a device or a FIFO',
    )
    .option('--compress', 'deflate the arrays, as np.savez_compressed (default: stored, as np.savez)', false)
    .option('--restart', 'discard the progress of an interrupted run instead of resuming it', false)
    .addHelpText(
      'after',
      [
        '',
        'Exit status: 0 every song extracted; 1 some songs skipped (named, with reasons, on stderr;',
        '             the rest still written), or the dataset is missing or holds no songs;',
        '             2 usage error, or an interrupted run with other settings (use --restart).',
        '',
        'Examples:',
        '  refractor extract staged_raw_material --out embeddings.npz',
        '  refractor extract songs.csv --out cache.npz --models tiny --offline --chunk-size 5 --chunk-stride 5',
      ].join('\n'),
    );
  for (const option of [...modelOptions(), ...chunkingOptions(), ...cropOptions()]) command.addOption(option);
  return command.action(async (path: string, flags: ExtractFlags) => {
    const outProblem = fileOnlyOutputProblem(flags.out, `its progress in ${sidecarPathFor(flags.out)}/ beside it`);
    if (outProblem) command.error(`error: ${outProblem}`, { exitCode: 2, code: 'refractor.usage' });
    // A missing or empty dataset throws a DatasetError: runCli prints it and exits 1.
    const dataset = await openDataset(path);
    const refractor = await loadRefractor(flags, context, dataset.songs.map((song) => song.concept));
    const settings: ExtractSettings = {
      dataset: resolve(path),
      models: refractor.modelSet.name,
      ...featureSettings(featureOptionsOf(flags)),
    };
    const skipped: SkippedSong[] = [...dataset.skipped];
    const finished: typeof dataset.songs = [];
    let sidecar: ExtractSidecar;
    try {
      sidecar = await ExtractSidecar.open(flags.out, settings, { restart: flags.restart });
    } catch (error) {
      await refractor.close();
      if (error instanceof ResumeMismatchError) command.error(`error: ${error.message}`, { exitCode: 2, code: 'refractor.resume' });
      throw error;
    }

    const songs = dataset.songs;
    const alreadyDone = songs.filter((song) => sidecar.isDone(song)).length;
    if (alreadyDone > 0) context.note(`resuming: ${alreadyDone} of ${plural(songs.length, 'song')} done (from ${sidecarPathFor(flags.out)})`);
    const interruptAfter = Number(process.env[INTERRUPT_AFTER_ENV] ?? 0);
    const progress = createProgress('extracting', songs.length);
    const options = featureOptionsOf(flags);
    try {
      const conceptEmbedding = await refractor.conceptLookup(songs.filter((song) => !sidecar.isDone(song)).map((song) => song.concept));
      let doneThisRun = 0;
      for (const [index, song] of songs.entries()) {
        if (!sidecar.isDone(song)) {
          const started = performance.now();
          let rows: EmbeddingsFile;
          try {
            rows = await songRows(refractor, song, await conceptEmbedding(song.concept), options);
          } catch (error) {
            skipped.push(skippedFor(song, error));
            progress.update(index + 1);
            continue;
          }
          await sidecar.save(song, rows);
          const seconds = (performance.now() - started) / 1000;
          context.note(`extracted ${song.id}: ${song.color}, ${plural(rows.colors.length, 'chunk')}, ${seconds.toFixed(1)} s`);
          doneThisRun += 1;
          if (interruptAfter > 0 && doneThisRun >= interruptAfter) process.kill(process.pid, 'SIGKILL');
        }
        finished.push(song);
        progress.update(index + 1);
      }
    } finally {
      progress.stop();
      await refractor.close();
    }

    for (const skip of skipped) context.fail(skip.id, `skipped (${skip.reason}): ${skip.message}`);
    if (finished.length === 0) {
      await sidecar.remove();
      context.fail(path, 'no song could be extracted; nothing written');
      return;
    }
    // Rows in dataset order, read back from the sidecar, so a resumed run writes what an uninterrupted one would.
    const cache = concatEmbeddings(await Promise.all(finished.map((song) => sidecar.read(song))));
    await writeFileAtomic(flags.out, writeEmbeddings(cache, { compress: flags.compress }));
    await sidecar.remove();
    context.note(
      `wrote ${flags.out} (${plural(cache.colors.length, 'row')} from ${plural(finished.length, 'song')}` +
        `${skipped.length ? `; ${skipped.length} skipped` : ''})`,
    );
  });
}
