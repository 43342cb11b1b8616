import { randomBytes } from 'node:crypto';
import { constants, type Stats, lstatSync, readlinkSync, realpathSync, statSync, write as writeCallback } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { RefractorError } from '@refractor/core';

const writeToFd = promisify(writeCallback);

/**
 * A hidden temporary path beside `path`, unique to this process and call, on
 * the same file system so a rename into place is atomic.
 *
 * @example
 * ```ts
 * temporaryPathFor('/out/report.yaml'); // '/out/.report.yaml.4242.9f3ab1c2.tmp'
 * ```
 */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Where an output path leads, once `-` and symbolic links are understood:
 *
 * - `stdout`: `-`, or a name for this process's own standard output
 *   (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`, or a link to one);
 * - `regular`: a regular file, existing or not; `path` is where it really
 *   lives (links followed, so a link is kept and its target replaced);
 * - `special`: an existing file that is not a regular file (a character
 *   device such as `/dev/null`, a FIFO, a socket, another descriptor of this
 *   process such as `/dev/stderr`), written in place and never replaced.
 *   `fd` is set when it is one of this process's own open descriptors.
 */
export type OutputTarget =
  | { kind: 'stdout' }
  | { kind: 'regular'; path: string; exists: boolean }
  | { kind: 'special'; path: string; fd?: number; description: string };

/** An output path that cannot be written: a directory, a link loop, a missing folder. */
export class OutputTargetError extends RefractorError {
  override readonly name = 'OutputTargetError';
  /** The errno-style code (`EISDIR`, `ELOOP`, `ENOENT`), so callers can tell the cases apart (the door code is `output-target`). */
  declare readonly reason: string;
  constructor(
    /** The path as the caller gave it. */
    readonly path: string,
    message: string,
    reason: string,
  ) {
    super(message, { code: 'output-target', reason });
  }
}

/** At most this many links are followed (Linux's own limit is 40). */
const MAX_LINKS = 40;

/** `/proc/<pid>/fd/N` or `/proc/self/fd/N` of this process: its descriptor N. */
function ownDescriptor(path: string): number | undefined {
  let folder: string;
  try {
    folder = realpathSync(dirname(path));
  } catch {
    return undefined;
  }
  if (folder !== `/proc/${process.pid}/fd` && folder !== '/proc/self/fd') return undefined;
  const name = basename(path);
  return /^\d+$/.test(name) ? Number(name) : undefined;
}

function describeSpecial(stats: Stats): string {
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/**
 * Decides how an output path is written (see {@link OutputTarget}), without
 * writing anything. Synchronous: a few `lstat`/`readlink` calls, so a command
 * can check its flags before minutes of work.
 *
 * Links are walked one by one (not with `realpath`) because a descriptor
 * alias such as `/dev/stdout` → `/proc/self/fd/1` resolves to `pipe:[…]`,
 * `socket:[…]` or the file the shell opened, none of which may be renamed
 * over: the walk stops at the alias and writes through it instead.
 *
 * @throws {OutputTargetError} for a directory (`EISDIR`) or a link loop (`ELOOP`).
 *
 * @example
 * ```ts
 * resolveOutputTarget('-');             // { kind: 'stdout' }
 * resolveOutputTarget('/dev/null');     // { kind: 'special', path: '/dev/null', description: 'a character device' }
 * resolveOutputTarget('latest.jsonl');  // a link to runs/7.jsonl: { kind: 'regular', path: '/abs/runs/7.jsonl', exists: true }
 * ```
 */
export function resolveOutputTarget(path: string): OutputTarget {
  if (path === '-') return { kind: 'stdout' };
  let current = resolve(path);
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    const fd = ownDescriptor(current);
    if (fd === 1) return { kind: 'stdout' };
    let stats;
    try {
      stats = lstatSync(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // Missing (a new file, or a dangling link's target): created in the real folder it names.
      let folder: string;
      try {
        folder = realpathSync(dirname(current));
      } catch {
        throw new OutputTargetError(path, `cannot write ${path}: the folder ${dirname(current)} does not exist`, 'ENOENT');
      }
      return { kind: 'regular', path: join(folder, basename(current)), exists: false };
    }
    if (stats.isSymbolicLink()) {
      if (fd !== undefined) {
        // One of our own descriptors: write through it (sharing its offset), never reopen or replace it.
        return { kind: 'special', path, fd, description: `this process's descriptor ${fd}` };
      }
      current = resolve(dirname(current), readlinkSync(current));
      continue;
    }
    if (stats.isFile()) return { kind: 'regular', path: join(realpathSync(dirname(current)), basename(current)), exists: true };
    if (stats.isDirectory()) {
      throw new OutputTargetError(path, `cannot write ${path}: it is a directory; name a file (e.g. ${join(path, 'out')})`, 'EISDIR');
    }
    return { kind: 'special', path, description: describeSpecial(stats) };
  }
  throw new OutputTargetError(path, `cannot write ${path}: more than ${MAX_LINKS} symbolic links (a loop?)`, 'ELOOP');
}

/**
 * An output being written: {@link OutputFile.commit} makes it final,
 * {@link OutputFile.abort} gives up. For a regular file nothing is visible
 * until `commit` (the bytes go to a temporary file beside the real target,
 * renamed over it), and `abort` leaves the old file (or none) untouched. For
 * stdout and special files bytes go out as they are written, so `abort`
 * can only stop.
 */
export interface OutputFile {
  readonly target: OutputTarget;
  /** True when {@link OutputFile.write} accepts a `position` (a regular file). */
  readonly seekable: boolean;
  /** Writes all of `data`, at `position` when given (seekable outputs only), else after what was written. */
  write(data: string | Uint8Array, position?: number): Promise<void>;
  /** Finishes: moves a regular file into place, closes a special one (stdout stays open). */
  commit(): Promise<void>;
  /** Gives up: a temporary file is removed; stdout and special files keep what they got. Safe to call twice, or after commit. */
  abort(): Promise<void>;
}

/** Options of {@link openOutputFile}. */
export interface OpenOutputOptions {
  /** Where `-` (and `/dev/stdout`) writes: `process.stdout` by default. */
  stdout?: NodeJS.WritableStream;
}

const bytesOf = (data: string | Uint8Array): Uint8Array => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

function writeStream(stream: NodeJS.WritableStream, data: string | Uint8Array): Promise<void> {
  if (data.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    stream.write(data, (error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

async function writeAllToHandle(handle: FileHandle, bytes: Uint8Array, position?: number): Promise<void> {
  // A pipe may take less than asked (a signal, a full buffer): loop until all of it is written.
  let at = 0;
  while (at < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, at, bytes.length - at, position === undefined ? null : position + at);
    at += bytesWritten;
  }
}

function noPosition(target: OutputTarget, position: number | undefined): void {
  if (position !== undefined) throw new Error(`cannot seek in ${target.kind === 'special' ? target.path : 'stdout'}: only a regular file takes a position`);
}

/**
 * Opens an output for writing by the rules of {@link resolveOutputTarget}:
 * `-` is stdout; a regular file (or a link to one, or a dangling link's
 * target) is written to a temporary file in the target's own folder and
 * renamed over the target on commit, keeping the old file's permissions;
 * a device, FIFO or descriptor is opened and written in place.
 *
 * @example
 * ```ts
 * const out = await openOutputFile(flags.out ?? '-');
 * try {
 *   for (const record of records) await out.write(`${JSON.stringify(record)}\n`);
 *   await out.commit();
 * } catch (error) {
 *   await out.abort();
 *   throw error;
 * }
 * ```
 */
export async function openOutputFile(path: string, options: OpenOutputOptions = {}): Promise<OutputFile> {
  const target = resolveOutputTarget(path);
  if (target.kind === 'stdout') {
    const stdout = options.stdout ?? process.stdout;
    return {
      target,
      seekable: false,
      async write(data, position) {
        noPosition(target, position);
        await writeStream(stdout, data);
      },
      commit: async () => undefined,
      abort: async () => undefined,
    };
  }
  if (target.kind === 'special' && target.fd !== undefined) {
    const fd = target.fd;
    return {
      target,
      seekable: false,
      async write(data, position) {
        noPosition(target, position);
        const bytes = bytesOf(data);
        let at = 0;
        while (at < bytes.length) at += (await writeToFd(fd, bytes, at, bytes.length - at, null)).bytesWritten;
      },
      // Not ours to close.
      commit: async () => undefined,
      abort: async () => undefined,
    };
  }
  if (target.kind === 'special') {
    // No O_CREAT, no O_TRUNC: it exists, and it is not ours to recreate or empty.
    // (A FIFO's open waits for its reader, as `echo > fifo` does.)
    let handle: FileHandle | undefined = await open(target.path, constants.O_WRONLY);
    const close = async () => {
      const closing = handle;
      handle = undefined;
      await closing?.close();
    };
    return {
      target,
      seekable: false,
      async write(data, position) {
        noPosition(target, position);
        if (!handle) throw new Error(`${path}: already closed`);
        await writeAllToHandle(handle, bytesOf(data));
      },
      commit: close,
      abort: () => close().catch(() => undefined),
    };
  }

  const temporary = temporaryPathFor(target.path);
  let handle: FileHandle | undefined = await open(temporary, 'wx');
  let done = false;
  const abort = async () => {
    const closing = handle;
    handle = undefined;
    await closing?.close().catch(() => undefined);
    if (!done) await rm(temporary, { force: true });
  };
  return {
    target,
    seekable: true,
    async write(data, position) {
      if (!handle) throw new Error(`${path}: already ${done ? 'committed' : 'aborted'}`);
      await writeAllToHandle(handle, bytesOf(data), position);
    },
    async commit() {
      if (!handle) throw new Error(`${path}: already ${done ? 'committed' : 'aborted'}`);
      try {
        if (target.exists) {
          // Replacing a file keeps its permissions (a 0600 results file stays private).
          const mode = statSync(target.path, { throwIfNoEntry: false })?.mode;
          if (mode !== undefined) await handle.chmod(mode & 0o7777);
        }
        await handle.close();
        handle = undefined;
        await rename(temporary, target.path);
        done = true;
      } catch (error) {
        await abort();
        throw error;
      }
    },
    abort,
  };
}
