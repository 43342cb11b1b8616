import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, publicPackagesInOrder, workspacePackages } from '../lib/workspace-packages.mjs';

const PUBLIC = ['@refractor/audio', '@refractor/cli', '@refractor/core', '@refractor/node', '@refractor/server', '@refractor/tiny-models', '@refractor/train', '@refractor/web'];

describe('the package graph', () => {
  it('publishes the eight public packages, each after its workspace dependencies', () => {
    const order = publicPackagesInOrder();
    expect(order.map((p) => p.name).sort()).toEqual(expect.arrayContaining(PUBLIC));
    const position = new Map(order.map((p, i) => [p.name, i]));
    for (const pkg of order) {
      for (const dep of pkg.internalDeps) expect(position.get(dep), `${pkg.name} after ${dep}`).toBeLessThan(position.get(pkg.name)!);
    }
    // The layering the packages promise: inference never pulls in training, ONNX writing or the tiny set.
    const node = order.find((p) => p.name === '@refractor/node')!;
    expect(node.internalDeps).toEqual(['@refractor/audio', '@refractor/core']);
    for (const banned of ['onnx-proto', 'protobufjs', 'fflate', '@refractor/train', '@refractor/tiny-models', '@refractor/models']) {
      expect(Object.keys(node.manifest.dependencies), banned).not.toContain(banned);
    }
    expect(order.find((p) => p.name === '@refractor/web')!.internalDeps).toEqual(['@refractor/audio', '@refractor/core']);
    expect(order.find((p) => p.name === '@refractor/core')!.internalDeps).toEqual([]);
    // The server sits on the inference packages only (cli → server → node).
    expect(order.find((p) => p.name === '@refractor/server')!.internalDeps).toEqual(['@refractor/audio', '@refractor/node']);
  });

  it('no public package depends on a private one, and every public one has the release metadata', () => {
    const privateNames = new Set(workspacePackages().filter((p) => p.manifest.private).map((p) => p.name));
    for (const pkg of publicPackagesInOrder()) {
      const m = pkg.manifest;
      expect(pkg.internalDeps.filter((d) => privateNames.has(d)), pkg.name).toEqual([]);
      expect(m.license, pkg.name).toBe('MIT');
      expect(m.repository, pkg.name).toEqual({ type: 'git', url: 'git+https://github.com/refractor-audio/refractor.git', directory: pkg.relDir });
      expect(m.publishConfig, pkg.name).toEqual({ access: 'public' });
      expect(m.engines?.node, pkg.name).toMatch(/^>=20/);
      expect(m.sideEffects, pkg.name).toBe(false);
      expect(m.files, pkg.name).toEqual(expect.arrayContaining(['README.md', 'LICENSE']));
      expect(existsSync(join(pkg.dir, 'LICENSE')), `${pkg.relDir}/LICENSE`).toBe(true);
      expect(existsSync(join(pkg.dir, 'README.md')), `${pkg.relDir}/README.md`).toBe(true);
      // Types first in every conditional export (TypeScript picks the first matching condition).
      const firstKeys: string[] = [];
      const walk = (target: unknown): void => {
        if (target && typeof target === 'object') {
          const keys = Object.keys(target);
          if (keys.includes('types')) firstKeys.push(keys[0]!);
          for (const value of Object.values(target)) walk(value);
        }
      };
      walk(m.exports);
      expect(firstKeys.every((k) => k === 'types'), `${pkg.name} exports put types first`).toBe(true);
      if (pkg.name !== '@refractor/tiny-models') expect(m.scripts?.prepack, `${pkg.name} builds before packing`).toMatch(/turbo run build/);
    }
  });
});

describe('changeset version', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'refractor-changeset-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('bumps the versions the pending changesets name and writes each CHANGELOG, in a copy of the workspace', () => {
    // A copy of what `changeset version` reads and writes: the manifests, the workspace file and .changeset/.
    for (const file of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(ROOT, file), join(scratch, file));
    cpSync(join(ROOT, '.changeset'), join(scratch, '.changeset'), { recursive: true });
    for (const pkg of workspacePackages()) {
      mkdirSync(join(scratch, pkg.relDir), { recursive: true });
      cpSync(join(pkg.dir, 'package.json'), join(scratch, pkg.relDir, 'package.json'));
    }
    const pending = readdirSync(join(scratch, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    expect(pending.length).toBeGreaterThan(0);
    // Which package each pending changeset bumps, and how (the front matter).
    const bumps = new Map<string, string>();
    const rank = { patch: 0, minor: 1, major: 2 } as Record<string, number>;
    for (const file of pending) {
      const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(scratch, '.changeset', file), 'utf8'))![1]!;
      for (const [, name, kind] of front.matchAll(/^['"]?([^'":]+)['"]?:\s*(patch|minor|major)\s*$/gm)) {
        if ((rank[kind!] ?? -1) > (rank[bumps.get(name!) ?? ''] ?? -1)) bumps.set(name!, kind!);
      }
    }
    const before = new Map(workspacePackages().map((p) => [p.name, p.version]));
    execFileSync(join(ROOT, 'node_modules', '.bin', 'changeset'), ['version'], { cwd: scratch, stdio: 'pipe', env: { ...process.env, CI: '1' } });
    for (const pkg of workspacePackages()) {
      const after = JSON.parse(readFileSync(join(scratch, pkg.relDir, 'package.json'), 'utf8')).version as string;
      const kind = bumps.get(pkg.name);
      if (pkg.manifest.private) {
        expect(after, `${pkg.name} (private) keeps its version`).toBe(before.get(pkg.name));
        continue;
      }
      if (!kind) continue;
      const [major, minor, patch] = before.get(pkg.name)!.split('.').map(Number) as [number, number, number];
      // 0.x: changesets bumps as asked (a minor gives 0.(x+1).0), never to 1.0.0 on its own.
      const expected = kind === 'major' ? `${major + 1}.0.0` : kind === 'minor' ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
      expect(after, pkg.name).toBe(expected);
      const changelog = readFileSync(join(scratch, pkg.relDir, 'CHANGELOG.md'), 'utf8');
      expect(changelog, pkg.name).toContain(`# ${pkg.name}\n\n## ${expected}`);
    }
    expect(readdirSync(join(scratch, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md')).toEqual([]);
  });
});
