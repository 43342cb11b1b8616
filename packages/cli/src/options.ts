import { InvalidArgumentError, Option } from 'commander';
import { CROP_MODES, DEFAULT_CHUNKING, DEFAULT_CROP } from '@refractor/audio';

/** Parses a number of seconds > 0. */
export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError('expected a number of seconds > 0 (e.g. 30 or 2.5)');
  }
  return seconds;
}

/** Parses an integer option >= `min`. */
export function integerParser(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min) {
      throw new InvalidArgumentError(`expected an integer >= ${min}`);
    }
    return n;
  };
}

/** Parses a random seed for numpy's generator. */
export function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value.trim()) || seed > 0xffffffff) {
    throw new InvalidArgumentError('expected an integer in [0, 4294967295]');
  }
  return seed;
}

/** How songs are cut into windows: shared by every command that reads songs. */
export function chunkingOptions(): Option[] {
  return [
    new Option('--chunk-size <seconds>', 'length of each scoring window').argParser(parseSeconds).default(DEFAULT_CHUNKING.chunkSizeS),
    new Option('--chunk-stride <seconds>', 'distance between window starts').argParser(parseSeconds).default(DEFAULT_CHUNKING.chunkStrideS),
  ];
}

/** Where CLAP looks inside each window: shared by every command that computes features. */
export function cropOptions(): Option[] {
  return [
    new Option(
      '--crop <mode>',
      "where CLAP's 10 s view sits in each window: start (deterministic, always inside the song), center, or random (numpy-seeded, the original's behaviour)",
    )
      .choices(CROP_MODES)
      .default(DEFAULT_CROP.crop),
    new Option('--seed <n>', 'seed for --crop random (reproduces np.random.seed(n) in the original)').argParser(parseSeed).default(DEFAULT_CROP.seed),
  ];
}

/** Chunking settings as parsed by commander. */
export interface ChunkingFlags {
  chunkSize: number;
  chunkStride: number;
}

/** Crop settings as parsed by commander. */
export interface CropFlags {
  crop: (typeof CROP_MODES)[number];
  seed: number;
}

/**
 * The library's chunking and crop options from the flags: the one place the
 * CLI's `--chunk-size`/`--chunk-stride` (commander's `chunkSize`,
 * `chunkStride`) become the library's `chunkSizeS`/`chunkStrideS`, and, with
 * core's `featureSettings`, the records' `chunk_size_s`/`chunk_stride_s`.
 *
 * @example
 * ```ts
 * featureSettings(featureOptionsOf(flags)); // { crop, seed, chunk_size_s, chunk_stride_s }
 * ```
 */
export function featureOptionsOf(flags: ChunkingFlags & CropFlags): { chunkSizeS: number; chunkStrideS: number; crop: CropFlags['crop']; seed: number } {
  return { ...chunkingOf(flags), crop: flags.crop, seed: flags.seed };
}

/** The library's chunking options from the flags (see {@link featureOptionsOf}). */
export function chunkingOf(flags: ChunkingFlags): { chunkSizeS: number; chunkStrideS: number } {
  return { chunkSizeS: flags.chunkSize, chunkStrideS: flags.chunkStride };
}
