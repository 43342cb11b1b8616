import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { ColorName } from '@refractor/core';
import { COLOR_LABEL_HINT, UnknownColorLabelError, parseColorLabel } from './labels.js';
import type { SkipReason } from './types.js';

/** A song's label file, read: its color and concept, or why it cannot be used. */
export type SongLabel =
  | { ok: true; color: ColorName; concept: string | null }
  | { ok: false; reason: Extract<SkipReason, 'unreadable-label' | 'unknown-color'>; message: string };

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'an empty document';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

/**
 * The concept text of a label: absent, null or blank means none (the
 * original embedded zeros then). YAML turns `concept: 1984` into a number
 * and `concept: yes` into a boolean; a human meant the text, so scalars are
 * kept as text. Lists and mappings cannot be a concept.
 */
function conceptOf(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Reads one song's `<id>.yml` in the original layout: `rainbow_color` (a
 * color name or letter, any case) and an optional `concept`. Never throws for
 * a bad file: the result says what is wrong, naming the file and field.
 *
 * @example
 * ```ts
 * const label = await readSongLabel('staged/07/07.yml');
 * if (label.ok) console.log(label.color, label.concept);
 * else console.error(label.message); // e.g. 'unknown color label "Teal" (rainbow_color in staged/07/07.yml); expected …'
 * ```
 */
export async function readSongLabel(file: string): Promise<SongLabel> {
  let document: unknown;
  try {
    document = parseYaml(await readFile(file, 'utf8'));
  } catch (error) {
    // YAML errors carry a code excerpt after the first line; the first line has the position.
    const detail = (error as Error).message.split('\n')[0]!.replace(/:\s*$/, '');
    return { ok: false, reason: 'unreadable-label', message: `unreadable yml ${file}: ${detail}` };
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return { ok: false, reason: 'unreadable-label', message: `unreadable yml ${file}: found ${kindOf(document)}; expected a mapping with rainbow_color and concept` };
  }
  const fields = document as Record<string, unknown>;
  if (!('rainbow_color' in fields)) {
    return { ok: false, reason: 'unreadable-label', message: `unreadable yml ${file}: no rainbow_color field; ${COLOR_LABEL_HINT}` };
  }
  let color: ColorName;
  try {
    color = parseColorLabel(fields.rainbow_color, `rainbow_color in ${file}`);
  } catch (error) {
    if (!(error instanceof UnknownColorLabelError)) throw error;
    return { ok: false, reason: 'unknown-color', message: error.message };
  }
  const concept = conceptOf(fields.concept);
  if (concept === undefined) {
    return { ok: false, reason: 'unreadable-label', message: `unreadable yml ${file}: concept is ${kindOf(fields.concept)}; expected text (or no concept field)` };
  }
  return { ok: true, color, concept };
}
