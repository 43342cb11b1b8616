import { createReadStream, cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, defaultClientConditions, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
/** onnxruntime-web's dist/ (its package.json is not exported, so resolve the CommonJS entry). */
const ortDist = dirname(require.resolve('onnxruntime-web'));
/** The repo's model sets (models/tiny), served in dev and copied into the demo build. */
const modelsDir = resolve(here, '../../models');

/**
 * The ORT runtime files the demo loads from `<page>/ort/` (never a CDN): the
 * plain SIMD+threads build for WASM, the asyncify build for WebGPU, each a
 * `.wasm` and the `.mjs` loader that instantiates it.
 */
export const ORT_FILES = [
  'ort-wasm-simd-threaded.wasm',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
  'ort-wasm-simd-threaded.asyncify.mjs',
];

const TYPES: Record<string, string> = {
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
};

/** Cross-origin isolation, so ORT may use threads (SharedArrayBuffer). */
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

function refractorAssets(): Plugin {
  let outDir = '';
  const serveFrom = (root: string, relative: string) => {
    const file = normalize(join(root, decodeURIComponent(relative)));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) return undefined;
    return file;
  };
  return {
    name: 'refractor-demo-assets',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0]!;
        let file: string | undefined;
        if (path.startsWith('/ort/') && ORT_FILES.includes(path.slice(5))) file = join(ortDist, path.slice(5));
        else if (path.startsWith('/models/tiny/')) file = serveFrom(join(modelsDir, 'tiny'), path.slice('/models/tiny/'.length));
        if (!file) return next();
        res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
        res.setHeader('Content-Length', String(statSync(file).size));
        for (const [k, v] of Object.entries(ISOLATION)) res.setHeader(k, v);
        createReadStream(file).pipe(res);
      });
    },
    writeBundle() {
      mkdirSync(join(outDir, 'ort'), { recursive: true });
      for (const name of ORT_FILES) cpSync(join(ortDist, name), join(outDir, 'ort', name));
      // models/tiny is also the @refractor/tiny-models package: copy the set, not a node_modules/ pnpm may create there.
      cpSync(join(modelsDir, 'tiny'), join(outDir, 'models', 'tiny'), { recursive: true, filter: (path) => !path.split(sep).includes('node_modules') });
    },
  };
}

/**
 * audio-decode registers lazy imports of ~25 codec packages; @refractor/audio
 * uses only these (WAV has its own reader). The others (some not even
 * installed) become a stub that throws, so the build neither fails on them nor
 * ships them.
 */
const USED_DECODERS = new Set(['aiff', 'mp3', 'flac', 'vorbis', 'opus', 'mp4', 'aac'].map((c) => `@audio/decode-${c}`));
function onlyUsedDecoders(): Plugin {
  const PREFIX = '\0refractor-unused-decoder:';
  return {
    name: 'refractor-only-used-decoders',
    enforce: 'pre',
    resolveId(id) {
      if (/^@audio\/decode-[\w-]+$/.test(id) && !USED_DECODERS.has(id)) return PREFIX + id;
      return null;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const name = JSON.stringify(id.slice(PREFIX.length));
      return `const fail = () => { throw new Error(${name} + ' is not part of the Refractor web build'); };\nexport default fail;\nexport const decode = fail;\n`;
    },
  };
}

// Resolve onnxruntime-web to its non-bundled entries, which load the wasm and its
// .mjs loader from `env.wasm.wasmPaths` (our ort/ folder) instead of inlining them.
const conditions = ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions];

export default defineConfig({
  root: resolve(here, 'demo'),
  // Relative asset URLs: dist-demo can be served from any path.
  base: './',
  resolve: { conditions },
  worker: { format: 'es', plugins: () => [onlyUsedDecoders()] },
  build: {
    outDir: resolve(here, 'dist-demo'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
  server: { headers: ISOLATION, fs: { allow: [resolve(here, '../..')] } },
  preview: { headers: ISOLATION },
  plugins: [onlyUsedDecoders(), refractorAssets()],
});
