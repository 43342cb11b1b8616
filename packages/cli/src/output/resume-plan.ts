import type { OutputRecord } from './formats.js';
import { resumeKey, type InputFingerprint } from './resume-key.js';

/** The keys `--resume` compares: every record a JSON Lines run writes carries them. */
export interface ResumeFields {
  /** The input's size and SHA-256 (absent when it could not be read). */
  input?: InputFingerprint;
  /** {@link settingsDigest} of the settings that decide the record. */
  settings_digest: string;
}

/**
 * The inputs already done in a `--resume` file: the key of every record
 * (result or error) that carries resume fields. Errors count as done too:
 * the same bytes with the same settings fail the same way; a fixed file has
 * a new hash and is scored again.
 *
 * @example
 * ```ts
 * const done = doneKeys(sink.existing);
 * if (done.has(resumeKey(file, await fingerprint(file), digest))) skip();
 * ```
 */
export function doneKeys(records: readonly OutputRecord[]): Set<string> {
  const keys = new Set<string>();
  for (const record of records) {
    const fields = record as OutputRecord & Partial<ResumeFields>;
    if (typeof fields.settings_digest === 'string') keys.add(resumeKey(record.file, fields.input, fields.settings_digest));
  }
  return keys;
}
