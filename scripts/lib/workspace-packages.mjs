/**
 * The workspace's public packages, in dependency order, and packing them into
 * tarballs: shared by `scripts/publish.mjs`, `scripts/lint-packages.mjs`, the
 * consumer test and the footprint script.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Directories that may hold workspace packages (as pnpm-workspace.yaml lists them). */
const PACKAGE_DIRS = () => [
  ...readdirSync(join(ROOT, 'packages')).map((name) => join('packages', name)),
  'models',
  join('models', 'tiny'),
];

/**
 * @typedef {{ name: string, version: string, dir: string, relDir: string, manifest: Record<string, any>, internalDeps: string[] }} WorkspacePackage
 */

/** Every workspace package with a package.json, private ones included. */
export function workspacePackages() {
  /** @type {WorkspacePackage[]} */
  const found = [];
  for (const relDir of PACKAGE_DIRS()) {
    const file = join(ROOT, relDir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    found.push({ name: manifest.name, version: manifest.version, dir: join(ROOT, relDir), relDir, manifest, internalDeps: [] });
  }
  const names = new Set(found.map((p) => p.name));
  for (const pkg of found) {
    // Runtime edges only: dependencies and peers (a devDependency is not installed by users).
    const deps = { ...pkg.manifest.dependencies, ...pkg.manifest.peerDependencies };
    pkg.internalDeps = Object.keys(deps).filter((dep) => names.has(dep)).sort();
  }
  return found;
}

/**
 * The public (not `private`) packages, ordered so that each comes after the
 * workspace packages it depends on (Kahn's algorithm, ties by name, so the
 * order is stable). Throws on a cycle, or when a public package depends on a
 * private one (users could not install it).
 */
export function publicPackagesInOrder() {
  const all = workspacePackages();
  const byName = new Map(all.map((p) => [p.name, p]));
  const publics = all.filter((p) => !p.manifest.private);
  for (const pkg of publics) {
    for (const dep of pkg.internalDeps) {
      if (byName.get(dep)?.manifest.private) throw new Error(`${pkg.name} depends on the private package ${dep}: users could not install it`);
    }
  }
  const ordered = [];
  const done = new Set();
  let pending = publics.slice().sort((a, b) => a.name.localeCompare(b.name));
  while (pending.length > 0) {
    const ready = pending.filter((p) => p.internalDeps.every((dep) => done.has(dep)));
    if (ready.length === 0) throw new Error(`dependency cycle among ${pending.map((p) => p.name).join(', ')}`);
    const next = ready[0];
    ordered.push(next);
    done.add(next.name);
    pending = pending.filter((p) => p !== next);
  }
  return ordered;
}

/** Runs a command, output to our stderr; throws with the command line on failure. */
export function run(command, args, options = {}) {
  return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...options });
}

/** `pnpm` as this process can run it: the one that started us (npm_execpath), else `pnpm` on PATH, else `npx -y pnpm@10`. */
export function pnpmCommand() {
  const execpath = process.env.npm_execpath;
  if (execpath && /pnpm/.test(basename(execpath))) return execpath.endsWith('.js') || execpath.endsWith('.cjs') ? [process.execPath, execpath] : [execpath];
  if (spawnSync('pnpm', ['--version'], { stdio: 'ignore' }).status === 0) return ['pnpm'];
  return ['npx', '-y', 'pnpm@10'];
}

/** Builds the public packages and what they need (turbo; cached when nothing changed). */
export function buildPublicPackages(packages = publicPackagesInOrder()) {
  const filters = packages.map((p) => `--filter=${p.name}...`);
  run(join(ROOT, 'node_modules', '.bin', 'turbo'), ['run', 'build', ...filters, '--output-logs=errors-only'], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * Packs each package with `pnpm pack` (which turns `workspace:` ranges into
 * versions and runs `prepack`, the build) into `outDir`; returns the tarball paths by name.
 * `runScripts: false` skips `prepack` (for the tests, which run beside other tests
 * reading dist/: a rebuild there would race them); the packages must be built already.
 */
export function packPackages(outDir, packages = publicPackagesInOrder(), { runScripts = true } = {}) {
  mkdirSync(outDir, { recursive: true });
  const [pnpm, ...pre] = pnpmCommand();
  const env = runScripts ? process.env : { ...process.env, npm_config_ignore_scripts: 'true' };
  /** @type {Map<string, string>} */
  const tarballs = new Map();
  for (const pkg of packages) {
    if (!runScripts && pkg.manifest.scripts?.build && !existsSync(join(pkg.dir, 'dist'))) {
      throw new Error(`${pkg.relDir}/dist is missing: build first (\`pnpm build\`; \`pnpm test\` does)`);
    }
    const printed = run(pnpm, [...pre, 'pack', '--pack-destination', outDir], { cwd: pkg.dir, env });
    const tarball = printed.trim().split('\n').map((line) => line.trim()).reverse().find((line) => line.endsWith('.tgz'));
    if (!tarball) throw new Error(`pnpm pack in ${pkg.relDir} printed no tarball:\n${printed}`);
    tarballs.set(pkg.name, resolve(outDir, tarball));
  }
  return tarballs;
}
