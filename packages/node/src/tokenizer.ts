import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { CONCEPT_MAX_TOKENS, RefractorError, truncatingTokenizer, type ConceptTokenizer } from '@refractor/core';

/**
 * A concept tokenizer from a model's tokenizer.json and tokenizer_config.json
 * (@huggingface/tokenizers, pure JS), truncating like the original's
 * `tokenizer(text, truncation=True, max_length=512)`: the text's own tokens are
 * cut so that, with the special tokens around them, at most 512 remain.
 */
export function conceptTokenizer(tokenizerJson: object, tokenizerConfig: object, maxTokens = CONCEPT_MAX_TOKENS): ConceptTokenizer {
  return truncatingTokenizer(new Tokenizer(tokenizerJson, tokenizerConfig), maxTokens);
}

/** Loads {@link conceptTokenizer} from files, naming the file that fails. */
export async function loadConceptTokenizer(tokenizerPath: string, configPath: string): Promise<ConceptTokenizer> {
  const readJson = async (path: string) => {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as object;
    } catch (error) {
      throw new RefractorError(`${path}: cannot read tokenizer file: ${(error as Error).message}`, { cause: error });
    }
  };
  const [json, config] = await Promise.all([readJson(tokenizerPath), readJson(configPath)]);
  try {
    return conceptTokenizer(json, config);
  } catch (error) {
    throw new RefractorError(`${tokenizerPath}: not a tokenizer @huggingface/tokenizers can load: ${(error as Error).message}`, { cause: error });
  }
}
