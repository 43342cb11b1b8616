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
 * The records of a `--resume` file by resume key (path, size, SHA-256 and
 * settings digest; the last record wins). Errors count as done too: the same
 * bytes with the same settings fail the same way; a fixed file has a new hash
 * and is done again.
 *
 * @example
 * ```ts
 * const done = recordsByKey(sink.existing);
 * if (done.has(resumeKey(file, await fingerprint(file), digest))) skip();
 * ```
 */
export function recordsByKey(records: readonly OutputRecord[]): Map<string, OutputRecord> {
  const byKey = new Map<string, OutputRecord>();
  for (const record of records) {
    const fields = record as OutputRecord & Partial<ResumeFields>;
    if (typeof fields.settings_digest === 'string') byKey.set(resumeKey(record.file, fields.input, fields.settings_digest), record);
  }
  return byKey;
}
