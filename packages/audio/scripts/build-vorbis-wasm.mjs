// Builds the package's Ogg Vorbis decoder: native/vorbis-decoder.c with libvorbis 1.3.7 and libogg
// 1.3.5 (their release tarballs, as Debian mirrors them, checked against pinned SHA-256s), compiled
// to WebAssembly by Debian bookworm's emscripten 3.1.6, and writes it, base64, into
// src/vorbis/vorbis-wasm-bytes.ts, which is checked in: users and CI need no toolchain. Needs
// `apt-get install emscripten` and the network (the two tarballs); run after editing the C:
//
//   node packages/audio/scripts/build-vorbis-wasm.mjs          # rewrite vorbis-wasm-bytes.ts
//   node packages/audio/scripts/build-vorbis-wasm.mjs --check  # exit 1 if it is out of date
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EMSCRIPTEN = '3.1.6';
const SOURCES = [
  {
    name: 'libogg-1.3.5',
    url: 'http://deb.debian.org/debian/pool/main/libo/libogg/libogg_1.3.5.orig.tar.xz',
    sha256: 'c4d91be36fc8e54deae7575241e03f4211eb102afb3fc0775fbbc1b740016705',
  },
  {
    name: 'libvorbis-1.3.7',
    url: 'http://deb.debian.org/debian/pool/main/libv/libvorbis/libvorbis_1.3.7.orig.tar.gz',
    sha256: '0e982409a9c3fc82ee06e08205b1355e5c6aa4c36bca58146ef399621b0ce5ab',
  },
];
// Decoding needs the bit reader of libogg and libvorbis's synthesis side; block.c also refers to
// the analysis side (envelope, psy, lpc, bitrate), which the linker then drops as unused.
const LIBOGG_FILES = ['bitwise.c'];
const LIBVORBIS_FILES = [
  'analysis.c', 'bitrate.c', 'block.c', 'codebook.c', 'envelope.c', 'floor0.c', 'floor1.c', 'info.c', 'lpc.c', 'lsp.c',
  'mapping0.c', 'mdct.c', 'psy.c', 'registry.c', 'res0.c', 'sharedbook.c', 'smallft.c', 'synthesis.c', 'window.c',
];
const EXPORTS = ['create', 'input', 'header', 'start', 'channels', 'rate', 'channel', 'errors', 'decode', 'destroy'];
// -O3 and link-time optimisation (libogg's bit reader inlined into libvorbis's Huffman decoder):
// 0.505 → 0.470 s of CPU per 4-minute song. No SIMD: clang's auto-vectorised float loops gave
// different samples (checked), and the output must stay the bits libvorbis gives everywhere else.
const FLAGS = ['-O3', '-flto', '--no-entry', '-sSTANDALONE_WASM', '-sALLOW_MEMORY_GROWTH', '-sFILESYSTEM=0', '-sTOTAL_STACK=1MB'];

// One change to libvorbis, for speed only. Its Huffman decoder looks the next bits up in a table
// of 2^n entries and binary-searches the sorted codewords when the code is longer than n bits;
// upstream sizes n from the book's entry count (5 to 8). Sizing it from the longest codeword (5 to
// 10) makes nearly every lookup direct: 0.470 → 0.375 s per 4-minute song. The decoded entries are
// the same: a prefix code has one codeword matching the bits, the table only holds shortcuts to
// it, and the search it falls back on is unchanged (tests compare every sample with the library's).
const SHAREDBOOK_PATCH = {
  file: join('lib', 'sharedbook.c'),
  from:
    '      c->dec_firsttablen=ov_ilog(c->used_entries)-4; /* this is magic */\n' +
    '      if(c->dec_firsttablen<5)c->dec_firsttablen=5;\n' +
    '      if(c->dec_firsttablen>8)c->dec_firsttablen=8;\n',
  to:
    '      c->dec_firsttablen=c->dec_maxlength; /* Refractor: direct lookups (scripts/build-vorbis-wasm.mjs) */\n' +
    '      if(c->dec_firsttablen<5)c->dec_firsttablen=5;\n' +
    '      if(c->dec_firsttablen>10)c->dec_firsttablen=10;\n',
};

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(packageDir, 'src', 'vorbis', 'vorbis-wasm-bytes.ts');

const version = execFileSync('emcc', ['--version'], { encoding: 'utf8', env: emccEnv() }).split('\n')[0];
if (!version.includes(` ${EMSCRIPTEN} `)) {
  console.error(`expected emscripten ${EMSCRIPTEN} (Debian bookworm's), got: ${version}`);
  process.exit(1);
}

const scratch = mkdtempSync(join(tmpdir(), 'vorbis-wasm-'));
let stale = false;
try {
  for (const source of SOURCES) {
    const response = await fetch(source.url);
    if (!response.ok) throw new Error(`${source.url}: HTTP ${response.status}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== source.sha256) throw new Error(`${source.url}: SHA-256 ${sha256}, expected ${source.sha256}`);
    const archive = join(scratch, source.url.split('/').pop());
    writeFileSync(archive, bytes);
    execFileSync('tar', ['-xf', archive, '-C', scratch]);
  }
  const ogg = join(scratch, 'libogg-1.3.5');
  const vorbis = join(scratch, 'libvorbis-1.3.7');
  const patched = join(vorbis, SHAREDBOOK_PATCH.file);
  const original = readFileSync(patched, 'utf8');
  if (!original.includes(SHAREDBOOK_PATCH.from)) throw new Error(`${SHAREDBOOK_PATCH.file}: the lines to patch are not there`);
  writeFileSync(patched, original.replace(SHAREDBOOK_PATCH.from, SHAREDBOOK_PATCH.to));
  // What libogg's configure would write for a target with <stdint.h>.
  const generated = join(scratch, 'include', 'ogg');
  mkdirSync(generated, { recursive: true });
  writeFileSync(
    join(generated, 'config_types.h'),
    '#ifndef __CONFIG_TYPES_H__\n#define __CONFIG_TYPES_H__\n#include <stdint.h>\n' +
      'typedef int16_t ogg_int16_t;\ntypedef uint16_t ogg_uint16_t;\ntypedef int32_t ogg_int32_t;\n' +
      'typedef uint32_t ogg_uint32_t;\ntypedef int64_t ogg_int64_t;\ntypedef uint64_t ogg_uint64_t;\n#endif\n',
  );
  const wasm = join(scratch, 'vorbis-decoder.wasm');
  execFileSync(
    'emcc',
    [
      ...FLAGS,
      `-I${join(scratch, 'include')}`,
      `-I${join(ogg, 'include')}`,
      `-I${join(vorbis, 'include')}`,
      `-I${join(vorbis, 'lib')}`,
      ...LIBOGG_FILES.map((file) => join(ogg, 'src', file)),
      ...LIBVORBIS_FILES.map((file) => join(vorbis, 'lib', file)),
      join(packageDir, 'native', 'vorbis-decoder.c'),
      `-sEXPORTED_FUNCTIONS=${EXPORTS.map((name) => `_vd_${name}`).join(',')}`,
      '-o',
      wasm,
    ],
    { stdio: 'inherit', cwd: scratch, env: emccEnv() },
  );
  const bytes = readFileSync(wasm);
  const lines = bytes.toString('base64').match(/.{1,100}/g).map((line) => `  '${line}'`).join(' +\n');
  const text =
    `// Generated by scripts/build-vorbis-wasm.mjs from native/vorbis-decoder.c, libvorbis 1.3.7 (one speed patch)\n` +
    `// and libogg 1.3.5 ` +
    `(emscripten ${EMSCRIPTEN}, ${FLAGS.join(' ')}): do not edit.\n` +
    `/** The compiled Ogg Vorbis decoder, base64 (${bytes.length} bytes). */\n` +
    `export const VORBIS_WASM_BASE64 =\n${lines};\n`;
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {}
    stale = current !== text;
    console[stale ? 'error' : 'log'](stale ? `${target} is out of date: run node packages/audio/scripts/build-vorbis-wasm.mjs` : 'vorbis-wasm-bytes.ts is up to date');
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    console.log(`wrote ${target} (${bytes.length} bytes of WebAssembly)`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (stale) process.exit(1);

/** Debian's emcc runs its JS tools with the system Node and needs Debian's Node modules. */
function emccEnv() {
  return { ...process.env, NODE_PATH: '/usr/share/nodejs' };
}
