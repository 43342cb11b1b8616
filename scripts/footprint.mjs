#!/usr/bin/env node
/**
 * `pnpm bench:footprint`: what a user downloads for each use. Packs the public
 * packages, then for each of @refractor/node, web, cli and train installs its
 * tarball (plus the workspace tarballs it depends on) into an empty project
 * with npm, and prints the size of node_modules, the package count and the
 * largest packages. Needs the npm registry (npm's cache makes reruns fast).
 *
 *   node scripts/footprint.mjs [--tarballs DIR] [--json]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packPackages, publicPackagesInOrder } from './lib/workspace-packages.mjs';

const USES = [
  ['@refractor/node', 'Node inference'],
  ['@refractor/web', 'browser'],
  ['@refractor/cli', 'CLI (with the tiny set)'],
  ['@refractor/train', 'training'],
  ['@refractor/server', 'HTTP service'],
  ['@refractor/core', 'core only'],
];

/** Bytes of the files under `dir` (apparent sizes; symlinks not followed). */
function bytesUnder(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += bytesUnder(path);
    else if (entry.isFile()) total += statSync(path).size;
    else if (entry.isSymbolicLink()) total += lstatSync(path).size;
  }
  return total;
}

/** Installed packages under node_modules (scoped ones counted one by one), with their sizes. */
function packagesUnder(nodeModules) {
  const found = [];
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(nodeModules, entry.name);
    if (entry.name.startsWith('@')) {
      for (const inner of readdirSync(path, { withFileTypes: true })) {
        if (inner.isDirectory()) found.push({ name: `${entry.name}/${inner.name}`, bytes: bytesUnder(join(path, inner.name)) });
      }
    } else found.push({ name: entry.name, bytes: bytesUnder(path) });
  }
  return found.sort((a, b) => b.bytes - a.bytes);
}

/** No NODE_PATH (pnpm's shims point it into the workspace) and no npm/pnpm settings from a `pnpm` run. */
const cleanEnv = () => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|NODE_PATH$|NODE_OPTIONS$)/i.test(key))),
  ONNXRUNTIME_NODE_INSTALL: 'skip',
});

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function main() {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const packages = publicPackagesInOrder();
  const byName = new Map(packages.map((p) => [p.name, p]));
  const given = args.indexOf('--tarballs');
  const scratch = mkdtempSync(join(tmpdir(), 'refractor-footprint-'));
  try {
    let tarballs;
    if (given >= 0) {
      const dir = args[given + 1];
      tarballs = new Map(packages.map((p) => [p.name, join(dir, `${p.name.replace(/^@/, '').replace('/', '-')}-${p.version}.tgz`)]));
    } else tarballs = packPackages(join(scratch, 'tarballs'), packages);
    const rows = [];
    for (const [name, use] of USES) {
      // The package and its workspace dependencies, transitively (the rest comes from the registry).
      const closure = new Set();
      const visit = (n) => {
        if (closure.has(n)) return;
        closure.add(n);
        for (const dep of byName.get(n).internalDeps) visit(dep);
      };
      visit(name);
      const project = join(scratch, name.split('/')[1]);
      execFileSync('mkdir', ['-p', project]);
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'footprint', version: '0.0.0', private: true }));
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...[...closure].map((n) => tarballs.get(n))], {
        cwd: project,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: cleanEnv(),
      });
      const nodeModules = join(project, 'node_modules');
      const installed = packagesUnder(nodeModules);
      let tinyCheck;
      if (name === '@refractor/node') {
        // Without @refractor/tiny-models, asking for the tiny set must say what to install.
        const probe = `import('@refractor/node').then(({ Refractor }) => Refractor.load({ models: 'tiny', offline: true })).then(() => console.log('loaded?!'), (e) => console.log(e.message.split('\\n')[0]))`;
        tinyCheck = execFileSync(process.execPath, ['-e', probe], { cwd: project, encoding: 'utf8', env: cleanEnv() }).trim();
      }
      rows.push({ package: name, use, bytes: bytesUnder(nodeModules), packages: installed.length, largest: installed.slice(0, 4), tinyCheck });
    }
    if (json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    process.stdout.write('install footprint (npm install of the packed tarballs into an empty project)\n\n');
    process.stdout.write(`${'package'.padEnd(18)} ${'use'.padEnd(24)} ${'node_modules'.padStart(12)} ${'packages'.padStart(8)}  largest\n`);
    for (const row of rows) {
      const largest = row.largest.map((p) => `${p.name} ${mb(p.bytes)}`).join(', ');
      process.stdout.write(`${row.package.padEnd(18)} ${row.use.padEnd(24)} ${mb(row.bytes).padStart(12)} ${String(row.packages).padStart(8)}  ${largest}\n`);
    }
    const node = rows.find((r) => r.tinyCheck);
    if (node) process.stdout.write(`\n@refractor/node alone, models: 'tiny': ${node.tinyCheck}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`footprint: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
