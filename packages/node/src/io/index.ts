/**
 * @refractor/node/io — reading what a scoring run works on, without loading
 * the model runtime: command-line style inputs (files, folders, globs, `-`),
 * standard input, candidates files (CSV or JSON Lines), labeled datasets
 * (the original's song folders with YAML labels, or a CSV manifest), and the
 * streamed SHA-256 of a file.
 *
 * Importing this entry loads no onnxruntime-node: a program that only lists or
 * checks inputs stays light.
 *
 * @example
 * ```ts
 * import { expandInputs, openDataset } from '@refractor/node/io';
 *
 * for (const input of await expandInputs(['albums/', 'demos/*.mp3'])) {
 *   console.log('file' in input ? input.file : `${input.missing}: ${input.reason}`);
 * }
 * const { songs, skipped } = await openDataset('songs.csv');
 * ```
 *
 * @packageDocumentation
 */
export { AUDIO_EXTENSIONS, expandInputs, type ExpandedInput } from './inputs.js';
export { STDIN, STDIN_IS_TERMINAL, readStdin } from './stdin.js';
export { CANDIDATE_COLUMNS, CandidatesFileError, candidatesFromFiles, fileIsMidi, readCandidatesFile } from './candidates-file.js';
export { sha256OfFile } from '../store/file-check.js';
export { settingsDigest, songSettingsDigest, type SongDigestInput } from './settings-digest.js';
export { openDataset } from './datasets/dataset.js';
export { MAIN_AUDIO_EXTENSIONS, pickMainAudio, readFolderDataset } from './datasets/folder-dataset.js';
export { MANIFEST_COLUMNS, readCsvDataset } from './datasets/csv-dataset.js';
export { readSongLabel, type SongLabel } from './datasets/yml-label.js';
export { COLOR_LABEL_HINT, UnknownColorLabelError, parseColorLabel } from './datasets/labels.js';
export {
  DATASET_LAYOUTS_HINT,
  DatasetError,
  type Dataset,
  type DatasetLayout,
  type LabeledSong,
  type SkipReason,
  type SkippedSong,
} from './datasets/types.js';
