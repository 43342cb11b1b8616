import { isBrokenPipe } from './output/write-stream.js';

/**
 * `refractor … | head -1`: when the reader of stdout (or stderr) goes away,
 * end at once with status 0 and no message, as Unix tools do; the run has
 * no one left to tell. Any other stream error is a real problem and is
 * rethrown.
 */
export function exitQuietlyOnBrokenPipe(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error) => {
      if (isBrokenPipe(error)) process.exit(0);
      throw error;
    });
  }
}
