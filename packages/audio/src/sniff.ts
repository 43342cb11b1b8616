import audioType from 'audio-type';

/** Containers/codecs we decode. */
export type AudioFormat = 'wav' | 'aiff' | 'mp3' | 'flac' | 'ogg-vorbis' | 'opus' | 'm4a' | 'aac';

/** Bytes {@link sniffFormat} needs to decide (ID3v2-tagged MP3s are recognised from their tag header). */
export const SNIFF_BYTES = 64;

const FROM_AUDIO_TYPE: Record<string, AudioFormat> = {
  wav: 'wav',
  aiff: 'aiff',
  mp3: 'mp3',
  flac: 'flac',
  oga: 'ogg-vorbis',
  opus: 'opus',
  m4a: 'm4a',
  aac: 'aac',
};

/**
 * Identifies an audio format from a file's first bytes (magic numbers, not the
 * file name). Returns the detected name as a second value for formats we
 * recognise but do not decode (e.g. `midi`), and undefined for the rest.
 *
 * @example
 * ```ts
 * sniffFormat(new TextEncoder().encode('RIFF\0\0\0\0WAVEfmt ')); // { format: 'wav' }
 * ```
 */
export function sniffFormat(head: Uint8Array): { format?: AudioFormat; detected?: string } {
  // RF64 (WAV over 4 GiB) and RIFX are not recognised by audio-type; our WAV reader handles RF64.
  if (head.length >= 12 && ascii(head, 0, 4) === 'RF64' && ascii(head, 8, 4) === 'WAVE') return { format: 'wav', detected: 'wav' };
  const detected = audioType(head);
  if (!detected) return {};
  return { format: FROM_AUDIO_TYPE[detected], detected };
}

/** Bytes as latin-1 text (for four-character codes). */
export function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

/** The first bytes as hex, for error messages about unknown formats. */
export function hexPreview(bytes: Uint8Array, count = 8): string {
  return Array.from(bytes.subarray(0, count), (b) => b.toString(16).padStart(2, '0')).join(' ');
}
