import { defineConfig } from 'tsup';

export default defineConfig({
  // `index` runs anywhere (browsers, workers, Node); `node` adds file-system and
  // worker-thread helpers; `featurize-worker` is the script that worker runs.
  // ESM only: the WASM decoders (audio-decode) are ESM-only packages.
  entry: ['src/index.ts', 'src/node.ts', 'src/featurize-worker.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/node.ts'] },
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  external: [/^node:/],
});
