import { openResultSink, type OutputFormat, type OutputRecord, type ResultSink } from '@refractor/node/io';
import { supportsTrueColor } from '../score/table.js';

/**
 * The sink of a per-input command from its flags: stdout or `--out`,
 * `--resume`, and table lines painted when they go to a color terminal.
 *
 * @example
 * ```ts
 * const sink = await openCommandSink(flags, (record, painted) => tableLines(record, { painted }), csvColumns(false));
 * ```
 */
export function openCommandSink(
  flags: { format: OutputFormat; out?: string; resume: boolean },
  tableLines: (record: OutputRecord, painted: boolean) => string[],
  csvColumns: readonly string[],
): Promise<ResultSink> {
  const painted = flags.out === undefined && flags.format === 'table' && supportsTrueColor(process.stdout);
  return openResultSink({
    format: flags.format,
    ...(flags.out !== undefined ? { out: flags.out } : {}),
    resume: flags.resume,
    stdout: process.stdout,
    tableLines: (record) => tableLines(record, painted),
    csvColumns,
  });
}
