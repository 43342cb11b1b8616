import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import type { ConceptModelIdentity } from './model-identity.js';
import { decodeConceptRecord, encodeConceptRecord } from './record.js';

/** The sub-directory of a concept cache where file digests are memoized. */
export const FILE_DIGESTS_DIR = 'file-digests';
/** The description written beside each model's cached concepts. */
const MODEL_FILE = 'model.json';
const RECORD_SUFFIX = '.f32';
const IDENTITY_DIR = /^[0-9a-f]{64}$/;

/**
 * A persistent store of concept embeddings for one text model:
 * `<root>/<model identity>/<sha256(text)>.f32`, one small file per concept
 * (see `encodeConceptRecord`), written atomically so concurrent processes
 * (CLI runs, server, queue workers) can share it without locks — two writers
 * of one concept write the same bytes. Reads check the format, the length and
 * the stored text; anything unreadable is a miss.
 *
 * @example
 * ```ts
 * const cache = new ConceptEmbeddingCache('/home/me/.cache/refractor/concepts', identity, 768);
 * const hit = await cache.get('A song about forgetting the future'); // Float32Array or undefined
 * if (!hit) await cache.put('A song about forgetting the future', computed);
 * ```
 */
export class ConceptEmbeddingCache {
  private described = false;

  constructor(
    readonly root: string,
    readonly identity: ConceptModelIdentity,
    readonly dims: number,
  ) {}

  /** This model's directory. */
  get directory(): string {
    return join(this.root, this.identity.id);
  }

  private pathOf(text: string): string {
    return join(this.directory, `${createHash('sha256').update(text, 'utf8').digest('hex')}${RECORD_SUFFIX}`);
  }

  /** The cached embedding of exactly this text, or undefined. */
  async get(text: string): Promise<Float32Array | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathOf(text));
    } catch {
      return undefined;
    }
    try {
      return decodeConceptRecord(bytes, text, this.dims);
    } catch {
      // A damaged or foreign file: recompute, and the put that follows replaces it.
      return undefined;
    }
  }

  /** Stores an embedding (atomically; an existing record is replaced by the same bytes). */
  async put(text: string, embedding: Float32Array): Promise<void> {
    // Every time: another process may have cleared the cache since the last put.
    await mkdir(this.directory, { recursive: true });
    if (!this.described) {
      await writeFileAtomic(join(this.directory, MODEL_FILE), `${JSON.stringify(this.identity.parts, null, 2)}\n`);
      this.described = true;
    }
    await writeFileAtomic(this.pathOf(text), encodeConceptRecord(text, embedding));
  }
}

/** What {@link conceptCacheStats} finds: per model and in all. */
export interface ConceptCacheStats {
  /** The concept cache directory. */
  location: string;
  /** Cached concepts, all models. */
  count: number;
  /** Bytes of the cached concepts, all models. */
  bytes: number;
  models: { id: string; count: number; bytes: number; description?: ConceptModelIdentity['parts'] }[];
}

async function identityDirectories(root: string): Promise<string[]> {
  try {
    return (await readdir(root, { withFileTypes: true })).filter((entry) => entry.isDirectory() && IDENTITY_DIR.test(entry.name)).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Counts the cached concepts under a concept cache directory, per text model.
 *
 * @example
 * ```ts
 * const { count, bytes, models } = await conceptCacheStats(defaultConceptCacheDir());
 * ```
 */
export async function conceptCacheStats(root: string): Promise<ConceptCacheStats> {
  const models: ConceptCacheStats['models'] = [];
  for (const id of (await identityDirectories(root)).sort()) {
    const directory = join(root, id);
    let count = 0;
    let bytes = 0;
    for (const name of await readdir(directory)) {
      if (!name.endsWith(RECORD_SUFFIX) || name.startsWith('.')) continue;
      count += 1;
      bytes += (await stat(join(directory, name)).catch(() => ({ size: 0 }))).size;
    }
    let description: ConceptModelIdentity['parts'] | undefined;
    try {
      description = JSON.parse(await readFile(join(directory, MODEL_FILE), 'utf8')) as ConceptModelIdentity['parts'];
    } catch {
      description = undefined;
    }
    models.push({ id, count, bytes, ...(description ? { description } : {}) });
  }
  return { location: root, count: models.reduce((n, m) => n + m.count, 0), bytes: models.reduce((n, m) => n + m.bytes, 0), models };
}

/**
 * Deletes every cached concept under a concept cache directory — only the
 * model directories this cache creates, so a mistyped directory loses
 * nothing else. The memoized file digests stay: they are facts about model
 * files (checked by size and mtime), and dropping them would only make the
 * next run re-hash a 735 MB encoder. Returns what was there.
 *
 * @example
 * ```ts
 * const { count } = await clearConceptCache(defaultConceptCacheDir());
 * ```
 */
export async function clearConceptCache(root: string): Promise<ConceptCacheStats> {
  const before = await conceptCacheStats(root);
  for (const model of before.models) await rm(join(root, model.id), { recursive: true, force: true });
  return before;
}
