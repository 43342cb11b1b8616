/**
 * Type-checks the README examples marked `<!-- readme-test … -->` (TypeScript and
 * JavaScript blocks) against the built packages' declaration files, as a user's
 * strict project would see them: running an example proves it works, and this
 * proves its types say what it does (a property that does not exist prints
 * `undefined` at run time but fails here).
 *
 * Each example is written to a temporary project whose `node_modules/@refractor/*`
 * link to the workspace packages, so imports resolve through each package's
 * `exports` and `types` to its `dist/*.d.ts` (build first).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { readmeExamplesOf } from './readme-examples.mjs';
import { ROOT, workspacePackages } from './workspace-packages.mjs';

/** Languages of the blocks checked (shell blocks are run by the consumer test, not type-checked). */
const CHECKED = new Map([
  ['ts', '.mts'],
  ['typescript', '.mts'],
  ['js', '.mjs'],
  ['javascript', '.mjs'],
]);

/**
 * @typedef {{ where: string, lang: string, code: string }} ReadmeExample
 *   `where` names the README and line (`packages/train/README.md:22`).
 */

/** The marked examples of every workspace package's README that are TypeScript or JavaScript. */
export function workspaceReadmeExamples() {
  /** @type {ReadmeExample[]} */
  const found = [];
  for (const pkg of workspacePackages()) {
    let examples;
    try {
      examples = readmeExamplesOf(join(pkg.dir, 'README.md'));
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') continue;
      throw error;
    }
    for (const example of examples) {
      if (CHECKED.has(example.lang)) found.push({ where: `${pkg.relDir}/README.md:${example.line}`, lang: example.lang, code: example.code });
    }
  }
  return found;
}

/**
 * Type-checks examples (strict, ESM, Node and DOM globals: the web example runs
 * in a browser); returns one message per error, `where` + the example's line, empty when all pass.
 * @param {ReadmeExample[]} examples
 * @returns {string[]}
 */
export function typecheckReadmeExamples(examples) {
  const project = mkdtempSync(join(tmpdir(), 'refractor-readme-types-'));
  try {
    const scope = join(project, 'node_modules', '@refractor');
    mkdirSync(scope, { recursive: true });
    for (const pkg of workspacePackages()) {
      if (pkg.name.startsWith('@refractor/')) symlinkSync(pkg.dir, join(scope, pkg.name.slice('@refractor/'.length)), 'dir');
    }
    mkdirSync(join(project, 'node_modules', '@types'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'), 'dir');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));

    /** @type {Map<string, ReadmeExample>} */
    const byFile = new Map();
    examples.forEach((example, i) => {
      const file = join(project, `example-${i}${CHECKED.get(example.lang) ?? '.mts'}`);
      writeFileSync(file, example.code);
      byFile.set(file, example);
    });
    const program = ts.createProgram([...byFile.keys()], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: ['node'],
      typeRoots: [join(project, 'node_modules', '@types')],
      strict: true,
      noEmit: true,
      allowJs: true,
      checkJs: true,
      skipLibCheck: true,
      esModuleInterop: true,
    });
    return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      const example = diagnostic.file ? byFile.get(diagnostic.file.fileName) : undefined;
      if (!example || diagnostic.start === undefined || !diagnostic.file) {
        return `${diagnostic.file ? relative(project, diagnostic.file.fileName) : 'README examples'}: ${text}`;
      }
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      const [readme, fence] = example.where.split(/:(?=\d+$)/);
      return `${readme}:${Number(fence) + 1 + line}: ${text}`;
    });
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
