import type { ConceptModelIdentity, ConceptStorage } from '@refractor/core';

/** The IndexedDB database concept embeddings are kept in. */
export const CONCEPT_DB_NAME = 'refractor-concepts';
const STORE = 'embeddings';

/** One stored record: the vector and, for people looking at the database, what made it. */
interface ConceptRecord {
  model: string;
  text: string;
  embedding: Float32Array;
  parts: ConceptModelIdentity['parts'];
}

type IdbFactory = { open(name: string, version?: number): IdbRequest<IdbDatabase> };
interface IdbRequest<T> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
  onupgradeneeded?: (() => void) | null;
}
interface IdbDatabase {
  objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string, options: { keyPath: string[] }): unknown;
  transaction(store: string, mode: 'readonly' | 'readwrite'): {
    objectStore(name: string): { get(key: unknown): IdbRequest<unknown>; put(value: unknown): IdbRequest<unknown> };
    oncomplete: (() => void) | null;
    onerror: (() => void) | null;
    onabort: (() => void) | null;
    error: unknown;
  };
  onversionchange: (() => void) | null;
  close(): void;
}

/** This context's IndexedDB, when it has one. */
function indexedDbFactory(): IdbFactory | undefined {
  return (globalThis as { indexedDB?: IdbFactory }).indexedDB;
}

/** True when IndexedDB exists here (pages and workers; not Node). */
export function hasIndexedDb(): boolean {
  return indexedDbFactory() !== undefined;
}

function request<T>(req: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Concept embeddings in IndexedDB (database `refractor-concepts`), keyed as
 * Node's `FileConceptStorage` is: the text model's identity (core's
 * `ConceptModelIdentity.id`, from the text files' digests, the device and the
 * embedding version) and the exact text. Core's `ConceptStorage`, so the same
 * `ConceptEmbedder` reads it before ever opening the text encoder: a concept
 * embedded on an earlier visit never downloads or opens DeBERTa again.
 * Vectors come back bitwise as stored (structured clone of a Float32Array).
 * Anything unreadable (no IndexedDB, private mode, a blocked upgrade) is a
 * miss, never an error.
 *
 * @example
 * ```ts
 * const refractor = await RefractorWeb.load({ baseUrl: '/models/tiny/', conceptStorage: new IndexedDbConceptStorage() });
 * ```
 */
export class IndexedDbConceptStorage implements ConceptStorage {
  private db: Promise<IdbDatabase | undefined> | undefined;

  constructor(private readonly name: string = CONCEPT_DB_NAME) {}

  private open(): Promise<IdbDatabase | undefined> {
    this.db ??= (async () => {
      const factory = indexedDbFactory();
      if (!factory) return undefined;
      const req = factory.open(this.name, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: ['model', 'text'] });
      };
      const db = await request(req);
      // Another tab upgrading the database: let it, and reopen next time.
      db.onversionchange = () => {
        db.close();
        this.db = undefined;
      };
      return db;
    })().catch(() => undefined);
    return this.db;
  }

  async get(model: ConceptModelIdentity, text: string): Promise<Float32Array | undefined> {
    const db = await this.open();
    if (!db) return undefined;
    try {
      const record = (await request(db.transaction(STORE, 'readonly').objectStore(STORE).get([model.id, text]))) as ConceptRecord | undefined;
      return record?.embedding instanceof Float32Array ? record.embedding : undefined;
    } catch {
      return undefined;
    }
  }

  async put(model: ConceptModelIdentity, text: string, embedding: Float32Array): Promise<void> {
    const db = await this.open();
    if (!db) return;
    const transaction = db.transaction(STORE, 'readwrite');
    const record: ConceptRecord = { model: model.id, text, embedding: embedding.slice(), parts: model.parts };
    transaction.objectStore(STORE).put(record);
    // Resolved when the record is durable, so a page closed right after scoring keeps it.
    await new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }
}
