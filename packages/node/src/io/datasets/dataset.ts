import { stat } from 'node:fs/promises';
import { readCsvDataset } from './csv-dataset.js';
import { readFolderDataset } from './folder-dataset.js';
import { DATASET_LAYOUTS_HINT, DatasetError, type Dataset } from './types.js';

/**
 * Opens a labeled dataset: a folder in the original layout, or a CSV
 * manifest. Per-song problems (bad label, missing audio) come back in
 * `skipped`; a dataset that cannot be read at all, or holds no songs, throws
 * a {@link DatasetError} naming the path and what was expected.
 *
 * @example
 * ```ts
 * const data = await openDataset('staged_raw_material');
 * console.log(data.songs.length, 'songs;', data.skipped.length, 'unusable');
 * ```
 */
export async function openDataset(path: string): Promise<Dataset> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'ENOENT' ? 'no such file or directory' : `unreadable (${error.code ?? error.message})`;
    throw new DatasetError(`${path}: ${why}; ${DATASET_LAYOUTS_HINT}`);
  });
  let dataset: Dataset;
  if (info.isDirectory()) {
    dataset = { path, layout: 'folders', ...(await readFolderDataset(path)) };
  } else if (/\.csv$/i.test(path)) {
    dataset = { path, layout: 'csv', ...(await readCsvDataset(path)) };
  } else {
    throw new DatasetError(`${path}: not a folder or a .csv file; ${DATASET_LAYOUTS_HINT}`);
  }
  if (dataset.songs.length === 0 && dataset.skipped.length === 0) {
    throw new DatasetError(`${path}: holds no songs; ${DATASET_LAYOUTS_HINT}`);
  }
  return dataset;
}
