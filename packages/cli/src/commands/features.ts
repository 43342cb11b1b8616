import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { ClapFeatureExtractor, LARGER_CLAP_MUSIC_PREPROCESSOR, parseClapPreprocessorConfig } from '@refractor/audio';
import { openAudioFile, songChunkFeaturesInWorker } from '@refractor/audio/node';
import { outName, outTargetHelp } from '../atomic.js';
import { NpyRowWriter } from '../npy.js';
import { chunkingOptions, cropOptions, featureOptionsOf, type ChunkingFlags, type CropFlags } from '../options.js';
import { createProgress } from '../progress.js';
import type { CommandContext } from '../context.js';

interface FeaturesFlags extends ChunkingFlags, CropFlags {
  out: string;
  preprocessorConfig?: string;
}

async function loadExtractor(configPath: string | undefined): Promise<ClapFeatureExtractor> {
  if (!configPath) return new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR);
  const text = await readFile(configPath, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${configPath}: not valid JSON (${(error as Error).message})`);
  }
  return new ClapFeatureExtractor(parseClapPreprocessorConfig(json, configPath));
}

/** `refractor features <audio> --out f.npy`: the CLAP log-mel of every chunk, as a NumPy array. */
export function featuresCommand(context: CommandContext): Command {
  const command = new Command('features')
    .description('compute the CLAP log-mel features of every chunk of a song and save them as a float32 .npy [chunks, 1, 1001, 64]')
    .argument('<audio>', 'an audio file (WAV, AIFF, MP3, FLAC, OGG Vorbis, Opus, M4A)')
    .requiredOption('-o, --out <file.npy>', outTargetHelp('where to write the array'));
  for (const option of [...chunkingOptions(), ...cropOptions()]) command.addOption(option);
  return command
    .addOption(
      new Option(
        '--preprocessor-config <json>',
        "a CLAP checkpoint's preprocessor_config.json (default: laion/larger_clap_music's settings)",
      ),
    )
    .action(async (file: string, flags: FeaturesFlags) => {
      await context.perInput(file, async () => {
        const extractor = await loadExtractor(flags.preprocessorConfig);
        const progress = createProgress('reading', 1, process.stderr, 'bytes');
        const stream = await openAudioFile(file, { onBytesRead: (read, total) => progress.update(read, total) });
        const writer = await NpyRowWriter.create(flags.out, [extractor.channels, extractor.frames, extractor.melBins]);
        try {
          let chunks = 0;
          // Decoding here, resampling and log-mel on a worker thread: two cores.
          for await (const chunk of songChunkFeaturesInWorker(stream, {
            config: extractor.config,
            name: file,
            ...featureOptionsOf(flags),
          })) {
            await writer.append(chunk.features);
            chunks += 1;
          }
          const { rows } = await writer.finish();
          progress.stop();
          context.note(
            `wrote ${outName(flags.out)}: float32 [${rows}, ${extractor.channels}, ${extractor.frames}, ${extractor.melBins}] ` +
              `(crop ${flags.crop}${flags.crop === 'random' ? `, seed ${flags.seed}` : ''}; ${flags.chunkSize} s windows every ${flags.chunkStride} s; ${chunks} chunks)`,
          );
        } catch (error) {
          progress.stop();
          await writer.abort();
          throw error;
        }
      });
    });
}
