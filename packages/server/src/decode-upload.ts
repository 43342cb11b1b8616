import { isMidi, openAudioStream, type AudioStream } from '@refractor/audio';
import { ApiError } from './errors.js';
import { limitDuration, peekBytes } from './upload.js';
import type { Upload } from './request-input.js';

/** How an upload is named in decoder errors: the part (for the `field` of the error body) or the given name. */
function streamName(upload: Upload): string {
  return upload.field !== undefined ? `part "${upload.field}" (${upload.name})` : upload.name;
}

/** An upload after its first bytes were looked at: MIDI (`MThd`) or, presumably, audio. */
export interface SniffedUpload extends Upload {
  midi: boolean;
}

/** Looks at an upload's first bytes (by content, never by name or Content-Type). */
export async function sniffUpload(upload: Upload): Promise<SniffedUpload> {
  const { head, source } = await peekBytes(upload.bytes, 4);
  return { ...upload, bytes: source, midi: isMidi(head) };
}

/**
 * Opens an upload for streaming decode as the bytes arrive, stopping at the
 * duration limit or when `signal` aborts. MIDI is refused with `415` (the
 * route that can score it handles it before calling this).
 */
export async function openAudioUpload(upload: SniffedUpload, options: { maxSeconds: number; signal: AbortSignal; midiHint: string }): Promise<AudioStream & { name: string }> {
  if (upload.midi) throw new ApiError('midi-unsupported', `${upload.name} is a MIDI file; ${options.midiHint}`, upload.field);
  const name = streamName(upload);
  const stream = await openAudioStream(upload.bytes, { name });
  return limitDuration(stream, { maxSeconds: options.maxSeconds, signal: options.signal, name, ...(upload.field !== undefined ? { field: upload.field } : {}) });
}

/**
 * Checks an audio candidate held in memory without keeping its samples:
 * decodes it as a stream and throws if it is unreadable or longer than the
 * limit (the candidate path then decodes it whole, so the limit bounds that).
 */
export async function checkAudioBytes(upload: Upload, bytes: Uint8Array, options: { maxSeconds: number; signal: AbortSignal }): Promise<void> {
  const name = streamName(upload);
  const stream = limitDuration(await openAudioStream([bytes], { name }), { ...options, name, ...(upload.field !== undefined ? { field: upload.field } : {}) });
  for await (const _ of stream);
}

/** Reads an upload to its end (the body limit still applies while reading). */
export async function readAll(upload: Upload): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of upload.bytes) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}
