#!/usr/bin/env node
/**
 * Publishes the public packages to npm in dependency order (each after the
 * workspace packages it depends on): builds them (turbo), packs each with
 * `pnpm pack` (workspace ranges become versions; `prepack` builds again, a
 * cache hit), then `npm publish`es each tarball. Versions already on the
 * registry are skipped, so a failed run can be rerun. Run `changeset version`
 * first (see README: Releasing).
 *
 *   pnpm release              # = node scripts/publish.mjs
 *   pnpm release:dry-run      # everything but the upload: npm publish --dry-run of each tarball
 *   node scripts/publish.mjs --dry-run --out DIR [--tag next]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildPublicPackages, packPackages, publicPackagesInOrder } from './lib/workspace-packages.mjs';

const USAGE = `usage: node scripts/publish.mjs [--dry-run] [--out DIR] [--tag TAG]

  --dry-run   build, pack and run \`npm publish --dry-run\` on each tarball; upload nothing
  --out DIR   keep the tarballs in DIR (default: a temporary directory, removed afterwards)
  --tag TAG   npm dist-tag to publish under (default: latest)
  --help      this text`;

function parseArgs(argv) {
  const options = { dryRun: false, out: undefined, tag: 'latest' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--dry-run') options.dryRun = true;
    else if (arg === '--out' || arg === '--tag') {
      const value = argv[++i];
      if (!value || value.startsWith('--')) throw new Error(`${arg} needs a value\n\n${USAGE}`);
      if (arg === '--out') options.out = resolve(value);
      else options.tag = value;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${JSON.stringify(arg)}\n\n${USAGE}`);
  }
  return options;
}

/** True when `name@version` is already on the registry (npm view prints nothing and fails otherwise). */
function isPublished(name, version) {
  try {
    return execFileSync('npm', ['view', `${name}@${version}`, 'version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === version;
  } catch {
    return false;
  }
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const packages = publicPackagesInOrder();
  process.stderr.write(`publish order: ${packages.map((p) => `${p.name}@${p.version}`).join(' → ')}\n`);
  buildPublicPackages(packages);
  const outDir = options.out ?? mkdtempSync(join(tmpdir(), 'refractor-publish-'));
  try {
    const tarballs = packPackages(outDir, packages);
    for (const pkg of packages) {
      const tarball = tarballs.get(pkg.name);
      const size = `${(statSync(tarball).size / 1024).toFixed(0)} kB`;
      if (!options.dryRun && isPublished(pkg.name, pkg.version)) {
        process.stdout.write(`skip     ${pkg.name}@${pkg.version} (already on the registry)\n`);
        continue;
      }
      const args = ['publish', tarball, '--access', 'public', '--tag', options.tag];
      if (options.dryRun) args.push('--dry-run');
      execFileSync('npm', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      process.stdout.write(`${options.dryRun ? 'dry-run ' : 'published'} ${pkg.name}@${pkg.version} (${size})\n`);
    }
  } finally {
    if (options.out === undefined) rmSync(outDir, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  const stderr = error?.stderr ? `\n${String(error.stderr)}` : '';
  process.stderr.write(`publish: ${error instanceof Error ? error.message : String(error)}${stderr}\n`);
  process.exitCode = 1;
}
