import { InvalidArgumentError, Option } from 'commander';
import { CROP_MODES, DEFAULT_CHUNKING, DEFAULT_CROP } from '@refractor/audio';
import { COLOR_RULES, DEFAULT_COLOR_RULE, DEFAULT_TARGETS, TARGET_TABLE_NAMES, type ColorRule, type TargetTableName } from '@refractor/core';

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

/** The target table: shared by every command that scores songs or candidates. */
export function targetsOption(): Option {
  return new Option(
    '--targets <table>',
    'target table for the axis distributions, match, drift and the targets color: canonical (derived from the rainbow table, as the original since 2026-04-15) ' +
      "or card (the seed model card's numbers, to reproduce its validation)",
  )
    .choices(TARGET_TABLE_NAMES)
    .default(DEFAULT_TARGETS);
}

/** What `--color-rule` means, for help texts. */
export const COLOR_RULE_HELP = 'vote (majority of chunk colors, the original since 2026-04-15), probs (pooled probabilities) or targets (nearest target rows, the card)';

/** The song color rule of `score` and the queue: one rule, `vote` by default. */
export function colorRuleOption(): Option {
  return new Option('--color-rule <rule>', `which song color is predicted_color: ${COLOR_RULE_HELP}; records carry all three`)
    .choices(COLOR_RULES)
    .default(DEFAULT_COLOR_RULE);
}

/** Parses a comma-separated list of color rules (validate prints a table for each, in that order). */
export function parseColorRules(value: string): ColorRule[] {
  const rules = value.split(',').map((rule) => rule.trim());
  const unknown = rules.filter((rule) => !(COLOR_RULES as readonly string[]).includes(rule));
  if (rules.length === 0 || unknown.length > 0 || new Set(rules).size !== rules.length) {
    throw new InvalidArgumentError(`expected one or more of ${COLOR_RULES.join(', ')}, comma-separated, each once`);
  }
  return rules as ColorRule[];
}

/** Table and rule settings as parsed by commander. */
export interface ColorFlags {
  targets: TargetTableName;
  colorRule: ColorRule;
}
