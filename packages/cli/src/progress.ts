import cliProgress from 'cli-progress';

/** A progress display; a no-op where nobody is watching. */
export interface Progress {
  update(value: number, total?: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr when stderr is a terminal, nothing otherwise (so
 * logs and pipes stay clean and stdout only ever carries results).
 */
export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} {bar} {percentage}% | {value}/{total} {unit} | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { unit: '' });
  return {
    update: (value, newTotal) => {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(value);
    },
    stop: () => bar.stop(),
  };
}
