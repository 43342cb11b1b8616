// Reading audio files from disk (Node only): shared by node.ts and the featurizing worker, which
// decodes files itself (see songFileFeaturesInWorker).
import { open, readFile, stat } from 'node:fs/promises';
import { decodeAudio, openAudioStream, type AudioStream, type DecodedAudio } from './decode.js';
import { AudioDecodeError } from './errors.js';

/** Bytes read per step. 64 KiB measured fastest for the WASM decoders (they concatenate their output per call), and keeps memory flat. */
const READ_CHUNK_BYTES = 64 * 1024;

/**
 * Checks that `path` is a readable regular file, turning file-system errors
 * into {@link AudioDecodeError}s that name the file.
 */
async function checkFile(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new AudioDecodeError(path, 'not-a-file', info.isDirectory() ? 'is a directory' : 'is not a regular file');
    return info.size;
  } catch (error) {
    if (error instanceof AudioDecodeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((error as Error).message);
    throw new AudioDecodeError(path, 'unreadable', reason, { cause: error });
  }
}

/** Options for {@link openAudioFile}. */
export interface OpenFileOptions {
  /** Called after each read with the bytes read so far and the file size (for progress bars). */
  onBytesRead?: (bytesRead: number, totalBytes: number) => void;
}

/** Reads a file in fixed-size chunks (fresh buffers: decoders may keep references). */
async function* readChunks(path: string, totalBytes: number, options: OpenFileOptions): AsyncGenerator<Uint8Array> {
  let bytesRead = 0;
  const handle = await open(path, 'r');
  try {
    for (;;) {
      const buffer = new Uint8Array(READ_CHUNK_BYTES);
      const read = (await handle.read(buffer, 0, READ_CHUNK_BYTES, null)).bytesRead;
      if (read === 0) return;
      bytesRead += read;
      options.onBytesRead?.(bytesRead, totalBytes);
      yield read === READ_CHUNK_BYTES ? buffer : buffer.subarray(0, read);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Opens an audio file for streaming decode (Node only): memory stays bounded
 * whatever the file's length.
 *
 * @example
 * ```ts
 * const stream = await openAudioFile('song.flac');
 * for await (const block of stream) { … }
 * ```
 */
export async function openAudioFile(path: string, options: OpenFileOptions = {}): Promise<AudioStream> {
  const size = await checkFile(path);
  if (size === 0) throw new AudioDecodeError(path, 'empty', 'the file holds 0 bytes');
  return openAudioStream(readChunks(path, size, options), { name: path });
}

/**
 * Decodes a whole file into memory (Node only). Prefer {@link openAudioFile}
 * for long files.
 */
export async function decodeAudioFile(path: string): Promise<DecodedAudio> {
  const size = await checkFile(path);
  if (size === 0) throw new AudioDecodeError(path, 'empty', 'the file holds 0 bytes');
  return decodeAudio(new Uint8Array(await readFile(path)), { name: path });
}
