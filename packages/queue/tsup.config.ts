import { defineConfig } from 'tsup';

export default defineConfig({
  // Two entries: the job client (no model runtime) and the worker (loads onnxruntime-node).
  entry: ['src/index.ts', 'src/worker.ts'],
  // ESM only: @refractor/audio (and its WASM decoders) are ESM-only.
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
});
