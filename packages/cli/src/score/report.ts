import { COLOR_NAMES, MODE_ORDERS, AXES, type SongReport } from '@refractor/node';

// The JSON record lives in @refractor/core so the server answers with the same schema.
export { songReport, type SongReport } from '@refractor/node';

/** The CSV columns: song-level fields flattened (`temporal.past`, `color_probs.Red`, `drift.overall_drift`, …). */
export function csvColumns(withTarget: boolean): string[] {
  return [
    'file',
    'predicted_color',
    'predicted_color_by_vote',
    'predicted_color_by_probs',
    'predicted_color_by_targets',
    'confidence',
    ...AXES.flatMap((axis) => MODE_ORDERS[axis].map((mode) => `${axis}.${mode}`)),
    ...COLOR_NAMES.map((color) => `color_probs.${color}`),
    'chunk_count',
    ...(withTarget ? ['target_color', 'chromatic_match', 'drift.temporal_delta', 'drift.spatial_delta', 'drift.ontological_delta', 'drift.overall_drift'] : []),
    'settings.models',
    'settings.crop',
    'settings.seed',
    'settings.targets',
    'settings.color_rule',
  ];
}

/** One CSV row for `columns`. */
export function csvRow(report: SongReport, columns: readonly string[]): (string | number)[] {
  return columns.map((column) => {
    const value = column.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], report);
    return value === undefined ? '' : (value as string | number);
  });
}
