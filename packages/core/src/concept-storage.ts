/**
 * Bumped whenever the way a concept becomes a vector changes (tokenizer
 * truncation, pooling), so vectors stored by older code are never reused.
 */
export const CONCEPT_EMBEDDING_VERSION = 'refractor-concept-embedding/1 mean-pool';

/**
 * The identity of the text model, tokenizer and device that embed concepts:
 * what a stored concept embedding is filed under, next to its text. Two
 * model sets with the same files on the same device share stored concepts;
 * any changed byte gives a new identity. Node computes it from the files'
 * SHA-256s (`conceptModelIdentity` in @refractor/node).
 */
export interface ConceptModelIdentity {
  /** 64 hex digits (SHA-256 over the parts): names this model's stored concepts. */
  id: string;
  /** The parts, for people: each file's location and SHA-256, the device and the embedding version. */
  parts: { version: string; device: string; files: { role: string; path: string; sha256: string }[] };
}

/**
 * Where concept embeddings persist, keyed by the text model's identity and
 * the exact concept text: one interface so Node (files under the model cache,
 * `FileConceptStorage` in @refractor/node), browsers (IndexedDB or Cache
 * Storage) and tests ({@link MemoryConceptStorage}) plug into the same
 * {@link ConceptEmbedder}. A stored vector must come back bitwise as put.
 * Implementations treat anything unreadable as a miss; the embedder treats a
 * failed `put` as a lost speed-up, never a failed result.
 *
 * @example
 * ```ts
 * const storage: ConceptStorage = new MemoryConceptStorage();
 * await storage.put(identity, 'A song about forgetting the future', vector);
 * await storage.get(identity, 'A song about forgetting the future'); // the same 768 floats
 * ```
 */
export interface ConceptStorage {
  /** The stored embedding of exactly this text under this model, or undefined. */
  get(model: ConceptModelIdentity, text: string): Promise<Float32Array | undefined>;
  /** Stores an embedding; a record already there for the same model and text is replaced. */
  put(model: ConceptModelIdentity, text: string, embedding: Float32Array): Promise<void>;
}

/**
 * A {@link ConceptStorage} in memory: for tests, and for programs that want
 * the embedder's behaviour without persistence. Keeps copies, so callers
 * cannot change what is stored.
 *
 * @example
 * ```ts
 * const storage = new MemoryConceptStorage();
 * const embedder = new ConceptEmbedder({ open, embed, storage, identity: async () => identity });
 * ```
 */
export class MemoryConceptStorage implements ConceptStorage {
  private readonly records = new Map<string, Float32Array>();

  /** How many embeddings are stored, all models. */
  get size(): number {
    return this.records.size;
  }

  async get(model: ConceptModelIdentity, text: string): Promise<Float32Array | undefined> {
    return this.records.get(key(model, text))?.slice();
  }

  async put(model: ConceptModelIdentity, text: string, embedding: Float32Array): Promise<void> {
    this.records.set(key(model, text), embedding.slice());
  }
}

/** The model id cannot contain a NUL, so no two (model, text) pairs share a key. */
const key = (model: ConceptModelIdentity, text: string) => `${model.id}\0${text}`;

/**
 * The text whose SHA-256 (hex) is a {@link ConceptModelIdentity}'s `id`: the
 * embedding version, the device and each file's role and SHA-256 (not its
 * location, so the same files anywhere share stored concepts). One recipe
 * for every runtime: Node hashes it with `node:crypto`, browsers with
 * `crypto.subtle`.
 *
 * @example
 * ```ts
 * const parts = { version: CONCEPT_EMBEDDING_VERSION, device: 'cpu', files: [{ role: 'text.model', path: 'model.onnx', sha256 }] };
 * const id = sha256Hex(conceptIdentityPreimage(parts));
 * ```
 */
export function conceptIdentityPreimage(parts: ConceptModelIdentity['parts']): string {
  return `${parts.version}\0${parts.device}\0${parts.files.map((file) => `${file.role}\0${file.sha256}\0`).join('')}`;
}
