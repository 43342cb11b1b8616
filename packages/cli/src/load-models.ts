import { Option } from 'commander';
import { ModelStoreError, Refractor, type NodeDevice, type StoreProgressEvent } from '@refractor/node';
import type { CommandContext } from './context.js';
import { integerParser } from './options.js';
import { createProgress, type Progress } from './progress.js';

/** The flags every command that runs the models shares. */
export interface ModelFlags {
  models: string;
  device: NodeDevice;
  offline: boolean;
  batchSize: number;
  threads?: number;
  /** False with `--no-concept-cache`. */
  conceptCache?: boolean;
  /** The base model (refractor.onnx), for MIDI candidates (`--base-model`, score only). */
  baseModel?: string;
}

/** `--models`, `--device`, `--offline`, `--batch-size`, `--threads`. */
export function modelOptions(): Option[] {
  return [
    new Option('--models <set|dir>', 'model set: "default" (the real models, downloaded once and cached), "tiny" (test models: predictions mean nothing), or a directory holding a set').default(
      'default',
    ),
    new Option('--device <device>', 'where inference runs').choices(['cpu', 'cuda']).default('cpu'),
    new Option('--offline', 'never use the network (also REFRACTOR_OFFLINE=1); missing models are an error').default(false),
    new Option('--batch-size <n>', 'chunks per CLAP run').argParser(integerParser(1)).default(16),
    new Option('--threads <n>', "onnxruntime's intra-op threads (default: one per core)").argParser(integerParser(1)),
    new Option(
      '--no-concept-cache',
      'embed concepts with the text encoder even when cached, and cache nothing (the cache lives in <cache dir>/concepts; see `refractor models concepts`)',
    ),
  ];
}

/** One progress bar per downloading file; cached files print nothing. */
function downloadProgress(): { onProgress: (event: StoreProgressEvent) => void; stop: () => void } {
  const bars = new Map<string, Progress>();
  return {
    onProgress(event) {
      if (event.cached) return;
      let bar = bars.get(event.file);
      if (!bar) {
        bar = createProgress(`downloading ${event.file}`, event.total ?? 0, process.stderr, 'bytes');
        bars.set(event.file, bar);
      }
      bar.update(event.loaded, event.total);
      if (event.done) bar.stop();
    },
    stop: () => bars.forEach((bar) => bar.stop()),
  };
}

/**
 * Opens the models for a command: resolves the set (downloading the real one
 * on first use, with progress on stderr), embeds the run's `concepts` (from
 * the concept cache, or with the text encoder opened alone and released
 * before CLAP opens: the lowest peak memory), opens the sessions, and turns
 * "the models cannot be had" into a two-line explanation of what to do instead.
 */
export async function loadRefractor(flags: ModelFlags, context: CommandContext, concepts: readonly (string | null | undefined)[] = []): Promise<Refractor> {
  const progress = downloadProgress();
  try {
    const refractor = await Refractor.load({
      models: flags.models,
      device: flags.device,
      batchSize: flags.batchSize,
      ...(flags.offline ? { offline: true } : {}),
      ...(flags.threads ? { intraOpNumThreads: flags.threads } : {}),
      ...(flags.baseModel ? { baseModel: flags.baseModel } : {}),
      onProgress: progress.onProgress,
      conceptCache: flags.conceptCache !== false,
      // A command embeds its concepts once, up front: the ~735 MB encoder is released before the audio work.
      keepTextEncoder: false,
      concepts: [...new Set(concepts.filter((text): text is string => text != null && text.trim() !== ''))],
    });
    if (refractor.modelSet.testOnly) {
      context.note(`refractor: note: model set "${refractor.modelSet.name}" is a test set; its predictions mean nothing`);
    }
    return refractor;
  } catch (error) {
    if (error instanceof ModelStoreError && ['network', 'offline', 'missing-files', 'not-found', 'unauthorized'].includes(error.code) && !flags.models.includes('/')) {
      throw new ModelStoreError(
        error.code,
        `the "${flags.models}" models are not available here (${error.message.split('\n')[0]})\n` +
          `  get them with \`refractor models pull ${flags.models}\` (or pass --models <dir> with a local copy); ` +
          'to try the pipeline offline, use --models tiny (a test model set whose predictions mean nothing)',
      );
    }
    throw error;
  } finally {
    progress.stop();
  }
}
