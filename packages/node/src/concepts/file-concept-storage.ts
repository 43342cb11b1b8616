import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { CDM_CONTRACT, InvalidValueError, type ConceptModelIdentity, type ConceptStorage } from '@refractor/core';
import { decodeConceptRecord, encodeConceptRecord } from './record.js';

/** The sub-directory of a concept cache where file digests are memoized. */
export const FILE_DIGESTS_DIR = 'file-digests';
/** The description written beside each model's cached concepts. */
const MODEL_FILE = 'model.json';
const RECORD_SUFFIX = '.f32';
const IDENTITY_DIR = /^[0-9a-f]{64}$/;

/**
 * Core's {@link ConceptStorage} in files: `<root>/<model identity>/<sha256(text)>.f32`,
 * one small file per concept (see `encodeConceptRecord`) with a `model.json`
 * describing the model beside them, written atomically so concurrent
 * processes (CLI runs, server, queue workers) can share it without locks —
 * two writers of one concept write the same bytes. Reads check the format,
 * the length and the stored text; anything unreadable is a miss. What
 * `Refractor.load` uses unless `conceptCache` is false.
 *
 * @example
 * ```ts
 * const storage = new FileConceptStorage('/home/me/.cache/refractor/concepts');
 * const hit = await storage.get(identity, 'A song about forgetting the future'); // Float32Array or undefined
 * if (!hit) await storage.put(identity, 'A song about forgetting the future', computed);
 * ```
 */
export class FileConceptStorage implements ConceptStorage {
  private readonly described = new Set<string>();

  /** `dims`: the length every stored vector must have (a record of another length is a miss). */
  constructor(
    readonly root: string,
    readonly dims: number = CDM_CONTRACT.conceptEmbeddingDim,
  ) {}

  /** The directory of one model's concepts. */
  directoryOf(model: ConceptModelIdentity): string {
    if (!IDENTITY_DIR.test(model.id)) throw new InvalidValueError('concept model identity', model.id, '64 lowercase hex digits');
    return join(this.root, model.id);
  }

  private pathOf(model: ConceptModelIdentity, text: string): string {
    return join(this.directoryOf(model), `${createHash('sha256').update(text, 'utf8').digest('hex')}${RECORD_SUFFIX}`);
  }

  /** The stored embedding of exactly this text under this model, or undefined. */
  async get(model: ConceptModelIdentity, text: string): Promise<Float32Array | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathOf(model, text));
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
  async put(model: ConceptModelIdentity, text: string, embedding: Float32Array): Promise<void> {
    const directory = this.directoryOf(model);
    // Every time: another process may have cleared the cache since the last put.
    await mkdir(directory, { recursive: true });
    if (!this.described.has(model.id)) {
      await writeFileAtomic(join(directory, MODEL_FILE), `${JSON.stringify(model.parts, null, 2)}\n`);
      this.described.add(model.id);
    }
    await writeFileAtomic(this.pathOf(model, text), encodeConceptRecord(text, embedding));
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
