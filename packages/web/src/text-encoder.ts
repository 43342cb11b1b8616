import type { InferenceSession } from 'onnxruntime-web';
import { MODEL_CONTRACTS, RefractorScorer, checkModelContract, rowSubsetTokenizer, type ConceptTokenizer, type RowSubsetTokenizer } from '@refractor/core';
import type { WebBackend } from './backend.js';
import type { FetchModelOptions } from './models.js';
import { openStreamedSession } from './streamed-session.js';

/** Where the text encoder's model file is, and how to fetch it. */
export interface TextModelFile {
  url: string;
  options: FetchModelOptions;
}

/**
 * The text encoder (DeBERTa) as the browser opens it: its file is read as a
 * stream into a small graph plus one buffer per weight (core's
 * `splitModelStream`), so the whole 735 MB file is never in memory beside
 * the WASM heap's copy of the weights. Opened for known texts, it keeps only
 * their tokens' rows of the 128,100 × 768 embedding table (393 MB of the
 * 735 MB): a few dozen rows for a run's concepts. Outputs are bitwise those of
 * the whole model, since the Gather reads the very same rows. A later text
 * with other tokens reopens it with those rows too (from Cache Storage).
 *
 * @example
 * ```ts
 * const encoder = await WebTextEncoder.open(backend, { url, options: {} }, tokenizer, ['Rain on a tin roof']);
 * const vector = await encoder.embed('Rain on a tin roof');
 * await encoder.release();
 * ```
 */
export class WebTextEncoder {
  private constructor(
    private readonly backend: WebBackend,
    private readonly file: TextModelFile,
    private readonly tokenizer: ConceptTokenizer,
    private session: InferenceSession,
    rows: Int32Array | undefined,
    private readonly onOpening: (() => void) | undefined,
  ) {
    this.setRows(rows);
  }

  /** The tokenizer for the row-subset table; undefined when the table is whole. */
  private subset: RowSubsetTokenizer | undefined;

  /**
   * Fetches (or reads from Cache Storage) and opens the encoder. With `texts`,
   * only their tokens' embedding rows are kept; with none, the whole table.
   */
  static async open(backend: WebBackend, file: TextModelFile, tokenizer: ConceptTokenizer, texts: readonly string[], onOpening?: () => void): Promise<WebTextEncoder> {
    const opened = await openSession(backend, file, texts.length > 0 ? tokenIds(tokenizer, texts) : undefined, onOpening);
    return new WebTextEncoder(backend, file, tokenizer, opened.session, opened.rows, onOpening);
  }

  /** The rows kept of the embedding table (token ids), or undefined when it is whole. */
  get rows(): Int32Array | undefined {
    return this.subset?.rows;
  }

  /** A text's 768-d embedding (mean-pooled last hidden state, as the Node scorer computes it). */
  async embed(text: string): Promise<Float32Array> {
    if (this.subset && !this.subset.covers(text)) await this.reopenFor(text);
    const tokenizer = this.subset ?? this.tokenizer;
    // The scorer's concept path reads only the text encoder and tokenizer.
    return new RefractorScorer(this.backend, { clap: NO_SESSION, cdm: NO_SESSION, text: this.session, tokenizer }).prepareConcept(text);
  }

  /** Frees the session (its weights in the WASM heap; the heap itself shrinks only when its worker ends). */
  async release(): Promise<void> {
    await this.session.release();
  }

  /** Opens the encoder again with the rows it has and the ones `text` needs. */
  private async reopenFor(text: string): Promise<void> {
    const ids = [...(this.subset?.rows ?? []), ...tokenIds(this.tokenizer, [text])];
    await this.session.release();
    const opened = await openSession(this.backend, this.file, ids, this.onOpening);
    this.session = opened.session;
    this.setRows(opened.rows);
  }

  private setRows(rows: Int32Array | undefined): void {
    this.subset = rows ? rowSubsetTokenizer(this.tokenizer, rows) : undefined;
  }
}

function tokenIds(tokenizer: ConceptTokenizer, texts: readonly string[]): number[] {
  return texts.flatMap((text) => (text.trim() === '' ? [] : tokenizer.encode(text).ids));
}

/**
 * The text encoder opens without graph optimizations. With them,
 * onnxruntime-web holds a second copy of much of the weights in its heap
 * while it optimizes, and a WASM heap never shrinks (measured with the bench
 * DeBERTa in onnxruntime-web under Node, 2 threads: 1179 vs 1071 MB peak,
 * session creation 3.8 vs 2.2 s). The encoder runs once per new concept, so
 * its slower unfused kernels cost little (a 24-token concept: ~0.5 s instead
 * of ~0.2 s); the hidden states move by up to 2e-6.
 */
export const TEXT_SESSION_OPTIONS: InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled' };

/** Streams the file into a split model (rows kept when `ids` are given) and opens it, each weight's JS copy freed once in the heap. */
async function openSession(backend: WebBackend, file: TextModelFile, ids: readonly number[] | undefined, onOpening?: () => void): Promise<{ session: InferenceSession; rows?: Int32Array }> {
  const opened = await openStreamedSession(backend, { role: 'text.model', ...file }, {
    ...(ids ? { split: { keepRows: { input: 'input_ids', ids } } } : {}),
    sessionOptions: TEXT_SESSION_OPTIONS,
    ...(onOpening ? { onOpening } : {}),
  });
  checkModelContract(opened.session, MODEL_CONTRACTS.text, file.url);
  return opened;
}

/** Stands in for the audio sessions: only concepts are embedded here; any use is a bug and says so. */
const NO_SESSION = new Proxy({} as InferenceSession, {
  get(_target, property) {
    throw new Error(`internal: the text encoder used an audio session (${String(property)})`);
  },
});
