import { COLORS, COLOR_NAMES, type ColorName } from '@refractor/node';
import type { SongReport } from './report.js';

/** Whether to paint true-color swatches: a terminal, NO_COLOR unset, FORCE_COLOR respected. */
export function supportsTrueColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0';
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

const HEX = new Map(COLORS.map((c) => [c.name, c.hex]));
const LETTER = new Map(COLORS.map((c) => [c.name, c.letter]));

/** A two-cell block in the color, or its letter in brackets without color. */
export function swatch(color: ColorName, painted: boolean, width = 2): string {
  if (!painted) return width === 1 ? LETTER.get(color)! : `[${LETTER.get(color)}]`;
  const hex = HEX.get(color)!;
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `\x1b[48;2;${r};${g};${b}m${' '.repeat(width)}\x1b[0m`;
}

/**
 * The table line for a song: swatch, predicted color (by the record's color rule),
 * confidence, the top three colors with probabilities, drift when a target was
 * given; with a timeline, a strip of per-chunk colors below it.
 */
export function tableLines(report: SongReport, options: { timeline: boolean; painted: boolean }): string[] {
  const color = report.predicted_color as ColorName;
  const top = [...COLOR_NAMES]
    .sort((a, b) => report.color_probs[b]! - report.color_probs[a]!)
    .slice(0, 3)
    .map((c) => `${c} ${(report.color_probs[c]! * 100).toFixed(1)}%`)
    .join(', ');
  const target =
    report.target_color !== undefined
      ? `  match ${report.chromatic_match!.toFixed(3)} vs ${report.target_color}, drift ${report.drift!.overall_drift.toFixed(4)}`
      : '';
  const lines = [
    `${swatch(color, options.painted)} ${color.padEnd(7)} ${(report.confidence * 100).toFixed(1).padStart(5)}%  top: ${top}${target}  ${report.file}`,
  ];
  if (options.timeline) {
    const strip = report.chunks.map((c) => swatch(c.predicted_color as ColorName, options.painted, 1)).join('');
    const end = report.chunks.at(-1)?.end_s ?? 0;
    lines.push(`   timeline (${report.chunk_count} chunk${report.chunk_count === 1 ? '' : 's'}, 0–${end.toFixed(end < 10 ? 1 : 0)} s): ${strip}`);
  }
  return lines;
}
