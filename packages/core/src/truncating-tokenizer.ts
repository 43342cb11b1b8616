import { CONCEPT_MAX_TOKENS } from './model-contracts.js';
import type { ConceptTokenizer } from './scorer.js';

/** The part of a Hugging Face tokenizer (tokenizers.js `Tokenizer`) we use. */
export interface HfLikeTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: readonly number[] };
}

/**
 * Wraps a Hugging Face tokenizer so it truncates like the original's
 * `tokenizer(text, truncation=True, max_length=512)`: the text's own tokens
 * are cut so that, with the special tokens the post-processor wraps around
 * them ([CLS] … [SEP] for DeBERTa-v3), at most `maxTokens` remain.
 * (tokenizers.js has no truncation option; transformers.js's drops the final
 * [SEP].) Core takes the tokenizer as a value so it depends on no tokenizer package.
 *
 * @example
 * ```ts
 * import { Tokenizer } from '@huggingface/tokenizers';
 * const concept = truncatingTokenizer(new Tokenizer(tokenizerJson, tokenizerConfig));
 * concept.encode('A song about forgetting the future').ids; // [1, …, 2]
 * ```
 */
export function truncatingTokenizer(tokenizer: HfLikeTokenizer, maxTokens = CONCEPT_MAX_TOKENS): ConceptTokenizer {
  const wrapping = tokenizer.encode('').ids;
  return {
    encode(text: string) {
      const full = tokenizer.encode(text).ids;
      if (full.length <= maxTokens) return { ids: full, attentionMask: full.map(() => 1) };
      const body = tokenizer.encode(text, { add_special_tokens: false }).ids.slice(0, maxTokens - wrapping.length);
      const ids = [...wrapping.slice(0, 1), ...body, ...wrapping.slice(1)];
      return { ids, attentionMask: ids.map(() => 1) };
    },
  };
}
