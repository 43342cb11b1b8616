import cliProgress from 'cli-progress';
import { showsProgress } from './progress.js';

/** One input's line in a {@link BatchProgress}. */
export interface InputProgress {
  /** Chunks scored so far. */
  chunk(done: number): void;
  /** The input is finished (its line goes away, the overall bar moves). */
  done(): void;
}

/** Progress of a run over many inputs. */
export interface BatchProgress {
  start(name: string): InputProgress;
  stop(): void;
}

const SILENT: BatchProgress = {
  start: () => ({ chunk: () => undefined, done: () => undefined }),
  stop: () => undefined,
};

/**
 * On a terminal: an overall bar (inputs done / total, ETA) over one line per
 * input in progress (its name and chunks scored); the overall bar only when
 * there is more than one input. Nothing when stderr is not a terminal or
 * under `--quiet`, so pipes and logs stay clean.
 *
 * @example
 * ```ts
 * const progress = createBatchProgress(files.length);
 * const line = progress.start('a.wav'); line.chunk(3); line.done();
 * progress.stop();
 * ```
 */
export function createBatchProgress(total: number, stream: NodeJS.WriteStream = process.stderr): BatchProgress {
  if (!showsProgress(stream)) return SILENT;
  const bars = new cliProgress.MultiBar(
    { stream, hideCursor: true, clearOnComplete: true, format: '{bar} {percentage}% | {value}/{total} inputs | ETA {eta_formatted}' },
    cliProgress.Presets.shades_classic,
  );
  const overall = total > 1 ? bars.create(total, 0) : undefined;
  let finished = 0;
  return {
    start(name) {
      const line = bars.create(0, 0, { name }, { format: '  {name} | {value} chunks scored' });
      return {
        chunk: (done) => line.update(done),
        done: () => {
          bars.remove(line);
          overall?.update(++finished);
        },
      };
    },
    stop: () => bars.stop(),
  };
}
