import { Tokenizer } from '@huggingface/tokenizers';
import { CONCEPT_MAX_TOKENS, truncatingTokenizer, type ConceptTokenizer } from '@refractor/core';

/**
 * A concept tokenizer from a model's tokenizer.json and tokenizer_config.json,
 * truncating like the original's `tokenizer(text, truncation=True,
 * max_length=512)`.
 * The truncation itself is core's {@link truncatingTokenizer}, shared with Node.
 */
export function conceptTokenizer(tokenizerJson: object, tokenizerConfig: object, maxTokens = CONCEPT_MAX_TOKENS): ConceptTokenizer {
  return truncatingTokenizer(new Tokenizer(tokenizerJson, tokenizerConfig), maxTokens);
}
