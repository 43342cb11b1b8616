import type { AudioStream } from './decode.js';
import { chunkGeometry, chunkStarts, type ChunkingOptions } from './window.js';

/** What `refractor info` reports about a file. */
export interface AudioInfo {
  format: string;
  sampleRate: number;
  channels: number;
  frames: number;
  durationS: number;
  /** Chunks the song gives at 48 kHz with the chunking options. */
  chunkCount: number;
}

/** Samples a song of `frames` at `sampleRate` has once resampled to `targetRate` (ceil, as librosa.resample). */
export function resampledLength(frames: number, sampleRate: number, targetRate: number): number {
  return sampleRate === targetRate ? frames : Math.ceil((frames * targetRate) / sampleRate);
}

/**
 * Reads a whole stream (decoding every block, so truncation and corrupt data
 * surface here) and reports its format, rate, channels, duration and chunk count.
 *
 * @example
 * ```ts
 * const info = await probeAudio(await openAudioFile('song.mp3'));
 * console.log(info.durationS, info.chunkCount);
 * ```
 */
export async function probeAudio(stream: AudioStream, options: ChunkingOptions = {}, targetRate = 48000): Promise<AudioInfo> {
  let frames = 0;
  let sampleRate = 0;
  let channels = 0;
  for await (const block of stream) {
    sampleRate = block.sampleRate;
    channels = block.channels.length;
    frames += block.channels[0]!.length;
  }
  const total = resampledLength(frames, sampleRate, targetRate);
  return {
    format: stream.format,
    sampleRate,
    channels,
    frames,
    durationS: frames / sampleRate,
    chunkCount: chunkStarts(total, chunkGeometry(options, targetRate)).length,
  };
}
