import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readSongLabel } from './yml-label.js';
import { DatasetError, type LabeledSong, type SkippedSong } from './types.js';

/**
 * Extensions accepted for `<id>_main.<ext>`, in order of preference when a
 * folder holds several: WAV first (what the original scored), then the other
 * lossless formats, then lossy ones, so the copy closest to the master wins.
 */
export const MAIN_AUDIO_EXTENSIONS = Object.freeze(['wav', 'wave', 'flac', 'aiff', 'aif', 'aifc', 'mp3', 'ogg', 'oga', 'opus', 'm4a']);

/**
 * The `<id>_main.<ext>` file among a folder's file names (extension in any
 * case), or undefined.
 *
 * @example
 * ```ts
 * pickMainAudio('07', ['07.yml', '07_main.mp3', '07_main.flac', '07_stems.wav']); // '07_main.flac'
 * ```
 */
export function pickMainAudio(id: string, names: readonly string[]): string | undefined {
  const prefix = `${id}_main.`;
  const byExtension = new Map<string, string>();
  for (const name of names) {
    if (name.startsWith(prefix)) byExtension.set(name.slice(prefix.length).toLowerCase(), name);
  }
  for (const extension of MAIN_AUDIO_EXTENSIONS) {
    const name = byExtension.get(extension);
    if (name !== undefined) return name;
  }
  return undefined;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Reads a dataset in the original layout: every `<root>/<id>/` folder with an
 * `<id>.yml` (or `.yaml`) is a song, its audio `<id>_main.wav` (or another
 * accepted extension). Folders with neither a label nor main audio are not
 * songs and are passed over (e.g. a `notes/` folder); a folder with main
 * audio but no label is reported, since it looks like a song someone forgot
 * to label. Songs come back sorted by id so runs are reproducible.
 *
 * @example
 * ```ts
 * const { songs, skipped } = await readFolderDataset('staged_raw_material');
 * ```
 */
export async function readFolderDataset(root: string): Promise<{ songs: LabeledSong[]; skipped: SkippedSong[] }> {
  const entries = await readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new DatasetError(`${root}: cannot list the folder (${error.code ?? error.message})`);
  });
  const songs: LabeledSong[] = [];
  const skipped: SkippedSong[] = [];
  const ids = entries
    .filter((entry) => !entry.name.startsWith('.') && (entry.isDirectory() || entry.isSymbolicLink()))
    .map((entry) => entry.name)
    .sort(byName);
  for (const id of ids) {
    const folder = join(root, id);
    // A symbolic link to a file, or a folder we may not list, is not a song folder.
    const names = await readdir(folder).catch(() => undefined);
    if (!names) continue;
    const labelName = names.includes(`${id}.yml`) ? `${id}.yml` : names.includes(`${id}.yaml`) ? `${id}.yaml` : undefined;
    const audioName = pickMainAudio(id, names);
    if (labelName === undefined) {
      if (audioName !== undefined) {
        const labelFile = join(folder, `${id}.yml`);
        skipped.push({ id, file: labelFile, reason: 'unreadable-label', message: `no label file: ${labelFile} does not exist (its audio ${audioName} does)` });
      }
      continue;
    }
    const labelFile = join(folder, labelName);
    const label = await readSongLabel(labelFile);
    if (!label.ok) {
      skipped.push({ id, file: labelFile, reason: label.reason, message: label.message });
      continue;
    }
    if (audioName === undefined) {
      const expected = join(folder, `${id}_main.wav`);
      const others = MAIN_AUDIO_EXTENSIONS.filter((extension) => extension !== 'wav').map((extension) => `.${extension}`);
      skipped.push({ id, file: expected, reason: 'missing-audio', message: `missing audio: no ${id}_main.wav (or ${others.join(' ')}) in ${folder}` });
      continue;
    }
    songs.push({ id, audio: join(folder, audioName), color: label.color, concept: label.concept, labelSource: labelFile });
  }
  return { songs, skipped };
}
