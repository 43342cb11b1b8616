import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { stringify as stringifyYaml } from 'yaml';
import { COLOR_NAMES, lookupColor, type Refractor } from '@refractor/node';
import { writeFileAtomic } from '../atomic.js';
import type { CommandContext } from '../context.js';
import { loadRefractor, modelOptions, type ModelFlags } from '../load-models.js';
import { chunkingOptions, cropOptions, type ChunkingFlags, type CropFlags } from '../options.js';
import { createProgress } from '../progress.js';
import { expandInputs } from '../score/inputs.js';
import { candidateOptions, scoreCandidateFiles, wantsCandidates, type CandidateFlags } from '../score/run-candidates.js';
import { csvColumns, csvRow, songReport, type SongReport } from '../score/report.js';
import { supportsTrueColor, tableLines } from '../score/table.js';

const FORMATS = ['table', 'json', 'yaml', 'csv'] as const;
type Format = (typeof FORMATS)[number];

interface ScoreFlags extends ModelFlags, ChunkingFlags, CropFlags, CandidateFlags {
  concept?: string;
  conceptFile?: string;
  target?: string;
  colorRule: 'targets' | 'probs';
  format: Format;
  out?: string;
  timeline: boolean;
}

export function parseTarget(value: string): string {
  try {
    return lookupColor(value).name;
  } catch {
    throw new InvalidArgumentError(`expected a color name or letter: ${COLOR_NAMES.join(', ')} (or R O Y G B I V Z K)`);
  }
}

/** Renders all reports in a machine-readable format. */
function render(reports: SongReport[], format: Exclude<Format, 'table'>, withTarget: boolean): string {
  if (format === 'json') return `${JSON.stringify(reports, null, 2)}\n`;
  if (format === 'yaml') return stringifyYaml(reports);
  const columns = csvColumns(withTarget);
  return stringifyCsv([columns, ...reports.map((report) => csvRow(report, columns))]);
}

/** `refractor score <files | dirs | globs …>`: the color of each song. */
export function scoreCommand(context: CommandContext): Command {
  const command = new Command('score')
    .description('score songs: predicted color, confidence, axis distributions, color probabilities and the per-chunk timeline')
    .argument(
      '[inputs...]',
      'audio or MIDI files (MIDI recognised by content), directories (scanned for them) or glob patterns; with any MIDI file, ' +
        '--rank, --candidates, --lyric or --sounds-like, each file is one candidate scored as the original wrapper does (MIDI by the base model)',
    )
    .option('--concept <text>', "the song's concept text, embedded with DeBERTa (default: none, i.e. zeros as the original)")
    .option('--concept-file <file>', 'read the concept text from a file')
    .addOption(new Option('--target <color>', 'a target color (name or letter): adds chromatic match and drift').argParser(parseTarget))
    .addOption(
      new Option('--color-rule <rule>', 'which song color the table and CSV lead with: targets (the original validation rule) or probs (pooled probabilities); JSON/YAML carry both')
        .choices(['targets', 'probs'])
        .default('targets'),
    )
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .option('-o, --out <file>', 'write the output to a file (atomically) instead of stdout')
    .option('--timeline', 'table format: show a strip of per-chunk colors along each song', false);
  for (const option of [...modelOptions(), ...chunkingOptions(), ...cropOptions(), ...candidateOptions()]) command.addOption(option);
  return command.action(async (inputs: string[], flags: ScoreFlags) => {
    if (flags.concept !== undefined && flags.conceptFile !== undefined) {
      command.error("error: use either --concept or --concept-file, not both", { exitCode: 2, code: 'refractor.conflict' });
    }
    if (flags.lyric !== undefined && flags.lyricFile !== undefined) {
      command.error('error: use either --lyric or --lyric-file, not both', { exitCode: 2, code: 'refractor.conflict' });
    }
    const concept = flags.conceptFile !== undefined ? (await readFile(flags.conceptFile, 'utf8')).trim() : flags.concept;
    const expanded = await expandInputs(inputs);
    const files = expanded.flatMap((input) => ('file' in input ? [input.file] : []));
    for (const input of expanded) {
      if ('missing' in input) context.fail(input.missing, input.reason);
    }
    if (inputs.length === 0 && flags.candidates === undefined) command.error('error: missing inputs (files, directories or globs), or --candidates <file>', { exitCode: 2, code: 'refractor.missing' });
    if (await wantsCandidates(files, flags)) return scoreCandidateFiles(files, flags, context);
    if (files.length === 0) return;

    let refractor: Refractor;
    try {
      refractor = await loadRefractor(flags, context);
    } catch (error) {
      context.fail('models', (error as Error).message);
      return;
    }
    const painted = !flags.out && flags.format === 'table' && supportsTrueColor(process.stdout);
    const reports: SongReport[] = [];
    const tableText: string[] = [];
    const progress = files.length > 1 ? createProgress('scoring', files.length) : { update: () => undefined, stop: () => undefined };
    try {
      const conceptEmbedding = await refractor.prepareConcept(concept);
      for (const [index, file] of files.entries()) {
        await context.perInput(file, async () => {
          const song = await refractor.scoreFile(file, {
            conceptEmbedding,
            ...(flags.target !== undefined ? { target: flags.target } : {}),
            chunkSizeS: flags.chunkSize,
            chunkStrideS: flags.chunkStride,
            crop: flags.crop,
            seed: flags.seed,
          });
          const report = songReport(file, song);
          reports.push(report);
          if (flags.format === 'table') {
            const lines = tableLines(report, { rule: flags.colorRule, timeline: flags.timeline, painted });
            // Table lines stream out as songs finish; files get them at the end.
            if (flags.out) tableText.push(...lines);
            else for (const line of lines) context.out(line);
          }
        });
        progress.update(index + 1);
      }
    } finally {
      progress.stop();
      await refractor.close();
    }
    const text = flags.format === 'table' ? (tableText.length ? `${tableText.join('\n')}\n` : '') : render(reports, flags.format, flags.target !== undefined);
    if (flags.out) {
      await writeFileAtomic(flags.out, text);
      context.err(`wrote ${flags.out} (${reports.length} song${reports.length === 1 ? '' : 's'}, ${flags.format})`);
    } else if (flags.format !== 'table') {
      process.stdout.write(text);
    }
  });
}
