/**
 * The consumer test: what a user gets from npm. Packs every public package
 * (`pnpm pack`, so `workspace:` ranges become versions; from the dist/ that
 * `pnpm test` builds first — the release flow's prepack build is skipped here), installs the tarballs with npm into a fresh project outside the
 * workspace (no links, no hoisting tricks), then uses them as a user would:
 * ESM and CommonJS programs, the `refractor` bin, every README's tested
 * example, a Vite app on @refractor/web, and a browser bundle of @refractor/core.
 *
 * Third-party dependencies come from the npm registry (npm's cache makes
 * reruns fast); when the registry cannot be reached the suite is skipped, saying so.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeExamplesOf } from '../lib/readme-examples.mjs';
import { ROOT, packPackages, publicPackagesInOrder } from '../lib/workspace-packages.mjs';

const CLIP = join(ROOT, 'examples', 'clip.ogg');

async function registryReachable(): Promise<boolean> {
  try {
    const response = await fetch('https://registry.npmjs.org/-/ping', { signal: AbortSignal.timeout(15_000) });
    return response.ok;
  } catch {
    return false;
  }
}

const online = await registryReachable();
if (!online) console.warn('consumer test SKIPPED: the npm registry (https://registry.npmjs.org) cannot be reached, so the tarballs\' third-party dependencies cannot be installed.');

/**
 * The environment for npm and the programs: no npm/pnpm settings inherited from a `pnpm test`
 * run, and no NODE_PATH (pnpm's bin shims point it at the workspace's node_modules/.pnpm, which
 * would let a program find workspace packages its tarballs never declared).
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|PNPM_|NODE_PATH$|NODE_OPTIONS$)/i.test(key)));
  return { ...env, ONNXRUNTIME_NODE_INSTALL: 'skip', NO_COLOR: '1', ...extra };
}

/** Runs a command in `cwd`; returns stdout; on failure throws with its stdout and stderr. */
function sh(command: string, args: string[], cwd: string, env = cleanEnv()): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** What two scorings must agree on (the settings record differs only in where the models are). */
const essence = (song: { predicted_color: string; predicted_color_by_probs: string; chunks: unknown[] }) => ({
  predicted_color: song.predicted_color,
  predicted_color_by_probs: song.predicted_color_by_probs,
  chunks: song.chunks,
});

const SCORE_PROGRAM = (importLine: string) => `${importLine}
(async () => {
  const refractor = await Refractor.load({ models: 'tiny' });
  const song = await refractor.scoreFile('clip.ogg', { concept: 'A song about forgetting the future', target: 'Indigo' });
  await refractor.close();
  process.stdout.write(JSON.stringify(song));
})().catch((error) => { console.error(error); process.exit(1); });
`;

describe.skipIf(!online)('installed from the packed tarballs, outside the workspace', () => {
  let work: string;
  let app: string;
  let tarballs: Map<string, string>;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'refractor-consumer-'));
    // Packed from the built dist/ (`pnpm test` builds first): running prepack here would rebuild
    // dist/ while other test files read it.
    tarballs = packPackages(join(work, 'tarballs'), publicPackagesInOrder(), { runScripts: false });
    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'refractor-consumer', version: '0.0.0', private: true }, null, 2));
    copyFileSync(CLIP, join(app, 'clip.ogg'));
    // --ignore-scripts: onnxruntime-node's postinstall only fetches optional CUDA files.
    sh('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...tarballs.values()], app);
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  let esmSong: { predicted_color: string; predicted_color_by_probs: string; chunks: unknown[]; settings: Record<string, unknown> };

  it('(1) an ESM program imports @refractor/node and scores examples/clip.ogg with the tiny models, as the workspace build does', async () => {
    writeFileSync(join(app, 'score.mjs'), SCORE_PROGRAM("import { Refractor } from '@refractor/node';"));
    esmSong = JSON.parse(sh(process.execPath, ['score.mjs'], app));
    expect(esmSong.chunks.length).toBeGreaterThan(0);
    expect(esmSong.settings.models).toBe('tiny');
    // An independent reference: the workspace's own build of the scorer, on the same file.
    const workspace = await import(join(ROOT, 'packages', 'node', 'dist', 'index.js'));
    const refractor = await workspace.Refractor.load({ models: 'tiny' });
    const reference = await refractor.scoreFile(CLIP, { concept: 'A song about forgetting the future', target: 'Indigo' });
    await refractor.close();
    expect(essence(esmSong)).toEqual(essence(JSON.parse(JSON.stringify(reference))));
  });

  it('(2) a CommonJS program require()s @refractor/node and gets the same result', () => {
    writeFileSync(join(app, 'score.cjs'), SCORE_PROGRAM("const { Refractor } = require('@refractor/node');"));
    const song = JSON.parse(sh(process.execPath, ['score.cjs'], app));
    expect(essence(song)).toEqual(essence(esmSong));
  });

  it('(3) the installed `refractor` bin scores with --models tiny and prints --help', () => {
    const bin = join(app, 'node_modules', '.bin', 'refractor');
    const out = JSON.parse(sh(bin, ['score', 'clip.ogg', '--models', 'tiny', '--format', 'json', '--concept', 'A song about forgetting the future', '--target', 'Indigo'], app));
    const song = Array.isArray(out) ? out[0] : out;
    expect(song.predicted_color_by_probs).toBe(esmSong.predicted_color_by_probs);
    const help = sh(bin, ['--help'], app);
    expect(help).toMatch(/Usage: refractor/);
    expect(help).toMatch(/\bscore\b/);
  });

  it('the installed @refractor/tiny-models holds every file of the manifest\'s tiny set, with its size and SHA-256', async () => {
    const core = await import(join(ROOT, 'packages', 'core', 'dist', 'index.js'));
    const set = core.BUNDLED_MANIFEST.sets.tiny;
    const dir = join(app, 'node_modules', '@refractor', 'tiny-models');
    const roles: string[] = core.modelSetRoles(set);
    expect(roles.length).toBeGreaterThanOrEqual(8);
    for (const role of roles) {
      const bytes = readFileSync(join(dir, core.modelFileLocalPath(role)));
      expect({ role, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({ role, size: set.files[role].size, sha256: set.files[role].sha256 });
    }
  });

  it("without @refractor/tiny-models installed, models: 'tiny' says which package to install", () => {
    const installed = join(app, 'node_modules', '@refractor', 'tiny-models');
    const hidden = join(app, 'node_modules', '@refractor', '.tiny-models-hidden');
    renameSync(installed, hidden);
    try {
      const probe = "import('@refractor/node').then(({ Refractor }) => Refractor.load({ models: 'tiny', offline: true })).then((r) => console.log('loaded ' + JSON.stringify(r.modelSet)), (e) => console.log(e.name + ': ' + e.message))";
      const out = sh(process.execPath, ['-e', probe], app);
      expect(out).toMatch(/^ModelStoreError: The "tiny" model set ships in the @refractor\/tiny-models package, which is not installed\. Run `npm install @refractor\/tiny-models`/);
    } finally {
      renameSync(hidden, installed);
    }
  });

  it('@refractor/queue imports from its tarball with its job client and its worker subpath (its README example needs Redis: packages/queue/test runs it)', () => {
    const probe =
      "Promise.all([import('@refractor/queue'), import('@refractor/queue/worker')]).then(([q, w]) => console.log([typeof q.RefractorQueue, typeof q.songBatch, typeof q.jobIdFor, typeof q.startWorker, typeof w.startWorker].join(' ')), (e) => console.log(e.name + ': ' + e.message))";
    expect(sh(process.execPath, ['-e', probe], app).trim()).toBe('function function function undefined function');
  });

  it("every README's tested example runs against the installed packages", () => {
    const ran: string[] = [];
    for (const pkg of publicPackagesInOrder()) {
      readmeExamplesOf(join(pkg.dir, 'README.md')).forEach((example, i) => {
        const where = `${pkg.relDir}/README.md:${example.line}`;
        if (pkg.name === '@refractor/web') return; // a browser example: the Vite app below bundles it
        if (pkg.name === '@refractor/queue') return; // needs a Redis server: packages/queue/test/readme.test.ts starts one and runs it
        if (example.lang === 'sh') {
          sh('bash', ['-euo', 'pipefail', '-c', example.code], app, cleanEnv({ PATH: `${join(app, 'node_modules', '.bin')}:${process.env.PATH}` }));
        } else {
          // TypeScript examples: types stripped (no type checking here), run as ES modules.
          const js = ts.transpileModule(example.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
          const file = `readme-${pkg.name.split('/')[1]}-${i}.mjs`;
          writeFileSync(join(app, file), js);
          try {
            sh(process.execPath, [file], app);
          } catch (error) {
            throw new Error(`${where}: ${(error as Error).message}`);
          }
        }
        ran.push(where);
      });
    }
    expect(ran).toEqual(expect.arrayContaining(['packages/core/README.md', 'packages/audio/README.md', 'packages/node/README.md', 'packages/cli/README.md', 'packages/train/README.md', 'packages/server/README.md', 'models/tiny/README.md'].map((r) => expect.stringContaining(r))));
  });

  /** Builds a Vite app whose entry is `main`; returns the ids of the modules in the bundle and Vite's output. */
  function viteBuild(name: string, main: string): { modules: string[]; log: string; js: string } {
    const dir = join(app, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><input type="file"><script type="module" src="./main.ts"></script>\n');
    writeFileSync(join(dir, 'main.ts'), main);
    writeFileSync(
      join(dir, 'vite.config.mjs'),
      `import { existsSync, readFileSync, writeFileSync } from 'node:fs';
// Records the ids of every module in the output, the worker's bundle included.
const recordModules = () => ({
  name: 'record-modules',
  generateBundle(_options, bundle) {
    const ids = Object.values(bundle).flatMap((file) => (file.type === 'chunk' ? Object.keys(file.modules) : []));
    const seen = existsSync('modules.json') ? JSON.parse(readFileSync('modules.json', 'utf8')) : [];
    writeFileSync('modules.json', JSON.stringify([...seen, ...ids]));
  },
});
export default {
  logLevel: 'info',
  build: { outDir: 'dist', target: 'es2022', minify: false },
  worker: { format: 'es', plugins: () => [recordModules()] },
  plugins: [recordModules()],
};
`,
    );
    // The workspace's Vite builds it; every import resolves from the app's own node_modules.
    const vite = join(ROOT, 'packages', 'web', 'node_modules', 'vite', 'bin', 'vite.js');
    const result = spawnSync(process.execPath, [vite, 'build'], { cwd: dir, env: cleanEnv(), encoding: 'utf8' });
    const log = `${result.stdout}\n${result.stderr}`;
    if (result.status !== 0) throw new Error(`vite build of ${name} failed:\n${log}`);
    const modules = JSON.parse(readFileSync(join(dir, 'modules.json'), 'utf8')) as string[];
    const js = execFileSync('bash', ['-c', 'cat dist/assets/*.js'], { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    expect(modules.length).toBeGreaterThan(0);
    return { modules, log, js };
  }

  /** The npm package a bundled module comes from (`onnxruntime-web`, `@refractor/core`), or its id for non-package modules. */
  const packageOf = (id: string): string => {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id.split('\\').join('/'));
    return match ? match[1]! : id;
  };

  it('(4) a Vite app importing @refractor/web (its README example) builds, and the bundle holds no Node-only module', () => {
    const example = readmeExamplesOf(join(ROOT, 'packages', 'web', 'README.md'))[0]!;
    const { modules, log, js } = viteBuild('web-app', `${example.code}\nexport {};\n`);
    const packages = new Set(modules.map(packageOf));
    expect(packages).toContain('@refractor/web');
    expect(packages).toContain('onnxruntime-web');
    const nodeOnly = modules.filter((id) => /__vite-browser-external|^node:|onnxruntime-node|@refractor\/node\b|@refractor\/audio\/dist\/node\.js|worker_threads|child_process/.test(id));
    expect(nodeOnly).toEqual([]);
    expect(log).not.toMatch(/externalized for browser compatibility/);
    // And nothing Node-only reached the output by another route (a require of a built-in, onnxruntime-node).
    // onnxruntime-web's own bundles hold one Node branch that a browser never takes (guarded by
    // `typeof navigator === 'undefined'`, as packages/web/test/bundle.test.ts notes); only that exact shape is tolerated.
    const guarded = /typeof navigator\s*(?:>|===?)\s*["'`]u(?:ndefined)?["'`]\s*\?\s*[\w$]+\(\s*["'`]node:os["'`]\s*\)\.cpus\(\)\.length/g;
    const forbidden = /require\(\s*["'](fs|path|os|worker_threads|child_process)["']\s*\)|onnxruntime-node|["']node:[a-z_/]+["']/g;
    const cleaned = js.replace(guarded, '/* guarded */');
    const offences = [...cleaned.matchAll(forbidden)].map((m) => cleaned.slice(Math.max(0, m.index - 60), m.index + 60));
    expect(offences).toEqual([]);
  });

  it('(5) a browser bundle of @refractor/core alone holds no onnxruntime runtime, only onnxruntime-common', () => {
    const { modules } = viteBuild('core-app', "import * as core from '@refractor/core';\nconsole.log(Object.keys(core).length, core.BUNDLED_MANIFEST.version);\n");
    const packages = [...new Set(modules.map(packageOf).filter((p) => !p.startsWith('/') && !p.startsWith('\0')))].sort();
    expect(packages).toContain('@refractor/core');
    expect(packages.filter((p) => p !== '@refractor/core' && p !== 'onnxruntime-common')).toEqual([]);
  });
});
