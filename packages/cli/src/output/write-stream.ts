/** Whether an error means the reader of a pipe went away (`refractor … | head`). */
export function isBrokenPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/**
 * Writes `text` and resolves once the stream has taken it (so a record is
 * flushed as soon as it is ready, and a slow reader holds the run back
 * instead of filling memory).
 */
export function writeText(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (text === '') return Promise.resolve();
  return new Promise((resolve, reject) => {
    stream.write(text, (error?: Error | null) => (error ? reject(error) : resolve()));
  });
}
