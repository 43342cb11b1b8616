import { CROP_MODES, type CropMode } from '@refractor/audio';
import { COLOR_RULES, DEFAULT_COLOR_RULE, DEFAULT_TARGETS, TARGET_TABLE_NAMES, lookupColor, type ColorRule, type SongScoreOptions, type TargetTableName } from '@refractor/node';
import type { ServerLimits } from './options.js';

/** The options of a scoring request, as query parameters or form fields (snake_case, as the JSON output). */
export interface ScoreParams {
  concept?: string;
  lyric?: string;
  sounds_like?: string[];
  target?: string;
  crop?: CropMode;
  seed?: number;
  /** Window length in seconds, as records name it (`settings.chunk_size_s`). */
  chunk_size_s?: number;
  /** Distance between window starts in seconds, as records name it (`settings.chunk_stride_s`). */
  chunk_stride_s?: number;
  /** @deprecated The old name of `chunk_size_s`, still accepted. */
  chunk_size?: number;
  /** @deprecated The old name of `chunk_stride_s`, still accepted. */
  chunk_stride?: number;
  targets?: TargetTableName;
  color_rule?: ColorRule;
  /** Labels a raw-body upload in the result's `file` (multipart parts use their file name). */
  name?: string;
}

/**
 * The JSON schema of {@link ScoreParams}: the route validates query strings
 * with it and the handlers validate multipart fields with it, so both say
 * the same thing about the same mistake (unknown field, text too long, …).
 */
export function scoreParamsSchema(limits: ServerLimits) {
  const text = (description: string) => ({ type: 'string', maxLength: limits.textChars, description });
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      concept: text("The song's concept text, embedded with DeBERTa (none: zeros, as the original)"),
      lyric: text('Lyric text, embedded like the concept (used by the base model for MIDI; the CDM audio path ignores it, as the original)'),
      sounds_like: {
        type: 'array',
        maxItems: limits.soundsLike,
        items: { type: 'string', maxLength: limits.textChars },
        description: 'Artist descriptions (repeat the parameter; used by the base model; the CDM audio path ignores them)',
      },
      target: { type: 'string', maxLength: 16, description: 'A target color (name or letter): adds chromatic match and drift' },
      crop: { type: 'string', enum: [...CROP_MODES], description: "Where CLAP's 10 s view sits in each window (default start)" },
      seed: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'Seed for crop=random' },
      chunk_size_s: { type: 'number', exclusiveMinimum: 0, maximum: 3600, description: 'Window length in seconds (default 30), the name records use' },
      chunk_stride_s: { type: 'number', exclusiveMinimum: 0, maximum: 3600, description: 'Distance between window starts in seconds (default 5), the name records use' },
      chunk_size: { type: 'number', exclusiveMinimum: 0, maximum: 3600, deprecated: true, description: 'Deprecated: the old name of chunk_size_s' },
      chunk_stride: { type: 'number', exclusiveMinimum: 0, maximum: 3600, deprecated: true, description: 'Deprecated: the old name of chunk_stride_s' },
      targets: {
        type: 'string',
        enum: [...TARGET_TABLE_NAMES],
        description:
          `The target table for the axis distributions, match, drift and the targets color (default ${DEFAULT_TARGETS}: derived from the rainbow table, as the original since 2026-04-15; ` +
          "card: the seed model card's numbers)",
      },
      color_rule: {
        type: 'string',
        enum: [...COLOR_RULES],
        description: `Which rule picks \`predicted_color\` and \`color\` (default ${DEFAULT_COLOR_RULE}: majority of chunk colors; probs: pooled probabilities; targets: nearest target rows); all three colors are always present`,
      },
      name: { type: 'string', maxLength: 256, description: "Labels a raw-body upload in the result's `file`" },
    },
  } as const;
}

/** Library options for validated params (a bad target color throws the library's UnknownColorError). */
export function songOptions(params: ScoreParams): SongScoreOptions {
  // The records' names win over the deprecated aliases when a request gives both.
  const chunkSizeS = params.chunk_size_s ?? params.chunk_size;
  const chunkStrideS = params.chunk_stride_s ?? params.chunk_stride;
  return {
    ...(params.target !== undefined ? { target: lookupColor(params.target).name } : {}),
    ...(params.crop !== undefined ? { crop: params.crop } : {}),
    ...(params.seed !== undefined ? { seed: params.seed } : {}),
    ...(chunkSizeS !== undefined ? { chunkSizeS } : {}),
    ...(chunkStrideS !== undefined ? { chunkStrideS } : {}),
    ...(params.targets !== undefined ? { targets: params.targets } : {}),
    ...(params.color_rule !== undefined ? { colorRule: params.color_rule } : {}),
  };
}

type ParamsSchema = ReturnType<typeof scoreParamsSchema>;

/** The same schema with only some of its fields (a route that takes fewer options rejects the rest as unknown). */
export function pickParams<K extends keyof ParamsSchema['properties']>(schema: ParamsSchema, keys: readonly K[]) {
  return { ...schema, properties: Object.fromEntries(keys.map((key) => [key, schema.properties[key]])) as Pick<ParamsSchema['properties'], K> };
}
