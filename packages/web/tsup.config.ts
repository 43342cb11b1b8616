import { defineConfig } from 'tsup';

export default defineConfig({
  // `index` is the library; `worker` is the Web Worker script `createRefractorWorker` starts
  // (`new URL('./worker.js', import.meta.url)`, so both must sit in dist/).
  // ESM only: @refractor/audio (and its WASM decoders) are ESM-only.
  entry: ['src/index.ts', 'src/worker.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/worker.ts'] },
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'browser',
});
