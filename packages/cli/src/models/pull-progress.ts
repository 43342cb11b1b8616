import type { AnyModelFileRole, StoreProgressEvent } from '@refractor/node';
import { createProgress, type Progress } from '../progress.js';
import { formatBytes } from './format.js';

/** How one file of a pull ended. */
export interface PulledFile {
  role: AnyModelFileRole;
  /** `<repo>/<path>`, as the store names it. */
  file: string;
  /** True when it was already in the cache, false when this pull downloaded it. */
  cached: boolean;
  /** Bytes on disk. */
  size: number;
}

/** Feeds store progress events to the display and remembers how each file ended. */
export interface PullTracker {
  onProgress(event: StoreProgressEvent): void;
  /** The files finished so far, in the order they finished. */
  readonly finished: readonly PulledFile[];
  /** Stops any bar still drawing (after a failure), so the terminal is left clean. */
  stop(): void;
}

/**
 * Progress for `refractor models pull`: a bar per downloading file when
 * `stream` is a terminal; otherwise one line per file as it starts (so a CI
 * log shows what a long, silent download is doing). Cached files draw nothing.
 *
 * @example
 * ```ts
 * const tracker = pullTracker((line) => console.error(line));
 * try {
 *   await resolveModelSet('tiny', manifest, { onProgress: tracker.onProgress });
 * } finally {
 *   tracker.stop();
 * }
 * tracker.finished; // [{ role: 'cdm', cached: false, size: 1448955, … }, …]
 * ```
 */
export function pullTracker(log: (line: string) => void, stream: NodeJS.WriteStream = process.stderr): PullTracker {
  const bars = new Map<string, Progress>();
  const finished: PulledFile[] = [];
  return {
    onProgress(event) {
      if (event.done) finished.push({ role: event.role, file: event.file, cached: event.cached, size: event.loaded });
      if (event.cached) return;
      let bar = bars.get(event.file);
      if (!bar) {
        // The first event of a download carries the size of the part kept from an interrupted run.
        if (!stream.isTTY) log(startLine(event));
        bar = createProgress(event.file, event.total ?? 0, stream, 'bytes');
        bars.set(event.file, bar);
      }
      bar.update(event.loaded, event.total);
      if (event.done) {
        bar.stop();
        bars.delete(event.file);
      }
    },
    finished,
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
