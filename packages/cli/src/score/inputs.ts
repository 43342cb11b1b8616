import { stat } from 'node:fs/promises';
import { glob, isDynamicPattern } from 'tinyglobby';

/** File extensions picked up when a directory is given: audio, and MIDI for the base model (recognised by content once read). */
export const AUDIO_EXTENSIONS = ['wav', 'wave', 'aif', 'aiff', 'aifc', 'mp3', 'flac', 'ogg', 'oga', 'opus', 'm4a', 'aac', 'mid', 'midi'];

/** One command-line input after expansion: a file to score, or why it gave nothing. */
export type ExpandedInput = { file: string } | { missing: string; reason: string };

/**
 * Expands files, directories (audio files inside, recursively, sorted) and
 * glob patterns into files, in the order given. An argument that matches
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
    const info = await stat(arg).catch(() => undefined);
    if (info?.isDirectory()) {
      const files = await glob(`**/*.{${AUDIO_EXTENSIONS.join(',')}}`, { cwd: arg, absolute: false, caseSensitiveMatch: false });
      if (files.length === 0) expanded.push({ missing: arg, reason: 'directory holds no audio files' });
      for (const file of files.sort()) expanded.push({ file: `${arg.replace(/\/+$/, '')}/${file}` });
    } else if (info) {
      expanded.push({ file: arg });
    } else if (isDynamicPattern(arg)) {
      const files = (await glob(arg, { onlyFiles: true })).sort();
      if (files.length === 0) expanded.push({ missing: arg, reason: 'no file matches this pattern' });
      for (const file of files) expanded.push({ file });
    } else {
      expanded.push({ missing: arg, reason: 'unreadable: no such file' });
    }
  }
  return expanded;
}
