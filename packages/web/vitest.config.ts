import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Node-side tests only (the browser test lives elsewhere). Without this file
// vitest would pick up vite.config.ts, whose root is the demo.
export default defineConfig({
  root: dirname(fileURLToPath(import.meta.url)),
  test: {
    name: '@refractor/web',
    include: ['test/**/*.test.ts'],
  },
});
