import { COLOR_NAMES, MODE_ORDERS, AXES, type ScoredSong } from '@refractor/node';

/** A scored song as the JSON/YAML output shows it: the documented keys, in order. */
export interface SongReport {
  file: string;
  predicted_color: string;
  predicted_color_by_probs: string;
  confidence: number;
  temporal: Record<string, number>;
  spatial: Record<string, number>;
  ontological: Record<string, number>;
  color_probs: Record<string, number>;
  chunk_count: number;
  chunks: Array<{ start_s: number; end_s: number; predicted_color: string; confidence: number; color_probs: Record<string, number> }>;
  target_color?: string;
  chromatic_match?: number;
  drift?: { temporal_delta: number; spatial_delta: number; ontological_delta: number; overall_drift: number };
  settings: ScoredSong['settings'];
}

/** Shapes a result for output (drops the per-chunk target rows, which follow from the color). */
export function songReport(file: string, song: ScoredSong): SongReport {
  return {
    file,
    predicted_color: song.predicted_color,
    predicted_color_by_probs: song.predicted_color_by_probs,
    confidence: song.confidence,
    temporal: song.temporal,
    spatial: song.spatial,
    ontological: song.ontological,
    color_probs: song.color_probs,
    chunk_count: song.chunk_count,
    chunks: song.chunks.map((c) => ({ start_s: c.start_s, end_s: c.end_s, predicted_color: c.predicted_color, confidence: c.confidence, color_probs: c.color_probs })),
    ...(song.target_color !== undefined
      ? { target_color: song.target_color, chromatic_match: song.chromatic_match!, drift: song.drift! }
      : {}),
    settings: song.settings,
  };
}

/** The CSV columns: song-level fields flattened (`temporal.past`, `color_probs.Red`, `drift.overall_drift`, …). */
export function csvColumns(withTarget: boolean): string[] {
  return [
    'file',
    'predicted_color',
    'predicted_color_by_probs',
    'confidence',
    ...AXES.flatMap((axis) => MODE_ORDERS[axis].map((mode) => `${axis}.${mode}`)),
    ...COLOR_NAMES.map((color) => `color_probs.${color}`),
    'chunk_count',
    ...(withTarget ? ['target_color', 'chromatic_match', 'drift.temporal_delta', 'drift.spatial_delta', 'drift.ontological_delta', 'drift.overall_drift'] : []),
    'settings.models',
    'settings.crop',
    'settings.seed',
  ];
}

/** One CSV row for `columns`. */
export function csvRow(report: SongReport, columns: readonly string[]): (string | number)[] {
  return columns.map((column) => {
    const value = column.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], report);
    return value === undefined ? '' : (value as string | number);
  });
}
