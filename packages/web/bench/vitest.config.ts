import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `pnpm bench` only (never part of `pnpm test`): the real-size browser benchmark.
export default defineConfig({
  root: dirname(dirname(fileURLToPath(import.meta.url))),
  test: {
    name: '@refractor/web bench',
    include: ['bench/**/*.bench.ts'],
    testTimeout: 20 * 60_000,
    hookTimeout: 120_000,
  },
});
