import { RefractorError, type ColorName } from '@refractor/core';

/** One labeled song, ready to score. */
export interface LabeledSong {
  /** The song's id: its folder name, or the manifest's `id` column (default: the path without its extension). */
  id: string;
  /** The audio file, as a path usable from the current directory. */
  audio: string;
  /** The true color, canonical name. */
  color: ColorName;
  /** Concept text to embed, or null for none (zeros, as the original). */
  concept: string | null;
  /** Where the label came from, for messages: a .yml path or `songs.csv line 7`. */
  labelSource: string;
}

/** Why a song was left out of the metrics. */
export type SkipReason = 'missing-audio' | 'unreadable-label' | 'unknown-color' | 'undecodable-audio' | 'scoring-failed';

/** A song that was found but could not be scored, and why. */
export interface SkippedSong {
  id: string;
  /** The file at fault (label file, manifest, or audio). */
  file: string;
  reason: SkipReason;
  /** One line naming the file, the field or value, and what was expected. */
  message: string;
}

/** The two labeled-dataset layouts: the original's song folders, or a CSV manifest. */
export type DatasetLayout = 'folders' | 'csv';

/** A labeled dataset: songs to score and songs already known to be unusable. */
export interface Dataset {
  /** The path the user gave. */
  path: string;
  layout: DatasetLayout;
  songs: LabeledSong[];
  skipped: SkippedSong[];
}

/** The dataset as a whole is unusable (missing, wrong kind, no songs, unparseable manifest). */
export class DatasetError extends RefractorError {
  override readonly name = 'DatasetError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'dataset' });
  }
}

/** One sentence on the accepted layouts, appended to dataset errors. */
export const DATASET_LAYOUTS_HINT =
  'expected a folder of song folders (<id>/<id>.yml with rainbow_color and concept, audio <id>/<id>_main.wav) ' +
  'or a .csv manifest with the header path,color[,concept]';
