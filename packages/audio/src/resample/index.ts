/**
 * Sample-rate conversion to the model's 48 kHz: a streaming, zero-delay, rational-ratio
 * polyphase Kaiser-windowed-sinc resampler.
 */
export { StreamingResampler, type ResamplerDesign, type StreamingResamplerOptions } from './streaming-resampler.js';
export { resample } from './resample.js';
export { MIN_SAMPLE_RATE, MAX_SAMPLE_RATE, MAX_DOWNSAMPLING_RATIO } from './rates.js';
