import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built library (dist/) and demo (dist-demo/) must run in browsers: no
// Node-only module may be bundled in or imported. `pnpm test` builds first.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const jsFiles = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.m?js$/.test(f)).map((f) => join(dir, f)) : [];

/** Patterns that mean Node-only code got in, with what each catches. */
const FORBIDDEN: [RegExp, string][] = [
  [/["'`]node:[a-z_/]+["'`]/, 'a node: import'],
  [/\brequire\(\s*["'`](fs|fs\/promises|path|os|child_process|worker_threads|module|url)["'`]\s*\)/, 'require() of a Node built-in'],
  [/\bfrom\s*["'`](fs|fs\/promises|path|os|child_process|worker_threads|module)["'`]/, 'an import of a Node built-in'],
  [/\bimport\(\s*["'`](fs|fs\/promises|path|os|child_process|worker_threads|module)["'`]\s*\)/, 'a dynamic import of a Node built-in'],
  [/worker_threads/, 'worker_threads'],
  [/child_process/, 'child_process'],
  [/onnxruntime-node/, 'onnxruntime-node'],
  [/@refractor\/node\b/, '@refractor/node'],
  [/@refractor\/audio\/node\b/, '@refractor/audio/node'],
  // Markers of @refractor/audio/node and @refractor/node bundled in rather than imported.
  [/\bsongChunkFeaturesInWorker\b|\bopenAudioFile\b/, "@refractor/audio/node's file/worker-thread helpers"],
  [/\bresolveModelSet\b|\bcreateNodeBackend\b/, "@refractor/node's store/runtime"],
];

/**
 * Node branches inside onnxruntime-web's own browser bundle, never taken in a
 * browser (guarded by `typeof navigator === 'undefined'`), and not reached at
 * all by us (we always set `env.wasm.numThreads`). Only these exact shapes are
 * tolerated; anything else Node-ish still fails.
 */
const ORT_GUARDED_NODE_BRANCHES = [/typeof navigator\s*(?:>|===?)\s*["'`]u(?:ndefined)?["'`]\s*\?\s*[\w$]+\(\s*["'`]node:os["'`]\s*\)\.cpus\(\)\.length/g];

function offences(files: string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    let text = readFileSync(file, 'utf8');
    for (const allowed of ORT_GUARDED_NODE_BRANCHES) text = text.replace(allowed, '/* ORT guarded node branch */');
    for (const [pattern, what] of FORBIDDEN) {
      const match = pattern.exec(text);
      if (match) found.push(`${file.slice(root.length + 1)}: ${what} (${JSON.stringify(text.slice(Math.max(0, match.index - 40), match.index + 60))})`);
    }
  }
  return found;
}

describe('@refractor/web bundles are browser-only', () => {
  it('the library dist has no Node-only modules', () => {
    const files = jsFiles(join(root, 'dist'));
    expect(files.map((f) => f.slice(root.length + 1))).toEqual(expect.arrayContaining(['dist/index.js', 'dist/worker.js']));
    expect(offences(files)).toEqual([]);
  });

  it('the demo build has no Node-only modules', () => {
    const files = jsFiles(join(root, 'dist-demo', 'assets'));
    expect(files.length).toBeGreaterThan(0);
    expect(offences(files)).toEqual([]);
  });

  it('the demo build ships ORT wasm locally and the tiny model set', () => {
    for (const file of [
      'ort/ort-wasm-simd-threaded.wasm',
      'ort/ort-wasm-simd-threaded.mjs',
      'ort/ort-wasm-simd-threaded.asyncify.wasm',
      'ort/ort-wasm-simd-threaded.asyncify.mjs',
      'models/tiny/refractor_cdm.onnx',
      'models/tiny/clap/onnx/audio_model.onnx',
      'index.html',
    ]) {
      expect(existsSync(join(root, 'dist-demo', file)), file).toBe(true);
    }
    // No CDN: nothing points ORT at jsdelivr/unpkg.
    const js = jsFiles(join(root, 'dist-demo', 'assets')).map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(js).not.toMatch(/cdn\.jsdelivr\.net\/npm\/onnxruntime-web/);
  });

  it('the source imports no Node-only package', () => {
    const src = join(root, 'src');
    const sources = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const bad = sources.filter((f) => /from\s+["'](node:|@refractor\/node|@refractor\/audio\/node|onnxruntime-node)/.test(readFileSync(join(src, f), 'utf8')));
    expect(bad).toEqual([]);
  });
});
