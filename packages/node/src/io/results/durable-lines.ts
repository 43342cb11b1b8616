import { open, type FileHandle } from 'node:fs/promises';

/** What {@link openDurableLines} found in an existing file. */
export interface ExistingLines {
  /** Every complete line (without its newline), in file order. */
  lines: string[];
  /** Bytes of an unfinished last line that were cut off (0 when the file ended cleanly). */
  truncatedBytes: number;
}

/** An append-only file of lines where each line is on disk whole or not at all. */
export interface DurableLines {
  /** The lines that were already there when the file was opened. */
  readonly existing: ExistingLines;
  /** Appends one line (a newline is added) and waits until it is on disk. */
  append(line: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens `path` for durable appends, creating it when missing. A last line
 * without its newline (the process was killed, or the machine lost power,
 * in the middle of a write) is cut off before anything is appended, so it is
 * never completed by accident nor read twice.
 *
 * Each {@link DurableLines.append} is one `write(2)` of the whole line in
 * append mode followed by `fdatasync(2)`. Why sync every line: a line stands
 * for a whole song (seconds to minutes of scoring), and a sync costs
 * milliseconds, so it is cheap insurance; a SIGKILL alone loses nothing that
 * was written (the page cache survives the process), the sync is for power
 * loss and OS crashes.
 *
 * @example
 * ```ts
 * const file = await openDurableLines('results.jsonl');
 * for (const line of file.existing.lines) done.add(JSON.parse(line).file);
 * await file.append(JSON.stringify(record));
 * await file.close();
 * ```
 */
export async function openDurableLines(path: string): Promise<DurableLines> {
  const handle = await open(path, 'a+');
  try {
    const existing = await readAndRepair(handle);
    return {
      existing,
      async append(line) {
        const bytes = Buffer.from(`${line}\n`, 'utf8');
        let at = 0;
        // One write normally takes it all; loop for the rare short write (then the line is torn only until the loop ends).
        while (at < bytes.length) at += (await handle.write(bytes, at, bytes.length - at)).bytesWritten;
        await handle.datasync();
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function readAndRepair(handle: FileHandle): Promise<ExistingLines> {
  const content = await handle.readFile();
  const lastNewline = content.lastIndexOf(0x0a);
  const complete = lastNewline + 1;
  const truncatedBytes = content.length - complete;
  if (truncatedBytes > 0) {
    await handle.truncate(complete);
    await handle.datasync();
  }
  const text = content.subarray(0, complete).toString('utf8');
  return { lines: text.split('\n').slice(0, -1).filter((line) => line.trim() !== ''), truncatedBytes };
}
