import cliProgress from 'cli-progress';
import type { StoreProgressEvent } from '@refractor/node';
import { formatBytes } from './models/format.js';

// Every progress display of the CLI: one bar (a count or bytes), a run over
// many inputs, and model downloads. All draw on stderr, and only when it is a
// terminal and not under --quiet, so pipes and logs stay clean and stdout only
// ever carries results.

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
 * A progress bar on stderr when stderr is a terminal, nothing otherwise.
 *
 * @example
 * ```ts
 * const bar = createProgress('extracting', songs.length);
 * bar.update(1);
 * bar.stop();
 * ```
 */
export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr, unit: ProgressUnit = 'items'): Progress {
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

/** One input's line in a {@link InputsProgress}. */
export interface InputProgress {
  /** Chunks scored so far. */
  chunk(done: number): void;
  /** The input is finished (its line goes away, the overall bar moves). */
  done(): void;
}

/** Progress of a run over many inputs. */
export interface InputsProgress {
  start(name: string): InputProgress;
  stop(): void;
}

const SILENT: InputsProgress = {
  start: () => ({ chunk: () => undefined, done: () => undefined }),
  stop: () => undefined,
};

/**
 * On a terminal: an overall bar (inputs done / total, ETA) over one line per
 * input in progress (its name and chunks scored); the overall bar only when
 * there is more than one input.
 *
 * @example
 * ```ts
 * const progress = createInputsProgress(files.length);
 * const line = progress.start('a.wav'); line.chunk(3); line.done();
 * progress.stop();
 * ```
 */
export function createInputsProgress(total: number, stream: NodeJS.WriteStream = process.stderr): InputsProgress {
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

/** Feeds the model store's progress events to a display. */
export interface DownloadProgress {
  onProgress(event: StoreProgressEvent): void;
  /** Stops any bar still drawing (after a failure), so the terminal is left clean. */
  stop(): void;
}

/**
 * Model downloads: a bar per downloading file when `stream` is a terminal;
 * otherwise, when `log` is given, one line per file as it starts (so a CI log
 * shows what a long, silent download is doing). Cached files draw nothing.
 *
 * @example
 * ```ts
 * const progress = downloadProgress((line) => console.error(line));
 * try {
 *   await resolveModelSet('tiny', manifest, { onProgress: progress.onProgress });
 * } finally {
 *   progress.stop();
 * }
 * ```
 */
export function downloadProgress(log?: (line: string) => void, stream: NodeJS.WriteStream = process.stderr): DownloadProgress {
  const bars = new Map<string, Progress>();
  return {
    onProgress(event) {
      if (event.cached) return;
      let bar = bars.get(event.file);
      if (!bar) {
        // The first event of a download carries the size of the part kept from an interrupted run.
        if (log && !stream.isTTY) log(startLine(event));
        bar = createProgress(`downloading ${event.file}`, event.total ?? 0, stream, 'bytes');
        bars.set(event.file, bar);
      }
      bar.update(event.loaded, event.total);
      if (event.done) {
        bar.stop();
        bars.delete(event.file);
      }
    },
    stop() {
      bars.forEach((bar) => bar.stop());
      bars.clear();
    },
  };
}

function startLine(event: StoreProgressEvent): string {
  const size = formatBytes(event.total);
  return event.loaded > 0
    ? `refractor: resuming ${event.file} at ${formatBytes(event.loaded)} of ${size}`
    : `refractor: downloading ${event.file} (${size})`;
}
