import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { NpzFormatError, buildNpyHeader, encodeNpy, parseNpy, readEmbeddings, readNpz, writeEmbeddings, writeNpz, type NpyArray } from '../src/index.js';

const work = mkdtempSync(join(tmpdir(), 'refractor-npz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// NumPy is the reference implementation: where python3 and numpy exist the
// files are checked from both sides; elsewhere those tests are skipped (and
// the committed fixture still covers reading files NumPy wrote).
const HAS_NUMPY = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const NUMPY = HAS_NUMPY ? 'with numpy' : 'SKIPPED: python3 with numpy not found on this machine';

function python(script: string): string {
  const run = spawnSync('python3', ['-c', script], { cwd: work, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python failed:\n${run.stderr}`);
  return run.stdout;
}

const floats = (shape: number[], seed = 1) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'float32' as const, shape, data: Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * seed) * 3.5)) };
};
const strings = (data: string[]): NpyArray => ({ dtype: 'unicode', shape: [data.length], data });
const SONG_IDS = ['a', 'longer-song-id', 'canção-ß', '😀 emoji', ''];

describe('npy', () => {
  it('writes headers as NumPy does: v1.0, 64-byte aligned, ending in a newline', () => {
    const header = buildNpyHeader('<f4', [3, 512]);
    expect(header.length % 64).toBe(0);
    expect(new TextDecoder().decode(header.subarray(10)).trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 512), }");
    expect(header.at(-1)).toBe(0x0a);
    expect(new TextDecoder().decode(buildNpyHeader('<U4', [7]))).toContain("'shape': (7,)");
  });

  it('round-trips float32 and unicode arrays, including 0-d and empty ones', () => {
    for (const array of [floats([3, 4]), floats([2, 3, 5]), floats([]), floats([0, 512]), strings(SONG_IDS), strings([])]) {
      expect(parseNpy(encodeNpy(array))).toEqual(array);
    }
  });

  it('encodes strings as <U{longest, in code points}', () => {
    const bytes = encodeNpy(strings(['Red', 'Indigo', '😀']));
    const headerLength = buildNpyHeader('<U6', [3]).length;
    expect(new TextDecoder().decode(bytes.subarray(0, headerLength))).toContain("'descr': '<U6'");
    expect(bytes.length - headerLength).toBe(3 * 6 * 4);
  });

  it('reads big-endian floats, |S bytes and Fortran-order arrays', () => {
    const be = new Uint8Array([...buildNpyHeader('>f4', [2]), 0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0]);
    expect(parseNpy(be)).toEqual({ dtype: 'float32', shape: [2], data: Float32Array.of(1, -2) });
    const s = new Uint8Array([...buildNpyHeader('|S3', [2]), ...new TextEncoder().encode('ab\0xyz')]);
    expect(parseNpy(s)).toEqual(strings(['ab', 'xyz']));
    // Fortran order: column-major on disk; [[0, 1, 2], [3, 4, 5]] is stored 0 3 1 4 2 5.
    const header = buildNpyHeader('<f4', [2, 3]);
    const at = new TextDecoder('latin1').decode(header).indexOf('False');
    header.set(new TextEncoder().encode('True '), at);
    const fortran = new Uint8Array([...header, ...new Uint8Array(Float32Array.of(0, 3, 1, 4, 2, 5).buffer)]);
    expect(Array.from((parseNpy(fortran).data as Float32Array))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('rejects what it cannot read, naming the array and what was expected', () => {
    const f8 = new Uint8Array([...buildNpyHeader('<f8', [1]), ...new Uint8Array(8)]);
    expect(() => parseNpy(f8, 'x.npz: clap_embs')).toThrow(/x\.npz: clap_embs: unsupported dtype <f8; expected float32.*astype\(np\.float32\)/);
    const object = new Uint8Array([...buildNpyHeader('|O', [1]), 0x80]);
    expect(() => parseNpy(object, 'x.npz: song_ids')).toThrow(/song_ids: dtype \|O .*pickle/);
    expect(() => parseNpy(new TextEncoder().encode('hello, world'), 'a.npy')).toThrow(/a\.npy: not a \.npy file/);
    const truncated = encodeNpy(floats([2, 2])).subarray(0, buildNpyHeader('<f4', [2, 2]).length + 12);
    expect(() => parseNpy(truncated, 'b.npy')).toThrow(/b\.npy: truncated data: 12 bytes for shape \(2, 2\) of <f4; expected 16/);
    expect(() => encodeNpy({ dtype: 'float32', shape: [2, 3], data: new Float32Array(5) }, 'x')).toThrow(/x: 5 values for shape \(2, 3\); expected 6/);
  });
});

describe('npz', () => {
  it('round-trips stored and deflated archives, byte for byte reproducibly', () => {
    const arrays = { clap_embs: floats([4, 512]), colors: strings(['Red', 'Red', 'Indigo', 'Violet']), ids: strings(SONG_IDS) };
    for (const compress of [false, true]) {
      const bytes = writeNpz(arrays, { compress });
      expect(readNpz(bytes)).toEqual(arrays);
      expect(writeNpz(arrays, { compress })).toEqual(bytes);
    }
    expect(writeNpz(arrays, { compress: true }).length).toBeLessThan(writeNpz(arrays).length);
  });

  it('rejects bad archives, naming the file and the member', () => {
    expect(() => readNpz(new TextEncoder().encode('not a zip'), 'bad.npz')).toThrow(NpzFormatError);
    expect(() => readNpz(new TextEncoder().encode('not a zip'), 'bad.npz')).toThrow(/^bad\.npz: not a readable \.npz/);
    const badMember = zipSync({ 'x.npy': new TextEncoder().encode('junk') });
    expect(() => readNpz(badMember, 'm.npz')).toThrow(/m\.npz: x: not a \.npy file/);
  });
});

describe('embeddings', () => {
  const cache = {
    clapEmbs: floats([3, 512]).data,
    conceptEmbs: new Float32Array(3 * 768).fill(0.25, 0, 2 * 768),
    colors: ['Red', 'Red', 'Blue'],
    songIds: ['s1', 's1', 's2'],
  };

  it('round-trips the training cache', () => {
    expect(readEmbeddings(writeEmbeddings(cache), 'cache.npz')).toEqual(cache);
  });

  it('reads the committed file written by NumPy (the original tool wrote these with np.savez)', () => {
    // Generated once with numpy 2.4:
    //   clap = (np.arange(3 * 512, dtype=np.float32).reshape(3, 512) / 1024).astype(np.float32)
    //   concept = np.zeros((3, 768), dtype=np.float32); concept[:2] = np.linspace(-1, 1, 768, dtype=np.float32)
    //   np.savez('original-embeddings.npz', clap_embs=clap, concept_embs=concept,
    //            colors=np.array(['Red', 'Red', 'Indigo']), song_ids=np.array(['song-a', 'song-a', 'canção-b']))
    const path = join(import.meta.dirname, 'fixtures', 'original-embeddings.npz');
    const original = readEmbeddings(readFileSync(path), path);
    expect(original.colors).toEqual(['Red', 'Red', 'Indigo']);
    expect(original.songIds).toEqual(['song-a', 'song-a', 'canção-b']);
    expect(original.clapEmbs).toEqual(Float32Array.from({ length: 3 * 512 }, (_, i) => i / 1024));
    expect(original.conceptEmbs[0]).toBe(-1);
    expect(original.conceptEmbs[767]).toBe(1);
    expect(original.conceptEmbs.subarray(768, 2 * 768)).toEqual(original.conceptEmbs.subarray(0, 768));
    expect(original.conceptEmbs.subarray(2 * 768).every((v) => v === 0)).toBe(true);
  });

  it('names missing keys, wrong shapes and disagreeing row counts', () => {
    const { colors: _colors, ...noColors } = { clap_embs: floats([3, 512]), concept_embs: floats([3, 768]), colors: strings(['a', 'b', 'c']), song_ids: strings(['a', 'b', 'c']) };
    expect(() => readEmbeddings(writeNpz(noColors), 'e.npz')).toThrow(/e\.npz: missing colors; expected the arrays clap_embs, concept_embs, colors and song_ids \(found clap_embs, concept_embs, song_ids\)/);
    expect(() => readEmbeddings(writeNpz({ ...noColors, colors: strings(['a', 'b', 'c']), clap_embs: floats([3, 256]) }), 'e.npz')).toThrow(
      /e\.npz: clap_embs: is float32 of shape \(3, 256\); expected float32 of shape \(N, 512\)/,
    );
    expect(() => readEmbeddings(writeNpz({ ...noColors, colors: floats([3]) }), 'e.npz')).toThrow(/colors: is float32 of shape \(3\); expected strings/);
    expect(() => readEmbeddings(writeNpz({ ...noColors, colors: strings(['a', 'b']) }), 'e.npz')).toThrow(/arrays disagree on N \(clap_embs 3, concept_embs 3, colors 2, song_ids 3\)/);
    expect(() => writeEmbeddings({ ...cache, songIds: ['s1'] })).toThrow(/expected the same N/);
  });
});

describe(`NumPy interoperability (${NUMPY})`, () => {
  it.skipIf(!HAS_NUMPY)('numpy.load opens files written here: keys, dtypes, shapes and values', () => {
    const arrays = { clap_embs: floats([3, 512], 2), colors: strings(['Red', 'Indigo', 'Red']), song_ids: strings(SONG_IDS) };
    for (const compress of [false, true]) {
      writeFileSync(join(work, 'ours.npz'), writeNpz(arrays, { compress }));
      const seen = JSON.parse(
        python(`
import json, numpy as np
d = np.load('ours.npz')
print(json.dumps({k: {'dtype': d[k].dtype.str, 'shape': list(d[k].shape), 'values': d[k].ravel().tolist()} for k in sorted(d.files)}))`),
      );
      expect(Object.keys(seen)).toEqual(['clap_embs', 'colors', 'song_ids']);
      expect(seen.clap_embs.dtype).toBe('<f4');
      expect(seen.clap_embs.shape).toEqual([3, 512]);
      expect(Float32Array.from(seen.clap_embs.values)).toEqual(arrays.clap_embs.data);
      expect(seen.colors).toEqual({ dtype: '<U6', shape: [3], values: ['Red', 'Indigo', 'Red'] });
      expect(seen.song_ids).toEqual({ dtype: '<U14', shape: [5], values: SONG_IDS });
    }
  });

  it.skipIf(!HAS_NUMPY)('reads np.savez and np.savez_compressed files, unicode of different widths, big-endian and Fortran arrays', () => {
    python(`
import numpy as np
x = (np.arange(12, dtype=np.float32).reshape(3, 4) / 7).astype(np.float32)
common = dict(x=x, short=np.array(['Red', 'Z']), long=np.array(['a', 'canção 😀 longer string']),
              big=x.astype('>f4'), fortran=np.asfortranarray(x), raw=np.array([b'ab', b'xyz']))
np.savez('plain.npz', **common)
np.savez_compressed('packed.npz', **common)
np.savez('object.npz', ids=np.array(['a', 1], dtype=object))
np.savez('double.npz', clap_embs=np.zeros((2, 512)))`);
    const x = Float32Array.from({ length: 12 }, (_, i) => i / 7);
    for (const file of ['plain.npz', 'packed.npz']) {
      const arrays = readNpz(readFileSync(join(work, file)), file);
      expect(arrays.x).toEqual({ dtype: 'float32', shape: [3, 4], data: x });
      expect(arrays.big).toEqual(arrays.x);
      expect(arrays.fortran).toEqual(arrays.x);
      expect(arrays.short).toEqual(strings(['Red', 'Z']));
      expect(arrays.long).toEqual(strings(['a', 'canção 😀 longer string']));
      expect(arrays.raw).toEqual(strings(['ab', 'xyz']));
    }
    expect(() => readNpz(readFileSync(join(work, 'object.npz')), 'object.npz')).toThrow(/object\.npz: ids: dtype \|O .*pickle/);
    expect(() => readEmbeddings(readFileSync(join(work, 'double.npz')), 'double.npz')).toThrow(/double\.npz: clap_embs: unsupported dtype <f8/);
  });
});
