import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConceptEmbedder,
  FileConceptStorage,
  Refractor,
  bundledSetDirectory,
  clearConceptCache,
  conceptCacheStats,
  conceptModelIdentity,
  decodeConceptRecord,
  defaultConceptCacheDir,
  encodeConceptRecord,
  clearExternalWeights,
  externalWeightsCopy,
  externalWeightsStats,
  memoizedFileSha256,
} from '../src/index.js';
import * as ort from 'onnxruntime-node';

const tiny = bundledSetDirectory('tiny')!;
const work = mkdtempSync(join(tmpdir(), 'refractor-concepts-'));
const CONCEPT = 'A song about forgetting the future';
const opened: Refractor[] = [];
afterAll(async () => {
  await Promise.all(opened.map((r) => r.close()));
});

async function load(options: Parameters<typeof Refractor.load>[0]): Promise<Refractor> {
  const refractor = await Refractor.load({ models: 'tiny', offline: true, ...options });
  opened.push(refractor);
  return refractor;
}

/** Bytes of a vector, for bitwise comparison (toEqual would accept -0 for 0, and NaN for NaN). */
const bits = (vector: Float32Array) => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('hex');

/** The record format read by hand, independently of decodeConceptRecord. */
function readRecordByHand(path: string): { text: string; vector: Float32Array } {
  const bytes = readFileSync(path);
  expect(bytes.subarray(0, 8).toString('latin1')).toBe('RFCEMB1\n');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = view.getUint32(8, true);
  const textLength = view.getUint32(12, true);
  const text = bytes.subarray(16, 16 + textLength).toString('utf8');
  const at = Math.ceil((16 + textLength) / 4) * 4;
  expect(bytes.length).toBe(at + dims * 4);
  const vector = new Float32Array(dims);
  for (let i = 0; i < dims; i++) vector[i] = view.getFloat32(at + i * 4, true);
  return { text, vector };
}

function recordFiles(root: string): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(root)) {
    if (!/^[0-9a-f]{64}$/.test(dir)) continue;
    for (const name of readdirSync(join(root, dir))) if (name.endsWith('.f32')) out.push(join(root, dir, name));
  }
  return out;
}

describe('concept records', () => {
  it('round-trip the exact floats and reject truncated, foreign and mismatched records', () => {
    const vector = Float32Array.from({ length: 768 }, (_, i) => Math.fround(Math.sin(i) * 1e-3) * (i % 7 === 0 ? -1 : 1));
    vector[3] = -0;
    const text = 'Ünïcödé — three bytes: 日本';
    const bytes = Buffer.from(encodeConceptRecord(text, vector));
    expect(bits(decodeConceptRecord(bytes, text, 768))).toBe(bits(vector));
    expect(() => decodeConceptRecord(bytes.subarray(0, bytes.length - 4), text, 768)).toThrow(/truncated/);
    expect(() => decodeConceptRecord(bytes, `${text} `, 768)).toThrow(/another text/);
    expect(() => decodeConceptRecord(bytes, text, 512)).toThrow(/768 values, expected 512/);
    expect(() => decodeConceptRecord(Buffer.from('not a record at all'), text, 768)).toThrow(/not a Refractor concept record/);
  });
});

describe('memoizedFileSha256', () => {
  it('hashes once per path, size and mtime, and again when the file changes', async () => {
    const file = join(work, 'model.bin');
    const memo = join(work, 'digests');
    writeFileSync(file, 'first version');
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(await memoizedFileSha256(file, memo)).toBe(sha('first version'));
    // Planting another digest in the sidecar proves the second call reads it instead of hashing.
    const [sidecar] = readdirSync(memo);
    const record = JSON.parse(readFileSync(join(memo, sidecar!), 'utf8'));
    writeFileSync(join(memo, sidecar!), JSON.stringify({ ...record, sha256: 'f'.repeat(64) }));
    expect(await memoizedFileSha256(file, memo)).toBe('f'.repeat(64));
    // Same size, new mtime: hashed again.
    writeFileSync(file, 'other version');
    const later = new Date(statSync(file).mtimeMs + 5000);
    utimesSync(file, later, later);
    expect(await memoizedFileSha256(file, memo)).toBe(sha('other version'));
    // A damaged sidecar is ignored and rewritten.
    writeFileSync(join(memo, sidecar!), '{');
    expect(await memoizedFileSha256(file, memo)).toBe(sha('other version'));
    expect(JSON.parse(readFileSync(join(memo, sidecar!), 'utf8')).sha256).toBe(sha('other version'));
  });
});

describe('conceptModelIdentity', () => {
  it('changes with any byte of the encoder, tokenizer or tokenizer config, and with the device', async () => {
    const text = join(work, 'text-copy');
    cpSync(join(tiny, 'text'), text, { recursive: true });
    const files = {
      model: join(text, 'onnx', 'model.onnx'),
      tokenizer: join(text, 'tokenizer.json'),
      tokenizerConfig: join(text, 'tokenizer_config.json'),
      device: 'cpu',
    };
    const memo = join(work, 'identity-digests');
    const base = (await conceptModelIdentity(files, memo)).id;
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect((await conceptModelIdentity(files, memo)).id).toBe(base);
    expect((await conceptModelIdentity({ ...files, device: 'cuda' }, memo)).id).not.toBe(base);
    writeFileSync(files.tokenizerConfig, `${readFileSync(files.tokenizerConfig, 'utf8')} `);
    const changedConfig = (await conceptModelIdentity(files, memo)).id;
    expect(changedConfig).not.toBe(base);
    writeFileSync(`${files.model}_data`, 'external weights');
    expect((await conceptModelIdentity(files, memo)).id).not.toBe(changedConfig);
    // A known SHA-256 (a verified download) is used as given, without reading the file.
    const known = await conceptModelIdentity({ ...files, model: join(work, 'absent.onnx'), knownSha256: { [join(work, 'absent.onnx')]: 'a'.repeat(64) } }, memo);
    expect(known.parts.files.find((f) => f.role === 'text.model')?.sha256).toBe('a'.repeat(64));
  });
});

describe('Refractor concept cache', () => {
  it('gives bitwise the computed embedding from the cache, and a cached concept never opens the text encoder', async () => {
    const root = join(work, 'cache-a');
    const uncached = await load({ conceptCache: false });
    const computed = await uncached.prepareConcept(CONCEPT);
    expect(uncached.textEncoderOpen).toBe(true);

    const first = await load({ conceptCache: root, keepTextEncoder: false });
    const missed = await first.prepareConcept(CONCEPT);
    expect(first.textEncoderOpen).toBe(false);
    expect(bits(missed)).toBe(bits(computed));
    const [record] = recordFiles(root);
    const byHand = readRecordByHand(record!);
    expect(byHand.text).toBe(CONCEPT);
    expect(bits(byHand.vector)).toBe(bits(computed));

    // keepTextEncoder true: an encoder opened for a hit would still be open afterwards.
    const second = await load({ conceptCache: root, keepTextEncoder: true });
    const hit = await second.prepareConcept(CONCEPT);
    expect(second.textEncoderOpen).toBe(false);
    expect(bits(hit)).toBe(bits(computed));
    // A new concept opens it, and keeps it open.
    await second.prepareConcept('Another concept entirely');
    expect(second.textEncoderOpen).toBe(true);
    await second.releaseTextEncoder();
    expect(second.textEncoderOpen).toBe(false);
    expect((await conceptCacheStats(root)).count).toBe(2);
  });

  it('returns zeros for blank concepts without touching the cache, and embeds a batch with one encoder opening', async () => {
    const root = join(work, 'cache-b');
    const reference = await load({ conceptCache: false });
    const refractor = await load({ conceptCache: root, keepTextEncoder: false });
    const texts = ['one', null, 'two', '   ', 'one'];
    const vectors = await refractor.prepareConcepts(texts);
    expect(vectors.map((v) => v.length)).toEqual([768, 768, 768, 768, 768]);
    expect(vectors[1]!.every((x) => x === 0) && vectors[3]!.every((x) => x === 0)).toBe(true);
    expect(bits(vectors[0]!)).toBe(bits(await reference.prepareConcept('one')));
    expect(bits(vectors[2]!)).toBe(bits(await reference.prepareConcept('two')));
    expect(bits(vectors[4]!)).toBe(bits(vectors[0]!));
    expect((await conceptCacheStats(root)).count).toBe(2);
    // Callers get copies: changing one changes nothing cached.
    vectors[0]!.fill(7);
    expect(bits((await refractor.prepareConcepts(['one']))[0]!)).toBe(bits(await reference.prepareConcept('one')));
  });

  it('embeds load-time concepts before the audio models and releases the encoder; they then come from memory', async () => {
    const reference = await load({ conceptCache: false });
    const refractor = await load({ conceptCache: false, keepTextEncoder: false, concepts: [CONCEPT, '  '] });
    expect(refractor.textEncoderOpen).toBe(false);
    expect(bits(await refractor.prepareConcept(CONCEPT))).toBe(bits(await reference.prepareConcept(CONCEPT)));
    // No persistent cache here: only memory can have answered without opening the encoder.
    expect(refractor.textEncoderOpen).toBe(false);
  });

  it('recomputes and replaces a damaged record', async () => {
    const root = join(work, 'cache-c');
    const refractor = await load({ conceptCache: root });
    const computed = await refractor.prepareConcept(CONCEPT);
    const [record] = recordFiles(root);
    writeFileSync(record!, readFileSync(record!).subarray(0, 100));
    const fresh = await load({ conceptCache: root, keepTextEncoder: false });
    expect(bits(await fresh.prepareConcept(CONCEPT))).toBe(bits(computed));
    expect(bits(readRecordByHand(record!).vector)).toBe(bits(computed));
  });

  it('lives under concepts/ of the model cache by default ($REFRACTOR_CACHE or cacheDir)', async () => {
    expect(defaultConceptCacheDir({ cacheDir: join(work, 'models') })).toBe(join(work, 'models', 'concepts'));
    const refractor = await load({ cacheDir: join(work, 'models') });
    await refractor.prepareConcept(CONCEPT);
    expect((await conceptCacheStats(join(work, 'models', 'concepts'))).count).toBe(1);
  });
});

describe('FileConceptStorage under concurrency', () => {
  it('keeps every record whole while many writers and readers race on the same and different texts', async () => {
    const root = join(work, 'race');
    const identity = { id: 'b'.repeat(64), parts: { version: 'test', device: 'cpu', files: [] } };
    const texts = Array.from({ length: 8 }, (_, i) => `concept ${i}`);
    const vectorOf = (text: string) => Float32Array.from({ length: 768 }, (_, d) => Math.fround(text.length * 1e-3 + d * 1e-6));
    const caches = Array.from({ length: 6 }, () => new FileConceptStorage(root, 768));
    const reads: (Float32Array | undefined)[] = [];
    await Promise.all(
      caches.flatMap((cache) =>
        texts.flatMap((text) => [cache.put(identity, text, vectorOf(text)), cache.get(identity, text).then((v) => void reads.push(v))]),
      ),
    );
    for (const vector of reads) if (vector) expect(vector.length).toBe(768);
    for (const text of texts) expect(bits((await caches[0]!.get(identity, text))!)).toBe(bits(vectorOf(text)));
    // Nothing half-written is left behind.
    expect(readdirSync(join(root, identity.id)).filter((name) => name.startsWith('.'))).toEqual([]);
    const stats = await conceptCacheStats(root);
    expect(stats.count).toBe(8);
    writeFileSync(join(root, 'unrelated.txt'), 'keep me');
    expect((await clearConceptCache(root)).count).toBe(8);
    expect((await conceptCacheStats(root)).count).toBe(0);
    expect(readFileSync(join(root, 'unrelated.txt'), 'utf8')).toBe('keep me');
  });
});

describe('ConceptEmbedder', () => {
  it('opens the encoder once for concurrent new concepts and, without keepTextEncoder, releases it when idle', async () => {
    let opens = 0;
    let releases = 0;
    const embedder = new ConceptEmbedder<number>({
      open: async () => ({ models: ++opens, release: async () => void releases++ }),
      embed: async (_models, text) => Float32Array.of(text.length),
      keepTextEncoder: false,
    });
    const [a, b] = await Promise.all([embedder.embed('abc'), embedder.embed('abcdef'), embedder.embed('abc')]);
    expect([a![0], b![0]]).toEqual([3, 6]);
    expect(embedder.encoderOpen).toBe(false);
    expect(releases).toBe(opens);
    const before = opens;
    await embedder.embed('abc');
    expect(opens).toBe(before);
  });
});

describe('externalWeightsCopy', () => {
  it('moves the weights into model.onnx_data without changing a single output bit, once, and leaves small or external models alone', async () => {
    const source = join(tiny, 'text', 'onnx', 'model.onnx');
    const sha = createHash('sha256').update(readFileSync(source)).digest('hex');
    const root = join(work, 'external-weights');
    const copy = await externalWeightsCopy(source, sha, root, { minModelBytes: 0 });
    expect(copy).toBe(join(root, sha, 'model.onnx'));
    expect(statSync(copy).size).toBeLessThan(statSync(source).size / 4);
    const dataBytes = statSync(join(root, sha, 'model.onnx_data')).size;
    expect(dataBytes).toBeGreaterThan(statSync(source).size * 0.8);

    const ids = BigInt64Array.from([1, 50, 60, 70, 80, 2], BigInt);
    const int64 = (values: BigInt64Array) => new ort.Tensor('int64', values, [1, 6]);
    const feeds = { input_ids: int64(ids), attention_mask: int64(new BigInt64Array(6).fill(1n)), token_type_ids: int64(new BigInt64Array(6)) };
    const outputOf = async (path: string) => {
      const session = await ort.InferenceSession.create(path, { graphOptimizationLevel: 'all' });
      const { data } = (await session.run(feeds)).last_hidden_state as ort.Tensor;
      await session.release();
      return bits(data as Float32Array);
    };
    expect(await outputOf(copy)).toBe(await outputOf(source));

    // Reused as it is: not rewritten.
    const before = statSync(join(root, sha, 'model.onnx_data')).mtimeMs;
    expect(await externalWeightsCopy(source, sha, root, { minModelBytes: 0 })).toBe(copy);
    expect(statSync(join(root, sha, 'model.onnx_data')).mtimeMs).toBe(before);
    expect(readdirSync(root).filter((name) => name.startsWith('.'))).toEqual([]);
    // Small models (the default threshold) and models already external are opened as they are.
    expect(await externalWeightsCopy(source, 'c'.repeat(64), root)).toBe(source);
    expect(await externalWeightsCopy(copy, 'd'.repeat(64), root, { minModelBytes: 0 })).toBe(copy);
    // A copy missing its data is not reused but made again.
    writeFileSync(join(root, sha, 'model.onnx_data'), 'x');
    expect(await externalWeightsCopy(source, sha, root, { minModelBytes: 0 })).toBe(copy);
    expect(statSync(join(root, sha, 'model.onnx_data')).size).toBe(dataBytes);
    expect(readdirSync(root).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(await externalWeightsStats(root)).toMatchObject({ count: 1 });
    expect((await externalWeightsStats(root)).bytes).toBeGreaterThan(dataBytes);
    writeFileSync(join(root, 'unrelated.txt'), 'keep me');
    expect((await clearExternalWeights(root)).count).toBe(1);
    expect(readdirSync(root)).toEqual(['unrelated.txt']);
  });
});
