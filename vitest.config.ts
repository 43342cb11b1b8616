import { defineConfig } from 'vitest/config';

// One vitest run over every package, so `pnpm test` ends with a single summary.
export default defineConfig({
  test: {
    projects: ['packages/*', 'models', 'scripts'],
  },
});
