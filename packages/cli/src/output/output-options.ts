import { extname } from 'node:path';
import { describeTarget, resolveOutputTarget } from '../atomic.js';
import type { OutputFormat } from './formats.js';

const EXTENSIONS: Record<string, OutputFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.csv': 'csv',
};

/**
 * The output format a file name implies, if any.
 *
 * @example
 * ```ts
 * formatFromPath('results.jsonl'); // 'jsonl'
 * formatFromPath('results.txt');   // undefined
 * ```
 */
export function formatFromPath(path: string): OutputFormat | undefined {
  return EXTENSIONS[extname(path).toLowerCase()];
}

/**
 * Why `--out` cannot be written (a directory, a missing folder, a link loop),
 * or undefined when it can; checked before the work, not after it.
 */
export function outUsageError(out: string | undefined): string | undefined {
  if (out === undefined) return undefined;
  try {
    resolveOutputTarget(out);
    return undefined;
  } catch (error) {
    return `--out: ${(error as Error).message}`;
  }
}

/** True when `--out` names this process's stdout (`-`, `/dev/stdout`, …), so other text must go to stderr. */
export function outIsStdout(out: string | undefined): boolean {
  if (out === undefined) return false;
  try {
    return resolveOutputTarget(out).kind === 'stdout';
  } catch {
    return false;
  }
}

/** Why `--resume` cannot be used with these flags, or undefined when it can. */
export function resumeUsageError(flags: { resume: boolean; out?: string; format: string }): string | undefined {
  if (!flags.resume) return undefined;
  if (flags.out === undefined) return '--resume needs --out <file.jsonl>: the file it resumes';
  if (flags.format !== 'jsonl') return `--resume needs JSON Lines output (--format jsonl, or an --out name ending .jsonl), not ${flags.format}`;
  let target;
  try {
    target = resolveOutputTarget(flags.out);
  } catch (error) {
    return `--out: ${(error as Error).message}`;
  }
  // Resuming reads the file back and appends to it: stdout, a device or a FIFO cannot be read back.
  if (target.kind !== 'regular') return `--resume needs --out to be a file it can read back and append to, not ${describeTarget(flags.out, target)}`;
  return undefined;
}

/** The "Output" section of a per-input command's --help. */
export function outputHelp(command: string): string {
  return [
    '',
    'Output:',
    ...(command === 'score'
      ? [
          '  table, csv and jsonl stream: each input is written (and flushed) as soon as it is done,',
          '  in input order (with --jobs n, at most n-1 finished inputs wait for an earlier one).',
          '  json and yaml are one document, written at the end. MIDI candidates are scored as one batch,',
          '  so their records come when it is done (by rank with --rank; --resume works without --rank).',
          '  jsonl: one JSON object per line, per input: the result, or {"file", "error": {"code", "message"}}',
        ]
      : [
          '  jsonl: one JSON object per line, per song, written (and flushed) as each song is done, in',
          '  dataset order (songs the dataset itself rejects first): its outcome, or {"file", "id",',
          '  "error": {"code", "message"}, "skip_reason"};',
          '  the validation table still goes to stdout (to stderr when the records go to stdout).',
        ]),
    '  with code one of not-found, no-match, no-audio-files, unreadable, decode, midi, invalid-value, failed;',
    '  every jsonl line also carries "input" {size, sha256} and "settings_digest", the keys --resume compares.',
    ...(command === 'score' ? ['  csv has the same record per row, with error.code and error.message as its last columns.'] : []),
    '  Failed inputs are also reported on stderr, and make the exit status 1.',
    '',
    'Files and --resume:',
    '  --out - is stdout. --out <file> writes a temporary file beside it (beside the target of a',
    '  link: the link is kept) and renames it into place at the end: never half a file. A device,',
    '  FIFO or /dev/stdout is written in place, never replaced. A directory is an error.',
    '  --out x.jsonl --resume (a file, or a link to one; not - or a device) appends in place instead: each line with one write and an fdatasync,',
    '  so a crash or kill loses at most the inputs in flight. Rerun the same command to go on: inputs',
    '  already there with the same path, size, SHA-256 and settings are skipped (errors included; a',
    '  fixed file has a new hash and is scored again); a torn last line is cut off, never duplicated.',
    '',
    'Examples:',
    ...(command === 'score'
      ? [
          '  refractor score songs/ --format jsonl | jq -c "{file, predicted_color}"',
          '  refractor score songs/ --out results.jsonl --resume',
          '  cat song.ogg | refractor score - --format json',
          '  echo "a song about leaving" | refractor score song.wav --concept-file -',
        ]
      : [
          `  refractor ${command} songs.csv --format jsonl | jq -c "{id, true_color, predicted_by_targets}"`,
          `  refractor ${command} songs.csv --out per-song.jsonl --resume`,
        ]),
  ].join('\n');
}
