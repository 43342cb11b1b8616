import type { ConceptModelIdentity, ConceptStorage } from './concept-storage.js';

/** An open text encoder: whatever the owner needs to embed with it, and how to free it. */
export interface OpenTextEncoder<T> {
  models: T;
  release(): Promise<void>;
}

/** How a {@link ConceptEmbedder} gets its vectors. */
export interface ConceptEmbedderOptions<T> {
  /**
   * Opens the text encoder and tokenizer (the slow, memory-hungry part: ~11 s
   * and ~1.2 GB for the real DeBERTa). `texts` are the ones this opening is
   * for: an encoder released after them may open for those only (a browser
   * keeps only their rows of DeBERTa's embedding table); with
   * `keepTextEncoder`, or when a concurrent call reuses the opening, other
   * texts may follow and `embed` must still handle them.
   */
  open(texts: readonly string[]): Promise<OpenTextEncoder<T>>;
  /** Embeds one non-blank text with an open encoder. */
  embed(models: T, text: string): Promise<Float32Array>;
  /** Where embeddings persist (none: memory only). Read before the encoder is opened, written after it embeds. */
  storage?: ConceptStorage;
  /**
   * The identity of the text model, tokenizer and device, that stored
   * embeddings are filed under: called on the first text not already in
   * memory (it may hash big files), and, while it answers undefined, once
   * more each time the encoder has been opened (opening may be what makes
   * it known: a browser learns a base-URL set's digests by fetching its
   * files). Undefined (or no function): nothing is stored.
   */
  identity?: () => Promise<ConceptModelIdentity | undefined>;
  /**
   * Keep the encoder open after embedding (default true: a server or worker
   * embeds many concepts). False releases it as soon as no embedding is in
   * progress, so a one-shot command never holds it longer than needed.
   */
  keepTextEncoder?: boolean;
  /** How many embeddings to keep in memory (default 256; ~3 KB each). */
  memoryEntries?: number;
}

/**
 * Concept texts to embeddings, as cheaply as possible: from memory (recent
 * texts, bounded), else from the persistent {@link ConceptEmbeddingCache},
 * else through the text encoder — opened only then, at most once for a
 * batch of texts, and released afterwards unless `keepTextEncoder`. A
 * cached concept never opens the encoder. Every caller gets its own copy of
 * the vector.
 *
 * @example
 * ```ts
 * const embedder = new ConceptEmbedder({ open, embed, storage: new MemoryConceptStorage(), identity: async () => identity, keepTextEncoder: false });
 * const [a, b] = await embedder.embedMany(['A song about forgetting the future', 'Rain on a tin roof']);
 * ```
 */
export class ConceptEmbedder<T> {
  private readonly memory = new Map<string, Promise<Float32Array>>();
  private identity: Promise<ConceptModelIdentity | undefined> | undefined;
  private encoder: Promise<OpenTextEncoder<T>> | undefined;
  private users = 0;
  private readonly keep: boolean;
  private readonly memoryEntries: number;

  constructor(private readonly options: ConceptEmbedderOptions<T>) {
    this.keep = options.keepTextEncoder ?? true;
    this.memoryEntries = Math.max(1, options.memoryEntries ?? 256);
  }

  /** True while the text encoder is open (or opening). */
  get encoderOpen(): boolean {
    return this.encoder !== undefined;
  }

  /** The embedding of one non-blank text. */
  async embed(text: string): Promise<Float32Array> {
    return (await this.embedMany([text]))[0]!;
  }

  /** The embeddings of several non-blank texts, in order; the encoder is opened at most once for all of them. */
  async embedMany(texts: readonly string[]): Promise<Float32Array[]> {
    const missing = [...new Set(texts)].filter((text) => !this.memory.has(text));
    if (missing.length > 0) {
      // Registered before any await, so concurrent callers of the same text share one computation.
      const batch = this.compute(missing);
      missing.forEach((text, i) => this.remember(text, batch.then((vectors) => vectors[i]!)));
    }
    const vectors = await Promise.all(texts.map((text) => this.recall(text)));
    return vectors.map((vector) => vector.slice());
  }

  private recall(text: string): Promise<Float32Array> {
    const entry = this.memory.get(text)!;
    // Most recently used last, so the oldest is evicted first.
    this.memory.delete(text);
    this.memory.set(text, entry);
    return entry;
  }

  private remember(text: string, vector: Promise<Float32Array>): void {
    this.memory.set(text, vector);
    vector.catch(() => {
      if (this.memory.get(text) === vector) this.memory.delete(text);
    });
    while (this.memory.size > this.memoryEntries) this.memory.delete(this.memory.keys().next().value!);
  }

  private async compute(texts: readonly string[]): Promise<Float32Array[]> {
    const { storage } = this.options;
    // An identity that cannot be had (unreadable files) costs the storage, never the result.
    this.identity ??= storage && this.options.identity ? this.options.identity().catch(() => undefined) : Promise.resolve(undefined);
    const model = await this.identity;
    const store = storage && model ? { get: (text: string) => storage.get(model, text).catch(() => undefined), put: (text: string, vector: Float32Array) => storage.put(model, text, vector) } : undefined;
    const vectors: (Float32Array | undefined)[] = store ? await Promise.all(texts.map((text) => store.get(text))) : texts.map(() => undefined);
    if (vectors.every((vector) => vector !== undefined)) return vectors;
    const encoder = this.acquire(texts.filter((_, i) => vectors[i] === undefined));
    try {
      const { models } = await encoder;
      // An identity unknown before opening (files known only once fetched, as a browser's base-URL set) may be known now.
      let put = store?.put;
      if (!store && storage && this.options.identity) {
        this.identity = this.options.identity().catch(() => undefined);
        const known = await this.identity;
        if (known) put = (text, vector) => storage.put(known, text, vector);
      }
      for (const [i, text] of texts.entries()) {
        if (vectors[i]) continue;
        const vector = await this.options.embed(models, text);
        vectors[i] = vector;
        // Storage that cannot be written (read-only, full disk, quota) costs speed, never the result.
        await put?.(text, vector).catch(() => undefined);
      }
    } finally {
      await this.finish(encoder);
    }
    return vectors as Float32Array[];
  }

  private acquire(texts: readonly string[]): Promise<OpenTextEncoder<T>> {
    this.users += 1;
    this.encoder ??= this.options.open(texts);
    const encoder = this.encoder;
    // A failed open is forgotten, so the next call tries again.
    encoder.catch(() => {
      if (this.encoder === encoder) this.encoder = undefined;
    });
    return encoder;
  }

  private async finish(encoder: Promise<OpenTextEncoder<T>>): Promise<void> {
    this.users -= 1;
    if (!this.keep) await this.release(encoder);
  }

  /** Releases the text encoder now unless an embedding is in progress (the next new concept opens it again). */
  async releaseEncoder(): Promise<void> {
    if (this.encoder) await this.release(this.encoder);
  }

  private async release(encoder: Promise<OpenTextEncoder<T>>): Promise<void> {
    if (this.users > 0 || this.encoder !== encoder) return;
    this.encoder = undefined;
    const open = await encoder.catch(() => undefined);
    await open?.release();
  }

  /** Releases the text encoder, in use or not (for shutdown). */
  async close(): Promise<void> {
    const encoder = this.encoder;
    this.encoder = undefined;
    this.users = 0;
    const open = await encoder?.catch(() => undefined);
    await open?.release();
  }
}
