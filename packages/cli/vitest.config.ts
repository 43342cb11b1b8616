import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: dirname(fileURLToPath(import.meta.url)),
  test: {
    name: '@refractor/cli',
    include: ['test/**/*.test.ts'],
    // Most tests spawn the CLI, which loads models: a 5 s default fails on a busy 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
