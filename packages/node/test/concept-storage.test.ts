import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConceptEmbedder, FileConceptStorage, MemoryConceptStorage, type ConceptModelIdentity, type ConceptStorage } from '../src/index.js';

// Core's ConceptStorage contract, checked the same way against the in-memory
// implementation and Node's files, then through the ConceptEmbedder.
const work = mkdtempSync(join(tmpdir(), 'refractor-concept-storage-'));
const model = (digit: string): ConceptModelIdentity => ({ id: digit.repeat(64), parts: { version: 'test', device: 'cpu', files: [] } });
const A = model('a');
const B = model('b');
/** A vector with values toEqual would not tell apart (-0, a NaN payload, subnormals): stored bits must come back. */
function awkwardVector(seed: number): Float32Array {
  const vector = Float32Array.from({ length: 768 }, (_, d) => Math.fround(Math.sin(seed * 7919 + d) * 3));
  const ints = new Uint32Array(vector.buffer);
  ints[0] = 0x80000000; // -0
  ints[1] = 0x7fc01234; // a NaN with a payload
  ints[2] = 0x00000001; // the smallest subnormal
  return vector;
}
const bits = (vector: Float32Array) => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('hex');

let dirs = 0;
const storages: [string, () => ConceptStorage][] = [
  ['MemoryConceptStorage', () => new MemoryConceptStorage()],
  ['FileConceptStorage', () => new FileConceptStorage(join(work, `files-${dirs++}`))],
];

describe.each(storages)('%s keeps core’s ConceptStorage contract', (_name, make) => {
  it('misses before a put, then gives back bitwise what was put', async () => {
    const storage = make();
    const vector = awkwardVector(1);
    expect(await storage.get(A, 'rain on a tin roof')).toBeUndefined();
    await storage.put(A, 'rain on a tin roof', vector);
    expect(bits((await storage.get(A, 'rain on a tin roof'))!)).toBe(bits(vector));
  });

  it('is keyed by the model identity and the exact text', async () => {
    const storage = make();
    await storage.put(A, 'leaving home', awkwardVector(2));
    expect(await storage.get(B, 'leaving home')).toBeUndefined();
    expect(await storage.get(A, 'leaving home ')).toBeUndefined();
    expect(await storage.get(A, 'Leaving home')).toBeUndefined();
    await storage.put(B, 'leaving home', awkwardVector(3));
    expect(bits((await storage.get(A, 'leaving home'))!)).toBe(bits(awkwardVector(2)));
    expect(bits((await storage.get(B, 'leaving home'))!)).toBe(bits(awkwardVector(3)));
  });

  it('replaces a record on put, and is not changed by the caller’s copy afterwards', async () => {
    const storage = make();
    const vector = awkwardVector(4);
    await storage.put(A, 'ü ✓ 漢字', awkwardVector(5));
    await storage.put(A, 'ü ✓ 漢字', vector);
    vector[10] = 42;
    const stored = (await storage.get(A, 'ü ✓ 漢字'))!;
    expect(bits(stored)).toBe(bits(awkwardVector(4)));
    stored[11] = 43;
    expect(bits((await storage.get(A, 'ü ✓ 漢字'))!)).toBe(bits(awkwardVector(4)));
  });
});

describe('FileConceptStorage on disk', () => {
  it('treats a damaged record as a miss, and refuses an identity that is not a digest', async () => {
    const root = join(work, 'damaged');
    const storage = new FileConceptStorage(root);
    await storage.put(A, 'broken', awkwardVector(6));
    const [record] = readdirSync(join(root, A.id)).filter((name) => name.endsWith('.f32'));
    writeFileSync(join(root, A.id, record!), 'not a record');
    expect(await storage.get(A, 'broken')).toBeUndefined();
    await expect(storage.put({ ...A, id: '../escape' }, 'x', awkwardVector(7))).rejects.toThrow(/concept model identity.*64 lowercase hex digits/);
  });
});

describe('ConceptEmbedder over a ConceptStorage', () => {
  /** 768 values (what the file storage keeps): the text's length, then 0.5s. */
  const lengthVector = (text: string) => Float32Array.from({ length: 768 }, (_, d) => (d === 0 ? text.length : 0.5));
  const head = (vector: Float32Array) => Array.from(vector.subarray(0, 2));

  /** An embedder whose "encoder" counts its openings and embeds a text as its length. */
  function counting(storage: ConceptStorage, identity: () => Promise<ConceptModelIdentity | undefined>) {
    const counts = { opens: 0, embeds: 0 };
    const embedder = new ConceptEmbedder<null>({
      open: async () => (counts.opens++, { models: null, release: async () => undefined }),
      embed: async (_models, text) => (counts.embeds++, lengthVector(text)),
      storage,
      identity,
      keepTextEncoder: false,
    });
    return { embedder, counts };
  }

  it.each(storages)('%s: a second embedder (a new process) finds stored concepts without opening the encoder', async (_name, make) => {
    const storage = make();
    const first = counting(storage, async () => A);
    expect(head(await first.embedder.embed('abc'))).toEqual([3, 0.5]);
    expect(first.counts.opens).toBe(1);
    const second = counting(storage, async () => A);
    expect(head(await second.embedder.embed('abc'))).toEqual([3, 0.5]);
    expect(second.counts).toEqual({ opens: 0, embeds: 0 });
    // Another text model shares nothing.
    const other = counting(storage, async () => B);
    await other.embedder.embed('abc');
    expect(other.counts.embeds).toBe(1);
  });

  it('still embeds when the identity cannot be had or the storage cannot be written', async () => {
    const unknown = counting(new MemoryConceptStorage(), async () => {
      throw new Error('unreadable model file');
    });
    expect(head(await unknown.embedder.embed('abcd'))).toEqual([4, 0.5]);
    const readOnly: ConceptStorage = { get: async () => undefined, put: async () => Promise.reject(new Error('EROFS')) };
    const failing = counting(readOnly, async () => A);
    expect(head(await failing.embedder.embed('abcde'))).toEqual([5, 0.5]);
    const broken: ConceptStorage = { get: async () => Promise.reject(new Error('EIO')), put: async () => undefined };
    expect(head(await counting(broken, async () => A).embedder.embed('ab'))).toEqual([2, 0.5]);
  });

  it('asks for an identity unknown before opening once more after opening, and stores under it (as a browser learns a base-URL set)', async () => {
    const storage = new MemoryConceptStorage();
    let opened = false;
    const asked: boolean[] = [];
    const identity = async () => (asked.push(opened), opened ? A : undefined);
    const counts = { opens: 0 };
    const embedder = new ConceptEmbedder<null>({
      open: async () => ((opened = true), counts.opens++, { models: null, release: async () => undefined }),
      embed: async (_models, text) => lengthVector(text),
      storage,
      identity,
      keepTextEncoder: false,
    });
    await embedder.embed('abc');
    expect(asked).toEqual([false, true]);
    expect(storage.size).toBe(1);
    expect(head((await storage.get(A, 'abc'))!)).toEqual([3, 0.5]);
    // A later visit that knows the identity up front finds it without opening.
    const later = counting(storage, async () => A);
    await later.embedder.embed('abc');
    expect(later.counts.opens).toBe(0);
  });
});
