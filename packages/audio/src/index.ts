/**
 * @refractor/audio — decode any song, downmix, resample to 48 kHz, cut it
 * into chunks and compute CLAP log-mel features exactly as Hugging Face's
 * ClapFeatureExtractor does, streaming with bounded memory. Runs in Node and
 * browsers; file-system helpers live in `@refractor/audio/node`.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './pcm.js';
export { sniffFormat, type AudioFormat } from './sniff.js';
export * from './decode.js';
export * from './downmix.js';
export * from './resample/index.js';
export * from './window.js';
export * from './mt19937.js';
export * from './crop.js';
export * from './features/index.js';
export * from './song-features.js';
export * from './crop-frame-cache.js';
export * from './sliding-buffer.js';
export * from './probe.js';
export * from './midi/index.js';
export * from './clip.js';
