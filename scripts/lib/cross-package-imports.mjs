/**
 * Finds relative imports that leave their own workspace package (for example a
 * test in packages/cli importing `../../audio/test/helpers/wav.js`). Such an
 * import reaches into another package's sources instead of its published entry,
 * so it hides missing exports and missing dependencies, and it breaks as soon as
 * the other package moves a file. Shared code for tests lives in the private
 * `@refractor/test-helpers` package instead.
 *
 * Used by scripts/test/test-imports.test.ts (the guard) and runnable on its own:
 * `node scripts/lib/cross-package-imports.mjs` prints one `file:line: specifier`
 * per offending import and exits 1 when there is any.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, workspacePackages } from './workspace-packages.mjs';

/** Source files worth scanning (what tsc, vitest and node load). */
const SOURCE = /\.(?:[cm]?[jt]s|tsx|jsx)$/;

/** Build outputs and installs: generated or third-party, not ours to check. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'dist-demo', '.turbo', 'coverage']);

/**
 * Module specifiers in static imports and re-exports (`from '…'`), bare
 * side-effect imports (`import '…'`), dynamic `import('…')`, `require('…')`
 * and vitest's `vi.mock('…')`/`vi.importActual('…')`.
 */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\bvi\.(?:mock|doMock|importActual)\s*\(\s*)(['"`])(\.{1,2}\/[^'"`]*)\1/g;

/**
 * The directories that own files: every workspace package, plus the
 * repository's own tooling (`scripts/`), which is no package but keeps its
 * tests and their helpers to itself all the same.
 * @returns {string[]} absolute directories, deepest first (models/tiny before models)
 */
export function packageRoots() {
  const roots = [...workspacePackages().map((p) => p.dir), join(ROOT, 'scripts')];
  return roots.sort((a, b) => b.length - a.length);
}

/** @param {string} dir @param {string[]} out */
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (SKIPPED_DIRS.has(name) || name.startsWith('.')) continue;
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) walk(path, out);
    else if (SOURCE.test(name)) out.push(path);
  }
  return out;
}

/** @param {string} path @param {string[]} roots */
function ownerOf(path, roots) {
  return roots.find((root) => path === root || path.startsWith(root + sep));
}

/**
 * @typedef {{ file: string, line: number, specifier: string, target: string }} CrossImport
 * `file` and `target` are relative to the repository root; `line` counts from 1.
 */

/**
 * Every relative import in `source` (the text of `file`) whose target lies
 * outside the package that owns `file`.
 * @param {string} file absolute path
 * @param {string} source its text
 * @param {string[]} [roots] from {@link packageRoots}
 * @returns {CrossImport[]}
 */
export function crossImportsIn(file, source, roots = packageRoots()) {
  const owner = ownerOf(file, roots);
  /** @type {CrossImport[]} */
  const found = [];
  for (const match of source.matchAll(SPECIFIER)) {
    const specifier = /** @type {string} */ (match[2]);
    const target = resolve(dirname(file), specifier);
    if (owner !== undefined && ownerOf(target, roots) === owner) continue;
    const line = source.slice(0, match.index).split('\n').length;
    found.push({ file: relative(ROOT, file), line, specifier, target: relative(ROOT, target) });
  }
  return found;
}

/**
 * Scans every source file of every package (src, test, bench, scripts; not
 * node_modules or build output) and returns the relative imports that leave
 * their package, in file order.
 * @returns {CrossImport[]}
 */
export function findCrossPackageImports() {
  const roots = packageRoots();
  const files = [...new Set(roots.flatMap((root) => walk(root, [])))].sort();
  return files.flatMap((file) => crossImportsIn(file, readFileSync(file, 'utf8'), roots));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const found = findCrossPackageImports();
  for (const hit of found) process.stdout.write(`${hit.file}:${hit.line}: ${hit.specifier}\n`);
  process.stderr.write(`${found.length} relative import(s) leave their package\n`);
  process.exitCode = found.length > 0 ? 1 : 0;
}
