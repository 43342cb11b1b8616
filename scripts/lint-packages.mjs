#!/usr/bin/env node
/**
 * `pnpm lint:packages`: packs every public package (as `pnpm publish` would)
 * and checks each tarball with publint (strict: warnings fail) and
 * Are The Types Wrong (attw). Dual packages (a `require` condition) are held to
 * attw's `strict` profile; ESM-only ones to `esm-only`. Exports that are data,
 * not modules (the tiny set's `.onnx`/`.json` files), are not entry points for attw.
 *
 *   node scripts/lint-packages.mjs [--tarballs DIR]   # DIR: already packed tarballs
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { ROOT, packPackages, publicPackagesInOrder } from './lib/workspace-packages.mjs';

/** Export subpaths whose targets are modules (or package.json); the rest are data files. */
function dataExports(manifest) {
  const isModuleTarget = (target) => typeof target !== 'string' || /\.(c|m)?js$|\.json$/.test(target);
  return Object.entries(manifest.exports ?? {})
    .filter(([subpath, target]) => subpath !== './package.json' && !isModuleTarget(target))
    .map(([subpath]) => subpath);
}

const isDual = (manifest) => JSON.stringify(manifest.exports ?? {}).includes('"require"');

async function main() {
  const args = process.argv.slice(2);
  const given = args.indexOf('--tarballs');
  const packages = publicPackagesInOrder();
  let scratch;
  let tarballs;
  if (given >= 0) {
    const dir = args[given + 1];
    if (!dir) throw new Error('--tarballs needs a directory');
    const files = readdirSync(dir);
    tarballs = new Map(packages.map((pkg) => {
      const file = `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`;
      if (!files.includes(file)) throw new Error(`${dir} has no ${file}`);
      return [pkg.name, join(dir, file)];
    }));
  } else {
    scratch = mkdtempSync(join(tmpdir(), 'refractor-lint-packages-'));
    tarballs = packPackages(scratch, packages);
  }
  const failures = [];
  try {
    for (const pkg of packages) {
      const tarball = tarballs.get(pkg.name);
      const bytes = readFileSync(tarball);
      const { messages, pkg: packed } = await publint({
        pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
        level: 'suggestion',
        strict: true,
      });
      for (const message of messages) failures.push(`${pkg.name}: publint ${message.type}: ${formatMessage(message, packed, { color: false })}`);

      const profile = isDual(pkg.manifest) ? 'strict' : 'esm-only';
      const excluded = dataExports(pkg.manifest);
      const attwArgs = [tarball, '--profile', profile, '--format', 'ascii', '--no-emoji', '--no-color', '--no-summary'];
      if (excluded.length > 0) attwArgs.push('--exclude-entrypoints', ...excluded);
      try {
        execFileSync(join(ROOT, 'node_modules', '.bin', 'attw'), attwArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (error) {
        failures.push(`${pkg.name}: attw (${profile}) found problems:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      }
      const status = failures.some((f) => f.startsWith(`${pkg.name}:`)) ? 'FAIL' : 'ok';
      process.stdout.write(`${status.padEnd(4)} ${pkg.name.padEnd(24)} publint strict, attw ${profile}${excluded.length ? ` (data exports skipped: ${excluded.join(' ')})` : ''}\n`);
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    process.stderr.write(`\n${failures.join('\n')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  process.stderr.write(`lint-packages: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
