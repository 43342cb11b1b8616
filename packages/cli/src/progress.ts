import cliProgress from 'cli-progress';

/** A progress display; a no-op where nobody is watching. */
export interface Progress {
  update(value: number, total?: number): void;
  stop(): void;
}

/** Process-wide switch: `--quiet` turns every bar off. */
export const progressSettings = { enabled: true };

/** Whether to draw bars on `stream`: a terminal, and not `--quiet`. */
export function showsProgress(stream: NodeJS.WriteStream): boolean {
  return progressSettings.enabled && Boolean(stream.isTTY);
}

/** What a bar counts: plain items, or bytes (shown in MB). */
export type ProgressUnit = 'items' | 'bytes';

/**
 * A progress bar on stderr when stderr is a terminal, nothing otherwise (so
 * logs and pipes stay clean and stdout only ever carries results).
 */
export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
  unit: ProgressUnit = 'items',
): Progress {
  if (!showsProgress(stream)) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} {bar} {percentage}% | {value}/{total}${unit === 'bytes' ? ' MB' : ''} | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      ...(unit === 'bytes'
        ? { formatValue: (value: number, _options: unknown, type: string) => (type === 'value' || type === 'total' ? (value / 1e6).toFixed(1) : String(value)) }
        : {}),
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (value, newTotal) => {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(value);
    },
    stop: () => bar.stop(),
  };
}
