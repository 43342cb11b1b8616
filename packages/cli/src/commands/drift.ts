import { Command, InvalidArgumentError, Option } from 'commander';
import { MODEL_DTYPES, measureDtypeDrift, type DtypeDriftSummary, type ModelDtype } from '@refractor/node';
import { expandInputs } from '@refractor/node/io';
import type { CommandContext } from '../context.js';
import { loadOptionsFromFlags, modelOptions, type ModelFlags } from '../load-models.js';
import { chunkingOptions, colorRuleOption, cropOptions, featureOptionsOf, targetsOption, type ChunkingFlags, type ColorFlags, type CropFlags } from '../options.js';
import { createProgress } from '../progress.js';

interface DriftFlags extends Omit<ModelFlags, 'dtype' | 'textDtype'>, ChunkingFlags, CropFlags, ColorFlags {
  dtype: ModelDtype[];
  reference: ModelDtype;
  concept?: string;
  json: boolean;
}

/** Parses `q8,fp16`: known dtypes, comma-separated, each once. */
export function parseDtypes(value: string): ModelDtype[] {
  const dtypes = value.split(',').map((d) => d.trim());
  const unknown = dtypes.filter((d) => !(MODEL_DTYPES as readonly string[]).includes(d));
  if (unknown.length > 0 || new Set(dtypes).size !== dtypes.length) {
    throw new InvalidArgumentError(`expected one or more of ${MODEL_DTYPES.join(', ')}, comma-separated, each once`);
  }
  return dtypes as ModelDtype[];
}

const f = (x: number, digits = 4) => x.toFixed(digits);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The text report of one dtype, one figure per line. */
function summaryLines(s: DtypeDriftSummary): string[] {
  return [
    `${s.dtype} against ${s.reference}: ${s.songs} song${s.songs === 1 ? '' : 's'}, ${s.chunks} chunks`,
    `  CLAP embedding cosine        mean ${f(s.embedding_cosine.mean, 6)}   min ${f(s.embedding_cosine.min, 6)}`,
    ...(s.concept_cosine !== undefined ? [`  concept embedding cosine     ${f(s.concept_cosine, 6)}`] : []),
    `  largest color-prob change    chunk max ${f(s.chunk_prob_change.max)} (mean ${f(s.chunk_prob_change.mean)})   song max ${f(s.song_prob_change.max)} (mean ${f(s.song_prob_change.mean)})`,
    `  predicted color flips        chunks ${s.chunk_color_flips.count}/${s.chunks} (${pct(s.chunk_color_flips.rate)})   songs ${s.song_color_flips.count}/${s.songs} (${pct(s.song_color_flips.rate)})`,
    ...s.song_color_flips.songs.map((flip) => `    ${flip.song}: ${flip.reference} → ${flip.dtype}`),
    ...(s.worst ? [`  most moved chunk             ${s.worst.song} at ${s.worst.start_s} s (chunk ${s.worst.chunk}): Δp ${f(s.worst.prob_change)}, cosine ${f(s.worst.embedding_cosine, 6)}`] : []),
  ];
}

/** `refractor drift <songs…> --dtype q8,fp16`: how much lower-precision encoder weights move the results. */
export function driftCommand(context: CommandContext): Command {
  const command = new Command('drift')
    .description(
      'measure how q8 or fp16 encoder weights move the results away from fp32 (what the CDM was trained on) on a set of songs: CLAP embedding cosine, largest change in a color probability, and how often the predicted color flips, per chunk and per song',
    )
    .argument('<inputs...>', 'audio files, directories (searched recursively) and glob patterns, as `score` takes them')
    .addOption(new Option('--dtype <list>', `the variants to measure, comma-separated (${MODEL_DTYPES.join(', ')})`).argParser(parseDtypes).default(['q8', 'fp16'] as ModelDtype[], 'q8,fp16'))
    .addOption(new Option('--reference <dtype>', 'the variant they are compared with').choices([...MODEL_DTYPES]).default('fp32'))
    .option('--concept <text>', 'a concept text, embedded by each variant\'s own text encoder (its drift is reported too); default none (zeros)')
    .option('--json', 'print one JSON object (the figures of every dtype, the songs that failed) instead of text', false)
    .addOption(targetsOption())
    .addOption(colorRuleOption())
    .addHelpText(
      'after',
      '\nWith the bench models (`pnpm bench:models`), whose weights are seeded random values, the figures only bound the quantization noise;\n' +
        'the real models\' figures come from running this on the real set (--models default).',
    );
  const shared = modelOptions().filter((option) => option.long !== '--dtype' && option.long !== '--text-dtype');
  for (const option of [...shared, ...chunkingOptions(), ...cropOptions()]) command.addOption(option);
  return command.action(async (inputs: string[], flags: DriftFlags) => {
    if (flags.dtype.includes(flags.reference)) {
      command.error(`error: --dtype ${flags.dtype.join(',')} includes the reference (${flags.reference}); measure other variants against it`, { exitCode: 2, code: 'refractor.usage' });
    }
    const songs: string[] = [];
    for (const input of await expandInputs(inputs)) {
      if ('missing' in input) context.fail(input.missing, input.reason);
      else songs.push(input.file);
    }
    if (songs.length === 0) return;
    const { dtype: _d, ...load } = loadOptionsFromFlags({ ...flags, dtype: flags.reference });
    const progress = context.quiet ? undefined : createProgress('songs', songs.length);
    let report;
    try {
      report = await measureDtypeDrift(songs, {
        ...load,
        ...featureOptionsOf(flags),
        dtypes: flags.dtype,
        reference: flags.reference,
        ...(flags.concept !== undefined ? { concept: flags.concept } : {}),
        targets: flags.targets,
        colorRule: flags.colorRule,
        onSong: ({ index, song, error }) => {
          progress?.update(index + 1);
          if (error) context.failed(song, error);
        },
      });
    } finally {
      progress?.stop();
    }
    if (flags.json) {
      context.out(JSON.stringify({ reference: report.reference, models: flags.models, summaries: report.summaries, failed: report.failed.map(({ song, error }) => ({ song, reason: error.message })) }));
      return;
    }
    for (const summary of report.summaries) for (const line of summaryLines(summary)) context.out(line);
  });
}
