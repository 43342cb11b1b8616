import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { stringify as stringifyYaml } from 'yaml';
import { AXES, COLOR_NAMES, MODE_ORDERS, type CandidateReport } from '@refractor/node';
import { swatch } from './table.js';

// The JSON record lives in @refractor/core so the server answers with the same schema.
export { candidateReport, type CandidateReport, type CandidateSettings } from '@refractor/node';

/** CSV columns: the song CSV's where they apply (`temporal.past`, …), `rank` with --rank. */
export function candidateCsvColumns(ranked: boolean): string[] {
  return [
    'file',
    'model',
    ...(ranked ? ['rank'] : []),
    'confidence',
    ...AXES.flatMap((axis) => MODE_ORDERS[axis].map((mode) => `${axis}.${mode}`)),
    'predicted_color',
    ...COLOR_NAMES.map((color) => `color_probs.${color}`),
    'settings.models',
    'settings.base_model',
    'settings.crop',
    'settings.seed',
    'settings.targets',
  ];
}

/** The peak mode of an axis distribution. */
function peak(distribution: Record<string, number>): string {
  return Object.entries(distribution).reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
}

/** One table line: rank, model, confidence, each axis's peak mode with its probability, the file. */
export function candidateTableLine(report: CandidateReport, painted: boolean): string {
  const rank = report.rank !== undefined ? `#${String(report.rank).padEnd(3)} ` : '';
  const axes = AXES.map((axis) => {
    const mode = peak(report[axis]);
    return `${mode} ${(report[axis][mode]! * 100).toFixed(0).padStart(3)}%`;
  }).join('  ');
  const color = report.predicted_color ? `${swatch(report.predicted_color, painted)} ${report.predicted_color.padEnd(7)}` : ''.padEnd(painted ? 10 : 11);
  return `${rank}${report.model.padEnd(4)} ${(report.confidence * 100).toFixed(1).padStart(5)}%  ${color} ${axes}  ${report.file}`;
}

/** All reports in a machine-readable format. */
export function renderCandidates(reports: CandidateReport[], format: 'json' | 'yaml' | 'csv', ranked: boolean): string {
  if (format === 'json') return `${JSON.stringify(reports, null, 2)}\n`;
  if (format === 'yaml') return stringifyYaml(reports);
  const columns = candidateCsvColumns(ranked);
  const value = (report: CandidateReport, column: string) => {
    const found = column.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], report);
    return found === undefined || found === null ? '' : (found as string | number);
  };
  return stringifyCsv([columns, ...reports.map((report) => columns.map((column) => value(report, column)))]);
}
