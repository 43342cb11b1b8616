import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

/** File extensions picked up when a directory is given: audio, and MIDI for the base model (recognised by content once read). */
export const AUDIO_EXTENSIONS = ['wav', 'wave', 'aif', 'aiff', 'aifc', 'mp3', 'flac', 'ogg', 'oga', 'opus', 'm4a', 'aac', 'mid', 'midi'];

/** One command-line input after expansion: a file to score (`-`: standard input), or why it gave nothing (`code` as in output records). */
export type ExpandedInput = { file: string } | { missing: string; reason: string; code: 'not-found' | 'no-match' | 'no-audio-files' };

/**
 * Expands files, directories (audio files inside, recursively, sorted) and
 * glob patterns into files, in the order given (`-`, standard input, is kept as is). An argument that matches
 * nothing is kept as a failure so it is reported, not silently dropped.
 *
 * @example
 * ```ts
 * await expandInputs(['song.wav', 'albums/', 'demos/*.mp3']);
 * ```
 */
export async function expandInputs(args: readonly string[]): Promise<ExpandedInput[]> {
  const expanded: ExpandedInput[] = [];
  for (const arg of args) {
    if (arg === '-') {
      expanded.push({ file: arg });
      continue;
    }
    const info = await stat(arg).catch(() => undefined);
    if (info?.isDirectory()) {
      const files = await glob(`**/*.{${AUDIO_EXTENSIONS.join(',')}}`, { cwd: arg, absolute: false, caseSensitiveMatch: false });
      if (files.length === 0) expanded.push({ missing: arg, reason: 'directory holds no audio files', code: 'no-audio-files' });
      for (const file of files.sort()) expanded.push({ file: `${arg.replace(/\/+$/, '')}/${file}` });
    } else if (info) {
      expanded.push({ file: arg });
    } else if (isDynamicPattern(arg)) {
      // Matches come back in the pattern's form: absolute for an absolute pattern, else relative to the current directory.
      const files = (await glob(arg, { onlyFiles: true, absolute: isAbsolute(arg) })).sort();
      if (files.length === 0) expanded.push({ missing: arg, reason: 'no file matches this pattern', code: 'no-match' });
      for (const file of files) expanded.push({ file });
    } else {
      expanded.push({ missing: arg, reason: 'unreadable: no such file', code: 'not-found' });
    }
  }
  return expanded;
}
