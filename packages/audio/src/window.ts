import { InvalidValueError } from '@refractor/core';

/** How a song is cut into chunks. */
export interface ChunkingOptions {
  /** Chunk length in seconds (default 30). */
  chunkSizeS?: number;
  /** Distance between chunk starts in seconds (default 5). */
  chunkStrideS?: number;
}

/** The card's chunking: 30 s windows every 5 s. */
export const DEFAULT_CHUNKING = Object.freeze({ chunkSizeS: 30, chunkStrideS: 5 });

/** Chunk geometry in samples. */
export interface ChunkGeometry {
  chunkSamples: number;
  strideSamples: number;
  sampleRate: number;
}

/**
 * Converts chunk options to samples as the original did (`int(seconds * sr)`),
 * rejecting sizes and strides that are not > 0 or round to 0 samples.
 */
export function chunkGeometry(options: ChunkingOptions = {}, sampleRate = 48000): ChunkGeometry {
  const sizeS = options.chunkSizeS ?? DEFAULT_CHUNKING.chunkSizeS;
  const strideS = options.chunkStrideS ?? DEFAULT_CHUNKING.chunkStrideS;
  const check = (option: string, seconds: number) => {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
      throw new InvalidValueError(option, seconds, 'a number of seconds > 0');
    }
    const samples = Math.floor(seconds * sampleRate);
    if (samples < 1) throw new InvalidValueError(option, seconds, `at least 1 sample (${1 / sampleRate} s)`);
    return samples;
  };
  return { chunkSamples: check('chunkSizeS', sizeS), strideSamples: check('chunkStrideS', strideS), sampleRate };
}

/**
 * Where each chunk starts, with the original's semantics: audio no longer than
 * one chunk gives one chunk; longer audio gives a chunk at every multiple of
 * the stride while the start is before the end (each zero-padded to full length).
 *
 * @example
 * ```ts
 * chunkStarts(48000 * 40, { chunkSamples: 48000 * 30, strideSamples: 48000 * 5, sampleRate: 48000 }).length; // 8
 * ```
 */
export function chunkStarts(totalSamples: number, geometry: ChunkGeometry): number[] {
  if (totalSamples <= geometry.chunkSamples) return [0];
  const starts: number[] = [];
  for (let start = 0; start < totalSamples; start += geometry.strideSamples) starts.push(start);
  return starts;
}

/** A chunk's place in the song: sample offsets and seconds (end = where its audio stops, before padding). */
export interface ChunkPlacement {
  index: number;
  startSample: number;
  start_s: number;
  end_s: number;
}

/** The placement of the chunk starting at `startSample` in a song of `totalSamples`. */
export function placeChunk(index: number, startSample: number, totalSamples: number, geometry: ChunkGeometry): ChunkPlacement {
  const endSample = Math.min(startSample + geometry.chunkSamples, totalSamples);
  return { index, startSample, start_s: startSample / geometry.sampleRate, end_s: endSample / geometry.sampleRate };
}
