import {
  RefractorError,
  resolveModelSet,
  resolveStoreOptions,
  type AnyModelFileRole,
  type ModelManifest,
  type ResolvedModelSet,
  type StoreOptions,
} from '@refractor/node';
import { downloadProgress } from '../progress.js';
import { alignColumns, formatBytes } from './format.js';
import { requireSet } from './store-flags.js';

/** How one file of a pull ended. */
export interface PulledFile {
  role: AnyModelFileRole;
  /** `<repo>/<path>`, as the store names it. */
  file: string;
  /** True when it was already in the cache, false when this pull downloaded it. */
  cached: boolean;
  /** Bytes on disk. */
  size: number;
}

/** What `refractor models pull` reports. */
export interface PullResult {
  set: ResolvedModelSet;
  /** Every file of the set, in manifest role order. */
  files: Array<PulledFile & { path: string }>;
}

/**
 * Downloads what the cache lacks of set `name` (resumable, verified: all the
 * store's work) with progress on stderr. Ctrl-C stops cleanly: the bar is
 * cleared, the cursor restored, and the partial file kept so the next pull
 * resumes; a second Ctrl-C kills at once.
 *
 * @example
 * ```ts
 * const { files } = await pullModelSet(bundledManifest(), 'tiny', { endpoint: 'http://127.0.0.1:8080' }, console.error);
 * files.filter((file) => !file.cached).length; // how many were downloaded
 * ```
 */
export async function pullModelSet(manifest: ModelManifest, name: string, options: StoreOptions, log: (line: string) => void): Promise<PullResult> {
  requireSet(manifest, name);
  const progress = downloadProgress(log);
  const finished: PulledFile[] = [];
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort(new RefractorError('interrupted'));
  process.once('SIGINT', onSigint);
  let set: ResolvedModelSet;
  try {
    const onProgress: StoreOptions['onProgress'] = (event) => {
      if (event.done) finished.push({ role: event.role, file: event.file, cached: event.cached, size: event.loaded });
      progress.onProgress(event);
    };
    set = await resolveModelSet(name, manifest, { ...options, onProgress, signal: interrupt.signal });
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    throw new RefractorError(
      `interrupted: the partial download is kept in ${resolveStoreOptions(options).cacheDir} and resumes on the next \`refractor models pull ${name}\``,
    );
  } finally {
    process.removeListener('SIGINT', onSigint);
    progress.stop();
  }
  const byRole = new Map(finished.map((file) => [file.role, file]));
  const files = Object.entries(set.files).map(([role, path]) => ({ ...byRole.get(role as PulledFile['role'])!, path }));
  return { set, files };
}

/**
 * The report: one aligned line per file for stdout (`downloaded` /
 * `already cached`, role, size, path) and a one-line summary for stderr, so
 * stdout stays exactly one line per file for scripts.
 *
 * @example
 * ```ts
 * const { lines, summary } = renderPullResult(result);
 * // lines[0]: 'downloaded  cdm  1.4 MB  /home/me/.cache/refractor/hub/refractor-test/tiny-cdm/main/refractor_cdm.onnx'
 * // summary:  'model set "tiny" is ready: 8 files, 8 downloaded, 0 already cached, 4.8 MB in all'
 * ```
 */
export function renderPullResult(name: string, result: PullResult): { lines: string[]; summary: string } {
  const lines = alignColumns(result.files.map((file) => [file.cached ? 'already cached' : 'downloaded', file.role, formatBytes(file.size), file.path]));
  const downloaded = result.files.filter((file) => !file.cached).length;
  const total = result.files.reduce((sum, file) => sum + file.size, 0);
  const summary =
    `model set "${name}" is ready: ${result.files.length} files, ${downloaded} downloaded, ` +
    `${result.files.length - downloaded} already cached, ${formatBytes(total)} in all`;
  return { lines, summary };
}
