import { renderConfusionMatrix, renderValidationTable } from '@refractor/core';
import type { ColorRule, ValidationReport } from './report.js';

const LAYOUT_NAMES = { folders: 'song folders', csv: 'CSV manifest' } as const;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The report as the text `refractor validate` prints on stdout: what was
 * run, then for each color rule asked for the card's table and a confusion matrix,
 * then every skipped song on its own line.
 *
 * @example
 * ```ts
 * for (const line of renderValidationText(report)) console.log(line);
 * // Validated 9 of 12 songs from staged (song folders)
 * // …
 * // Color by targets: the card's rule: …
 * // Color    Correct  Total  Accuracy
 * // Red            2      3     66.7%
 * ```
 */
export function renderValidationText(report: ValidationReport): string[] {
  const { dataset, settings } = report;
  const lines = [
    `Validated ${dataset.songs_scored} of ${plural(dataset.songs_found, 'song')} from ${dataset.path} (${LAYOUT_NAMES[dataset.layout]})`,
    `Models "${settings.models}"${settings.test_only ? ' (a test set: its predictions mean nothing)' : ''} on ${settings.device}; ` +
      `${settings.chunk_size_s} s windows every ${settings.chunk_stride_s} s, crop ${settings.crop}${settings.crop === 'random' ? ` (seed ${settings.seed})` : ''}, ` +
      'confidence-weighted aggregation',
  ];
  if (dataset.songs_scored === 0) {
    lines.push('', 'No song could be scored.');
  } else {
    for (const [rule, text] of Object.entries(report.rules) as [ColorRule, string][]) {
      const metrics = report.metrics[rule]!;
      lines.push(
        '',
        `Color by ${rule}: ${text}`,
        renderValidationTable(metrics),
        '',
        `Confusion matrix, color by ${rule} (rows: true color, columns: predicted)`,
        renderConfusionMatrix(metrics),
      );
    }
  }
  lines.push('');
  if (report.skipped.length === 0) {
    lines.push('Skipped: none');
  } else {
    lines.push(`Skipped ${plural(report.skipped.length, 'song')}:`);
    for (const skip of report.skipped) lines.push(`  ${skip.id}: ${skip.message}`);
  }
  return lines;
}
