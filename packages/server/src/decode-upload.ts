import { openAudioStream, type AudioStream } from '@refractor/audio';
import { ApiError } from './errors.js';
import { limitDuration, peekBytes, startsLikeMidi } from './upload.js';
import type { Upload } from './request-input.js';

/** How an upload is named in decoder errors: the part (for the `field` of the error body) or the given name. */
function streamName(upload: Upload): string {
  return upload.field !== undefined ? `part "${upload.field}" (${upload.name})` : upload.name;
}

/**
 * Opens an upload for streaming decode: sniffs its first bytes (MIDI is
 * refused with `415` until the base model is served), then decodes as the
 * bytes arrive, stopping at the duration limit or when `signal` aborts.
 */
export async function openUpload(upload: Upload, options: { maxSeconds: number; signal: AbortSignal }): Promise<AudioStream & { name: string }> {
  const name = streamName(upload);
  const { head, source } = await peekBytes(upload.bytes, 4);
  if (startsLikeMidi(head)) {
    throw new ApiError(
      415,
      'midi-unsupported',
      `${upload.name} is a MIDI file; scoring MIDI needs the base Refractor model (refractor.onnx), which this server does not serve yet. Send audio: WAV, AIFF, MP3, FLAC, OGG Vorbis, Opus or M4A/AAC`,
      upload.field,
    );
  }
  const stream = await openAudioStream(source, { name });
  return limitDuration(stream, { ...options, name, ...(upload.field !== undefined ? { field: upload.field } : {}) });
}
