/**
 * A byte count as people read it: SI units (as the Hugging Face hub shows
 * sizes), one decimal below 10, `?` when unknown (the manifest gives no size
 * for files that change on the hub).
 *
 * @example
 * ```ts
 * formatBytes(541); // '541 B'
 * formatBytes(1_448_955); // '1.4 MB'
 * formatBytes(undefined); // '?'
 * ```
 */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '?';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  // 999.5 and up would print as "1000 kB": move to the next unit instead.
  while (value >= 999.5 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value < 9.95 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/**
 * Pads every column but the last to its widest cell, so rows line up in a
 * terminal without trailing spaces.
 *
 * @example
 * ```ts
 * alignColumns([['cdm', '1.4 MB', 'cached'], ['clap.config', '1.1 kB', 'cached']]);
 * // ['cdm          1.4 MB  cached', 'clap.config  1.1 kB  cached']
 * ```
 */
export function alignColumns(rows: readonly (readonly string[])[], gap = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!))).join(gap));
}
