import { defineConfig } from 'tsup';

export default defineConfig({
  // `index` runs anywhere (browsers, workers, Node); `node` adds file-system helpers.
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  external: [/^node:/],
});
