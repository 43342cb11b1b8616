import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crossImportsIn, findCrossPackageImports, packageRoots } from '../lib/cross-package-imports.mjs';
import { ROOT } from '../lib/workspace-packages.mjs';

// Tests and benchmarks use other packages through their published entries
// (`@refractor/audio`, `@refractor/train/onnx-graph`, …) and share helpers through
// the private `@refractor/test-helpers`, never by a relative path into another package.
/** A quoted module specifier, built at run time so the scanner does not see it in this file. */
const spec = (path: string, quote = "'") => quote + path + quote;

describe('relative imports stay inside their package', () => {
  it('no source, test or bench file imports another package by a relative path', () => {
    const found = findCrossPackageImports().map((hit) => `${hit.file}:${hit.line}: ${hit.specifier} (reaches ${hit.target})`);
    expect(found, `use the package's entry or @refractor/test-helpers instead:\n${found.join('\n')}`).toEqual([]);
  });

  it('names file:line for each import that leaves, in every syntax, and lets in-package ones through', () => {
    const roots = packageRoots();
    const file = join(ROOT, 'packages', 'cli', 'test', 'example.test.ts');
    // Specifiers are spliced in (spec()) so this file's own text holds no import that leaves scripts/.
    const source = [
      `import { makeWav } from ${spec('../../audio/test/helpers/wav.js')};`,
      `import { run } from ${spec('../src/run.js')};`,
      `export { graph } from ${spec('../../train/src/onnx/graph.js')};`,
      `const lazy = await import(${spec('../../node/src/index.js')});`,
      `import ${spec('../../core/src/side-effect.js')};`,
      `const redis = require(${spec('../../queue/test/helpers/redis-server.mjs', '"')});`,
      `import { tinyBaseModel } from ${spec('../../../models/scripts/make-tiny-models.mjs')};`,
      `import { helper } from ${spec('./helpers/local.js')};`,
    ].join('\n');
    expect(crossImportsIn(file, source, roots).map((hit) => `${hit.file}:${hit.line}: ${hit.specifier}`)).toEqual([
      'packages/cli/test/example.test.ts:1: ../../audio/test/helpers/wav.js',
      'packages/cli/test/example.test.ts:3: ../../train/src/onnx/graph.js',
      'packages/cli/test/example.test.ts:4: ../../node/src/index.js',
      'packages/cli/test/example.test.ts:5: ../../core/src/side-effect.js',
      'packages/cli/test/example.test.ts:6: ../../queue/test/helpers/redis-server.mjs',
      'packages/cli/test/example.test.ts:7: ../../../models/scripts/make-tiny-models.mjs',
    ]);
  });

  it('treats a nested package (models/tiny inside models) as its own package', () => {
    const roots = packageRoots();
    const inModels = join(ROOT, 'models', 'test', 'x.test.ts');
    expect(crossImportsIn(inModels, `import ${spec('../scripts/make-tiny-models.mjs')};`, roots)).toEqual([]);
    expect(crossImportsIn(inModels, `import ${spec('../tiny/index.js')};`, roots).map((hit) => hit.target)).toEqual(['models/tiny/index.js']);
  });

  it('treats scripts/ as a root of its own: its tests may use scripts/lib, not the sources of a package', () => {
    const file = join(ROOT, 'scripts', 'test', 'x.test.ts');
    expect(crossImportsIn(file, `import { ROOT } from ${spec('../lib/workspace-packages.mjs')};`)).toEqual([]);
    expect(crossImportsIn(file, `import { x } from ${spec('../../packages/core/src/index.js')};`).map((hit) => hit.line)).toEqual([1]);
  });
});
