import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { CDM_CONTRACT, CONCEPT_MAX_TOKENS } from '@refractor/core';
import { cosine, int64, ort, readJson, session } from './helpers.js';

const tokenizerJson = readJson('text.tokenizer') as Record<string, any>;
const tokenizerConfig = readJson('text.tokenizer_config');
const config = readJson('text.config');
const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
const SPECIAL = { '[PAD]': 0, '[CLS]': 1, '[SEP]': 2, '[UNK]': 3 } as const;

/**
 * Ids that the Rust `tokenizers` library (Python tokenizers 0.22.2, `Tokenizer.from_file`)
 * gave for the committed tokenizer.json: the JS tokenizer must agree.
 */
const RUST_IDS: [string, number[]][] = [
  ['A song about forgetting the future', [1, 292, 221, 78, 237, 21, 235, 2]],
  ["  Hello,   World! The RAINBOW's colors: 1999 ", [1, 300, 429, 429, 432, 6, 414, 341, 429, 421, 7, 291, 409, 452, 460, 465, 453, 466, 474, 9, 310, 244, 310, 12, 4, 443, 451, 451, 451, 2]],
  ['Café — naïve ☃ [MASK] x', [1, 395, 418, 423, 478, 4, 19, 381, 418, 488, 357, 4, 3, 494, 391, 2]],
  ['It’s a slow song\tabout\nlight', [1, 294, 18, 310, 25, 269, 221, 78, 203, 2]],
  ['ｆｕｌｌ ｗｉｄｔｈ', [1, 4, 322, 429, 390, 426, 421, 332, 2]],
  ['', [1, 2]],
  ['Violet dreams of a person imagined (2024)', [1, 413, 355, 356, 436, 230, 22, 25, 243, 241, 4, 14, 444, 442, 444, 446, 15, 2]],
];

describe('tiny DeBERTa tokenizer', () => {
  it('is a SentencePiece-Unigram tokenizer.json shaped like DeBERTa-v3', () => {
    expect(tokenizerJson['model'].type).toBe('Unigram');
    expect(tokenizerJson['model'].unk_id).toBe(3);
    expect(tokenizerJson['model'].vocab.slice(0, 4).map((p: [string, number]) => p[0])).toEqual(Object.keys(SPECIAL));
    expect(tokenizerJson['pre_tokenizer'].pretokenizers).toEqual([{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }]);
    expect(tokenizerJson['decoder'].type).toBe('Metaspace');
    expect(tokenizerJson['post_processor'].type).toBe('TemplateProcessing');
    expect(tokenizerConfig).toMatchObject({ tokenizer_class: 'DebertaV2Tokenizer', model_max_length: CONCEPT_MAX_TOKENS, do_lower_case: false });
  });

  it('has the DeBERTa-v3 special ids, [MASK] right after the pieces, and config.vocab_size covering every id', () => {
    for (const [token, id] of Object.entries(SPECIAL)) expect(tokenizer.token_to_id(token)).toBe(id);
    const pieces = tokenizerJson['model'].vocab.length as number;
    expect(tokenizer.token_to_id('[MASK]')).toBe(pieces);
    expect(config['vocab_size']).toBe(pieces + 1);
    expect(tokenizer.get_vocab().size).toBe(pieces + 1);
  });

  it('encodes a concept to [CLS] … [SEP] with no [UNK] for common words', () => {
    const { ids, tokens, attention_mask } = tokenizer.encode('A song about forgetting the future');
    expect(tokens).toEqual(['[CLS]', '▁A', '▁song', '▁about', '▁forgetting', '▁the', '▁future', '[SEP]']);
    expect(ids[0]).toBe(SPECIAL['[CLS]']);
    expect(ids.at(-1)).toBe(SPECIAL['[SEP]']);
    expect(ids).not.toContain(SPECIAL['[UNK]']);
    expect(attention_mask).toEqual(ids.map(() => 1));
    const longer = tokenizer.encode('The quick brown fox jumps over the lazy dog, 42 times; UPPER case too!').ids;
    expect(longer).not.toContain(SPECIAL['[UNK]']);
    expect(tokenizer.decode(tokenizer.encode('A song about forgetting the future').ids, { skip_special_tokens: true })).toBe(
      'A song about forgetting the future',
    );
  });

  it.each(RUST_IDS)('agrees with the Rust tokenizers library on %j', (text, ids) => {
    expect(tokenizer.encode(text).ids).toEqual(ids);
  });
});

/** Runs the text model on a right-padded batch and returns last_hidden_state with the masks. */
async function encode(s: ort.InferenceSession, texts: string[]) {
  const encoded = texts.map((t) => tokenizer.encode(t).ids);
  const length = Math.max(...encoded.map((ids) => ids.length));
  const ids: number[] = [];
  const mask: number[] = [];
  for (const e of encoded) {
    ids.push(...e, ...new Array(length - e.length).fill(SPECIAL['[PAD]']));
    mask.push(...e.map(() => 1), ...new Array(length - e.length).fill(0));
  }
  const dims = [texts.length, length];
  const out = await s.run({ input_ids: int64(ids, dims), attention_mask: int64(mask, dims), token_type_ids: int64(new Array(ids.length).fill(0), dims) });
  return { hidden: out['last_hidden_state']!, mask, length };
}

/** Attention-masked mean pooling (what the scorer does). */
function meanPool(hidden: Float32Array, mask: number[], row: number, length: number): Float64Array {
  const d = CDM_CONTRACT.conceptEmbeddingDim;
  const out = new Float64Array(d);
  let count = 0;
  for (let t = 0; t < length; t++) {
    if (!mask[row * length + t]) continue;
    count++;
    for (let k = 0; k < d; k++) out[k] += hidden[(row * length + t) * d + k]!;
  }
  return out.map((v) => v / count);
}

describe('tiny DeBERTa text model', () => {
  it('gives [batch, sequence, 768] states whose mean pools differ between texts', async () => {
    const s = await session('text.model');
    const texts = ['A song about forgetting the future', 'Red light in the dark city at night', 'blue'];
    const { hidden, mask, length } = await encode(s, texts);
    expect(hidden.dims).toEqual([3, length, 768]);
    const data = hidden.data as Float32Array;
    expect(data.every(Number.isFinite)).toBe(true);
    const pooled = texts.map((_, r) => meanPool(data, mask, r, length));
    expect(cosine(pooled[0]!, pooled[1]!)).toBeLessThan(0.9);
    expect(cosine(pooled[0]!, pooled[2]!)).toBeLessThan(0.9);
    expect(cosine(pooled[1]!, pooled[2]!)).toBeLessThan(0.9);
    await s.release();
  });

  it('padding changes nothing for the real tokens (batched = one at a time)', async () => {
    const s = await session('text.model');
    const short = 'blue';
    const batched = await encode(s, ['A song about forgetting the future', short]);
    const alone = await encode(s, [short]);
    const d = 768;
    const a = alone.hidden.data as Float32Array;
    const b = batched.hidden.data as Float32Array;
    let worst = 0;
    for (let t = 0; t < alone.length; t++) {
      for (let k = 0; k < d; k++) worst = Math.max(worst, Math.abs(a[t * d + k]! - b[(batched.length + t) * d + k]!));
    }
    expect(worst).toBeLessThan(1e-6);
    await s.release();
  });

  it('accepts 512 tokens and fails past 512 (truncate before calling it)', async () => {
    const s = await session('text.model', { logSeverityLevel: 4 });
    const run = (n: number) => {
      const ids = [1, ...new Array(n - 2).fill(21), 2];
      return s.run({ input_ids: int64(ids, [1, n]), attention_mask: int64(ids.map(() => 1), [1, n]), token_type_ids: int64(ids.map(() => 0), [1, n]) });
    };
    expect((await run(CONCEPT_MAX_TOKENS))['last_hidden_state']!.dims).toEqual([1, 512, 768]);
    await expect(run(CONCEPT_MAX_TOKENS + 1)).rejects.toThrow();
    await s.release();
  });
});
