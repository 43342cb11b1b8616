import { defineConfig } from 'tsup';

export default defineConfig({
  // `io`: inputs, candidates files and datasets, without the model runtime.
  entry: { index: 'src/index.ts', io: 'src/io/index.ts' },
  // ESM, and CommonJS for `require('@refractor/node')`. The CommonJS build still
  // require()s the ESM-only @refractor/audio, which Node ≥ 20.19 allows (require(esm)).
  format: ['esm', 'cjs'],
  // import.meta.url (createRequire, worker URLs) in the CommonJS build.
  shims: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
});
