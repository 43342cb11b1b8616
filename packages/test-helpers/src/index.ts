/**
 * `@refractor/test-helpers`: what the workspace's tests and benchmarks share,
 * so no test reaches into another package's `src/` or `test/` by a relative path.
 * Private: never published.
 *
 * - `@refractor/test-helpers`: hand-built audio inputs (WAV bytes, tones, noise,
 *   Standard MIDI Files) and an independent piano-roll reference. Pure, runs anywhere.
 * - `@refractor/test-helpers/hub-server`: a fake Hugging Face hub with fault injection.
 * - `@refractor/test-helpers/redis-server`: a real `redis-server` on a free port.
 * - `@refractor/test-helpers/swiftshader`: SwiftShader's Vulkan driver as the GPU for webgpu tests, and why they skip.
 * - `@refractor/test-helpers/netns`: test hosts as network namespaces (partitions, hosts that vanish, Redis on a host).
 * - `@refractor/test-helpers/measure-child`: wall time, peak RSS and CPU of a child node process.
 *
 * @example
 * ```ts
 * import { makeWav, sine } from '@refractor/test-helpers';
 * const bytes = makeWav({ sampleRate: 48_000, channels: [sine(440, 1, 48_000)] });
 * ```
 * @packageDocumentation
 */
export * from './wav.js';
export * from './midi.js';
