import { defineConfig } from 'tsup';

export default defineConfig({
  // Built (not consumed as TypeScript) because plain-node benchmarks (`*.bench.mjs`) import it too.
  // `rss-preload` is its own file: measure-child preloads it into the child with `node --import`.
  entry: ['src/index.ts', 'src/hub-server.ts', 'src/redis-server.ts', 'src/measure-child.ts', 'src/rss-preload.ts', 'src/swiftshader.ts', 'src/netns.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/hub-server.ts', 'src/redis-server.ts', 'src/measure-child.ts', 'src/swiftshader.ts', 'src/netns.ts'] },
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'node',
});
