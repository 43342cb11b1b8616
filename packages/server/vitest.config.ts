import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: dirname(fileURLToPath(import.meta.url)),
  test: {
    name: '@refractor/server',
    include: ['test/**/*.test.ts'],
    // Real servers, real models and long uploads on a shared 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
