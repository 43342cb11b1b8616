import { defineConfig } from 'tsup';

export default defineConfig({
  // `index` is the library; `worker` is the Web Worker script `createRefractorWorker` starts
  // (`new URL('./worker.js', import.meta.url)`, so both must sit in dist/).
  // ESM only: @refractor/audio (and its WASM decoders) are ESM-only.
  // `text-worker` is the text encoder's own worker (`new URL('./text-worker.js', import.meta.url)` in concepts.ts).
  // `features-worker` decodes songs and computes their features (`new URL('./features-worker.js', import.meta.url)` in remote-features.ts).
  entry: ['src/index.ts', 'src/worker.ts', 'src/text-worker.ts', 'src/features-worker.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/worker.ts'] },
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'browser',
});
