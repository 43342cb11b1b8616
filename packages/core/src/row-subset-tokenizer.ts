import { RefractorError } from './errors.js';
import type { ConceptTokenizer } from './scorer.js';

/** A tokenizer whose ids index a row-subset embedding table, and which texts it can encode. */
export interface RowSubsetTokenizer extends ConceptTokenizer {
  /** The token ids the subset table keeps, sorted: row `i` is token `rows[i]`. */
  readonly rows: Int32Array;
  /** True when every token of `text` has a row in the subset table. */
  covers(text: string): boolean;
}

/**
 * The tokenizer for a text encoder opened with only some rows of its
 * embedding table (`splitModelStream`'s `keepRows`): each token id becomes
 * the index of its row in the subset (`rows` is sorted). A text with a token
 * outside the subset throws rather than read a wrong row; open the encoder
 * with that text's ids too.
 *
 * @example
 * ```ts
 * const split = await splitModelStream(body, { keepRows: { input: 'input_ids', ids: texts.flatMap((t) => tokenizer.encode(t).ids) } });
 * const subsetTokenizer = split.rows ? rowSubsetTokenizer(tokenizer, split.rows) : tokenizer;
 * ```
 */
export function rowSubsetTokenizer(tokenizer: ConceptTokenizer, rows: Int32Array): RowSubsetTokenizer {
  const index = (id: number): number => {
    let low = 0;
    let high = rows.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const row = rows[middle]!;
      if (row === id) return middle;
      if (row < id) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  };
  return {
    rows,
    covers: (text) => tokenizer.encode(text).ids.every((id) => index(id) >= 0),
    encode(text) {
      const { ids, attentionMask } = tokenizer.encode(text);
      const mapped = ids.map((id) => {
        const row = index(id);
        if (row < 0) throw new RefractorError(`internal: token id ${id} of this concept has no row in the text encoder opened for other concepts (${rows.length} rows kept)`);
        return row;
      });
      return { ids: mapped, attentionMask };
    },
  };
}
