import { InvalidArgumentError, Option } from 'commander';
import {
  describeDeviceChoice,
  MODEL_DTYPES,
  ModelStoreError,
  NODE_DEVICES,
  Refractor,
  RefractorError,
  type BatchSize,
  type CrossRequestBatching,
  type ModelDtype,
  type NodeDeviceRequest,
  type RefractorLoadOptions,
} from '@refractor/node';
import type { CommandContext } from './context.js';
import { integerParser } from './options.js';
import { downloadProgress } from './progress.js';

/** The flags every command that runs the models shares. */
export interface ModelFlags {
  models: string;
  device: NodeDeviceRequest;
  offline: boolean;
  batchSize: BatchSize;
  threads?: number;
  /** False with `--no-concept-cache`. */
  conceptCache?: boolean;
  dtype: ModelDtype;
  textDtype?: ModelDtype;
  spin?: boolean;
  /** The base model (refractor.onnx), for MIDI candidates (`--base-model` on score, serve and worker). */
  baseModel?: string;
  /** `--batching` (serve and worker only; see {@link batchingOptions}). */
  batching?: BatchingMode;
  /** `--max-batch`. */
  maxBatch?: number;
  /** `--max-wait-ms`. */
  maxWaitMs?: number;
}

/** `--batching`'s values. */
export const BATCHING_MODES = ['auto', 'on', 'off'] as const;
export type BatchingMode = (typeof BATCHING_MODES)[number];

/** A number of milliseconds >= 0. */
function parseMilliseconds(value: string): number {
  const ms = Number(value);
  if (value.trim() === '' || !Number.isFinite(ms) || ms < 0) throw new InvalidArgumentError('expected a number of milliseconds >= 0 (e.g. 5 or 0.5)');
  return ms;
}

/**
 * `--batching`, `--max-batch`, `--max-wait-ms`: cross-request batching, for
 * the commands that score several songs at once (`serve`, `worker`).
 * `concurrencyFlag` names the flag that bounds how many songs can share a run.
 */
export function batchingOptions(concurrencyFlag: string): Option[] {
  return [
    new Option(
      '--batching <mode>',
      'cross-request batching: put the CLAP chunks of songs scored at once into shared encoder runs (results are the same as without). ' +
        'auto: on where the device prefers batches above 1 (cuda, webgpu), off on cpu, where batch 1 is fastest; on: always; off: never. ' +
        `At most ${concurrencyFlag} songs are scored at once, so that many at most share a run: raise it on a GPU`,
    )
      .choices([...BATCHING_MODES])
      .default('auto'),
    new Option('--max-batch <n>', 'with --batching on/auto: most chunks in one shared CLAP run (default 16)').argParser(integerParser(1)),
    new Option(
      '--max-wait-ms <ms>',
      'with --batching on/auto: longest a chunk waits for chunks of other songs to join its run (default 5; a run also starts when the previous one ends)',
    ).argParser(parseMilliseconds),
  ];
}

/**
 * `crossRequestBatching` from `--batching`, `--max-batch`, `--max-wait-ms`
 * (undefined when none of them was given: the library's default applies).
 */
export function crossRequestBatchingOf(flags: Pick<ModelFlags, 'batching' | 'maxBatch' | 'maxWaitMs'>): CrossRequestBatching | undefined {
  const settings = { ...(flags.maxBatch !== undefined ? { maxBatch: flags.maxBatch } : {}), ...(flags.maxWaitMs !== undefined ? { maxWaitMs: flags.maxWaitMs } : {}) };
  const tuned = Object.keys(settings).length > 0;
  if (flags.batching === 'off') {
    if (tuned) {
      throw new RefractorError(`${flags.maxBatch !== undefined ? '--max-batch' : '--max-wait-ms'} tunes cross-request batching, which --batching off turns off; drop it or use --batching auto or on`, {
        code: 'invalid-value',
      });
    }
    return false;
  }
  if (flags.batching === 'on') return settings;
  if (flags.batching === 'auto') return tuned ? { ...settings, when: 'auto' } : 'auto';
  return undefined;
}

/** `auto` or an integer >= 1. */
function parseBatchSize(value: string): BatchSize {
  if (value.trim() === 'auto') return 'auto';
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1) throw new InvalidArgumentError('expected "auto" or an integer >= 1');
  return n;
}

/** `--models`, `--device`, `--offline`, `--batch-size`, `--threads`, `--dtype`, `--text-dtype`, `--spin`. */
export function modelOptions(): Option[] {
  return [
    new Option('--models <set|dir>', 'model set: "default" (the real models, downloaded once and cached), "tiny" (test models: predictions mean nothing), or a directory holding a set').default(
      'default',
    ),
    new Option(
      '--device <device>',
      'where inference runs: cpu (always works); cuda (NVIDIA GPU; needs CUDA 12, cuDNN 9 and onnxruntime-node\'s CUDA provider, ' +
        'which its install script adds with ONNXRUNTIME_NODE_INSTALL=cuda12); webgpu (any GPU through onnxruntime-node\'s WebGPU provider: ' +
        'Vulkan on Linux, which needs libvulkan1 and the GPU\'s Vulkan driver; Metal on macOS; Direct3D 12 on Windows); ' +
        'auto (the first of cuda, webgpu, cpu that works here; -v says which and why)',
    )
      .choices([...NODE_DEVICES])
      .default('cpu'),
    new Option('--offline', 'never use the network (also REFRACTOR_OFFLINE=1); missing models are an error').default(false),
    new Option('--batch-size <n>', 'chunks per CLAP run, or "auto" (1 on cpu, where batching measured slower and needs far more memory; 16 on cuda and webgpu); results are the same either way')
      .argParser(parseBatchSize)
      .default('auto'),
    new Option('--threads <n>', "onnxruntime's intra-op threads (default: one per physical core)").argParser(integerParser(1)),
    new Option(
      '--no-concept-cache',
      'embed concepts with the text encoder even when cached, and cache nothing (the cache lives in <cache dir>/concepts; see `refractor models concepts`)',
    ),
    new Option(
      '--dtype <dtype>',
      'encoder weights: fp32 (what the CDM was trained on), fp16 or q8 (smaller files, transformers.js names *_fp16.onnx / *_quantized.onnx; they change the embeddings, so predictions can shift)',
    )
      .choices([...MODEL_DTYPES])
      .default('fp32'),
    new Option('--text-dtype <dtype>', 'the concept encoder\'s weights when they should differ from --dtype').choices([...MODEL_DTYPES]),
    new Option('--spin', "let onnxruntime's idle threads spin (busy-wait) for work, its own default; off (ours), they sleep and leave the cores to decoding and features").default(false),
  ];
}

/**
 * The library's load options from the model flags: the one place the CLI's
 * flag names become @refractor/node's `RefractorLoadOptions` (`--threads` is
 * `intraOpNumThreads`, `--spin` `allowSpinning`, `--dtype`/`--text-dtype`
 * `dtype`, `--batching`/`--max-batch`/`--max-wait-ms`
 * `crossRequestBatching`), for `score`, `validate`, `extract`, `worker` and
 * `serve` alike.
 *
 * @example
 * ```ts
 * const refractor = await Refractor.load({ ...loadOptionsFromFlags(flags), keepTextEncoder: false });
 * ```
 */
export function loadOptionsFromFlags(flags: ModelFlags): RefractorLoadOptions {
  const batching = crossRequestBatchingOf(flags);
  return {
    models: flags.models,
    device: flags.device,
    batchSize: flags.batchSize,
    dtype: { clap: flags.dtype, text: flags.textDtype ?? flags.dtype },
    ...(flags.spin ? { allowSpinning: true } : {}),
    ...(flags.offline ? { offline: true } : {}),
    ...(flags.threads ? { intraOpNumThreads: flags.threads } : {}),
    ...(flags.baseModel ? { baseModel: flags.baseModel } : {}),
    ...(batching !== undefined ? { crossRequestBatching: batching } : {}),
    conceptCache: flags.conceptCache !== false,
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
      ...loadOptionsFromFlags(flags),
      // Sessions open while the first song decodes; a model that fails to open fails the first song.
      openInBackground: true,
      onProgress: progress.onProgress,
      // A command embeds its concepts once, up front: the ~735 MB encoder is released before the audio work.
      keepTextEncoder: false,
      concepts: [...new Set(concepts.filter((text): text is string => text != null && text.trim() !== ''))],
    });
    const batching = refractor.crossRequestBatching;
    context.detail(
      `refractor: device: ${describeDeviceChoice(refractor.deviceChoice)}; ${refractor.backend.name}, batch size ${refractor.batchSize}` +
        (flags.batching !== undefined ? `, cross-request batching ${batching ? `on (max ${batching.maxBatch} chunks, ${batching.maxWaitMs} ms)` : 'off'}` : ''),
    );
    if (refractor.modelSet.testOnly) {
      context.note(`refractor: note: model set "${refractor.modelSet.name}" is a test set; its predictions mean nothing`);
    }
    return refractor;
  } catch (error) {
    if (error instanceof ModelStoreError && ['network', 'offline', 'missing-files', 'not-found', 'unauthorized'].includes(error.reason) && !flags.models.includes('/')) {
      // The store's first line says what is wrong; its "  - …" lines name each missing file. Its own advice is replaced by the CLI's below.
      const [summary, ...details] = error.message.split('\n');
      const files = details.filter((line) => /^\s+- /.test(line));
      throw new ModelStoreError(
        error.reason,
        `the "${flags.models}" models are not available here (${summary})\n` +
          files.map((line) => `${line}\n`).join('') +
          `  get them with \`refractor models pull ${flags.models}\` (or pass --models <dir> with a local copy); ` +
          'to try the pipeline offline, use --models tiny (a test model set whose predictions mean nothing)',
      );
    }
    throw error;
  } finally {
    progress.stop();
  }
}
