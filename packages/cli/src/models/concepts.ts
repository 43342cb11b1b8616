import type { ConceptCacheStats } from '@refractor/node';
import { alignColumns, formatBytes } from './format.js';

/**
 * The lines `refractor models concepts` prints: where the concept cache is,
 * how many concepts and bytes it holds, then one row per text model (its
 * identity, its text-encoder file, count, size).
 *
 * @example
 * ```ts
 * renderConceptCache(await conceptCacheStats(dir), false);
 * // ['concept cache: /home/me/.cache/refractor/concepts', '3 concepts, 9.5 kB, 1 text model', 'ab12cd34ef56  onnx/model.onnx …  3  9.5 kB']
 * ```
 */
export function renderConceptCache(stats: ConceptCacheStats, cleared: boolean): string[] {
  const what = `${stats.count} concept${stats.count === 1 ? '' : 's'}, ${formatBytes(stats.bytes)}, ${stats.models.length} text model${stats.models.length === 1 ? '' : 's'}`;
  const lines = [`concept cache: ${stats.location}`, cleared ? `cleared: ${what}` : what];
  if (cleared || stats.models.length === 0) return lines;
  const rows = stats.models.map((model) => {
    const file = model.description?.files.find((f) => f.role === 'text.model')?.path ?? '(no description)';
    return [model.id.slice(0, 12), model.description?.device ?? '?', `${model.count}`, formatBytes(model.bytes), file];
  });
  return [...lines, ...alignColumns([['model', 'device', 'concepts', 'size', 'text encoder'], ...rows])];
}
