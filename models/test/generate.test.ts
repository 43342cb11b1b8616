import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelFileLocalPath, modelSetRoles, parseModelManifest, type AnyModelFileRole } from '@refractor/core';
import { GENERATOR, MANIFEST_PATH, TINY_DIR, TINY_PACKAGE_FILES } from './helpers.js';

const manifestNow = parseModelManifest(JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')), MANIFEST_PATH);
/** Every role of the tiny set, the optional base model included. */
const roles: AnyModelFileRole[] = modelSetRoles(manifestNow.sets['tiny']!);
const localPaths = roles.map(modelFileLocalPath);
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Every file under a directory, as paths relative to it. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

describe('make-tiny-models.mjs', () => {
  let outDir: string;
  let printed: Record<string, { repo: string; revision: string; path: string; size: number; sha256: string }>;

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'refractor-tiny-'));
    printed = JSON.parse(execFileSync(process.execPath, [GENERATOR, outDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('writes exactly the files of MODEL_FILE_ROLES and the base model, in their local paths', () => {
    expect(roles).toContain('base');
    expect(listFiles(outDir)).toEqual(localPaths.slice().sort());
    const modelFiles = listFiles(TINY_DIR).filter((file) => !TINY_PACKAGE_FILES.includes(file) && !file.startsWith('node_modules/'));
    expect(modelFiles).toEqual(localPaths.slice().sort());
  });

  it.each(roles)('reproduces the committed %s byte for byte', (role) => {
    const fresh = readFileSync(join(outDir, modelFileLocalPath(role)));
    const committed = readFileSync(join(TINY_DIR, modelFileLocalPath(role)));
    expect(fresh.length).toBe(committed.length);
    expect(sha256(fresh)).toBe(sha256(committed));
    expect(fresh.equals(committed)).toBe(true);
  });

  it("prints the manifest's tiny entries, and they match the committed manifest", () => {
    const manifest = parseModelManifest(JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')), MANIFEST_PATH);
    expect(printed).toEqual(manifest.sets['tiny']!.files);
  });

  it('rewrites the committed manifest byte for byte with --manifest (so the committed one is current)', () => {
    const copy = join(outDir, 'manifest-copy.json');
    copyFileSync(MANIFEST_PATH, copy);
    execFileSync(process.execPath, [GENERATOR, join(outDir, 'again'), '--manifest', copy], { stdio: 'ignore' });
    expect(readFileSync(copy, 'utf8')).toBe(readFileSync(MANIFEST_PATH, 'utf8'));
  });

  it('the committed files have the sizes and SHA-256 the manifest lists, and the set stays small', () => {
    const manifest = parseModelManifest(JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')), MANIFEST_PATH);
    let total = 0;
    for (const role of roles) {
      const bytes = readFileSync(join(TINY_DIR, modelFileLocalPath(role)));
      const entry = manifest.sets['tiny']!.files[role]!;
      expect({ role, size: bytes.length, sha256: sha256(bytes) }).toEqual({ role, size: entry.size, sha256: entry.sha256 });
      total += bytes.length;
    }
    expect(total).toBeLessThan(6 * 1024 * 1024);
  });
});
