import { describe, expect, it } from 'vitest';
import { truncatingTokenizer, type HfLikeTokenizer } from '../src/index.js';

/** A stand-in tokenizer: one id per word (its length + 10), wrapped in [CLS]=1 … [SEP]=2. */
const words: HfLikeTokenizer = {
  encode(text, options = {}) {
    const body = text.split(' ').filter(Boolean).map((w) => w.length + 10);
    return { ids: options.add_special_tokens === false ? body : [1, ...body, 2] };
  },
};

describe('truncatingTokenizer', () => {
  it('keeps short texts whole, with a full attention mask', () => {
    expect(truncatingTokenizer(words).encode('a bb ccc')).toEqual({ ids: [1, 11, 12, 13, 2], attentionMask: [1, 1, 1, 1, 1] });
  });

  it('cuts long texts to the limit and keeps both special tokens, as truncation=True in Python', () => {
    const text = Array.from({ length: 600 }, (_, i) => 'x'.repeat((i % 5) + 1)).join(' ');
    const { ids, attentionMask } = truncatingTokenizer(words).encode(text);
    expect(ids).toHaveLength(512);
    expect(ids[0]).toBe(1);
    expect(ids[511]).toBe(2);
    expect(ids.slice(1, 511)).toEqual(words.encode(text, { add_special_tokens: false }).ids.slice(0, 510));
    expect(attentionMask).toHaveLength(512);
    expect(truncatingTokenizer(words, 8).encode(text).ids).toEqual([1, 11, 12, 13, 14, 15, 11, 2]);
  });
});
