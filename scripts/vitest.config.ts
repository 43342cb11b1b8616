import { defineConfig } from 'vitest/config';

// The release tooling's tests: the package graph, `changeset version`, and the
// consumer test (packs every public package and installs the tarballs outside the workspace).
export default defineConfig({
  test: {
    name: 'release',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 900_000,
  },
});
