import type { ConceptCacheStats, ExternalWeightsStats } from '@refractor/node';
import { alignColumns, formatBytes } from './format.js';

/**
 * The lines `refractor models concepts` prints: where the concept cache is,
 * how many concepts and bytes it holds, the text-encoder copies with
 * external weights, then one row per text model (its identity, device,
 * count, size, text-encoder file).
 *
 * @example
 * ```ts
 * renderConceptCache(await conceptCacheStats(dir), await externalWeightsStats(copies), { concepts: false, copies: false });
 * // ['concept cache: /home/me/.cache/refractor/concepts', '3 concepts, 9.5 kB, 1 text model', '1 text-encoder copy …', 'model  device …', 'ab12cd34ef56  cpu  3  9.5 kB  …/onnx/model.onnx']
 * ```
 */
export function renderConceptCache(stats: ConceptCacheStats, copies: ExternalWeightsStats, cleared: { concepts: boolean; copies: boolean }): string[] {
  const what = `${stats.count} concept${stats.count === 1 ? '' : 's'}, ${formatBytes(stats.bytes)}, ${stats.models.length} text model${stats.models.length === 1 ? '' : 's'}`;
  const copied = `${copies.count} text-encoder cop${copies.count === 1 ? 'y' : 'ies'} with external weights, ${formatBytes(copies.bytes)} (${copies.location})`;
  const lines = [`concept cache: ${stats.location}`, cleared.concepts ? `cleared: ${what}` : what, cleared.copies ? `cleared: ${copied}` : copied];
  if (cleared.concepts || stats.models.length === 0) return lines;
  const rows = stats.models.map((model) => {
    const file = model.description?.files.find((f) => f.role === 'text.model')?.path ?? '(no description)';
    return [model.id.slice(0, 12), model.description?.device ?? '?', `${model.count}`, formatBytes(model.bytes), file];
  });
  return [...lines, ...alignColumns([['model', 'device', 'concepts', 'size', 'text encoder'], ...rows])];
}
