import { rm } from 'node:fs/promises';
import { verifyModelSet, type ModelManifest, type StoreOptions, type VerifiedFile } from '@refractor/node';
import { alignColumns, formatBytes } from './format.js';
import { requireSet } from './store-flags.js';

/** Statuses that make the set unusable until pulled again. */
const CORRUPT: ReadonlySet<VerifiedFile['status']> = new Set(['size-mismatch', 'sha256-mismatch']);

/** What `refractor models verify` found, and what `--fix` deleted. */
export interface VerifyReport {
  files: VerifiedFile[];
  missing: VerifiedFile[];
  corrupt: VerifiedFile[];
  /** Cached, but the manifest has no sha256 to check them against: a warning, not a failure. */
  unverifiable: VerifiedFile[];
  /** Corrupt files deleted by `--fix`. */
  removed: string[];
}

/**
 * Re-hashes set `name`'s cached files against the manifest and, with `fix`,
 * deletes the corrupt ones so the next `refractor models pull` downloads
 * them again (the store reuses any cached file of the right size without
 * hashing, so a same-size corrupt file would otherwise stay forever).
 *
 * @example
 * ```ts
 * const report = await verifyModels(bundledManifest(), 'tiny', { cacheDir: '/tmp/models' }, true);
 * report.removed; // ['/tmp/models/hub/refractor-test/tiny-deberta/main/onnx/model.onnx'] when it was corrupt
 * ```
 */
export async function verifyModels(manifest: ModelManifest, name: string, options: StoreOptions, fix: boolean): Promise<VerifyReport> {
  requireSet(manifest, name);
  const files = await verifyModelSet(name, manifest, options);
  const corrupt = files.filter((file) => CORRUPT.has(file.status));
  const removed: string[] = [];
  if (fix) {
    for (const file of corrupt) {
      // force: a file deleted meanwhile (another verify --fix) is no error.
      await rm(file.path, { force: true });
      removed.push(file.path);
    }
  }
  return {
    files,
    missing: files.filter((file) => file.status === 'missing'),
    corrupt,
    unverifiable: files.filter((file) => file.status === 'unverifiable'),
    removed,
  };
}

/**
 * One aligned line per file: status, role, path, and what was wrong
 * (sizes or hashes, expected against found).
 *
 * @example
 * ```ts
 * renderVerifyReport(report, manifest.sets.tiny);
 * // ['ok               cdm          /tmp/models/hub/…/refractor_cdm.onnx', 'sha256-mismatch  text.model   /tmp/…/model.onnx  (sha256 0badc0de…, expected 7b9720e4…)', …]
 * ```
 */
export function renderVerifyReport(report: VerifyReport, expected: { files: Record<string, { size?: number; sha256?: string }> }): string[] {
  return alignColumns(
    report.files.map((file) => {
      const detail = describeProblem(file, expected.files[file.role] ?? {});
      return [file.status, file.role, detail ? `${file.path}  (${detail})` : file.path];
    }),
  );
}

function describeProblem(file: VerifiedFile, expected: { size?: number; sha256?: string }): string {
  switch (file.status) {
    case 'size-mismatch':
      return `${file.size} bytes, expected ${expected.size}`;
    case 'sha256-mismatch':
      return `sha256 ${file.sha256?.slice(0, 12)}…, expected ${expected.sha256?.slice(0, 12)}…`;
    case 'unverifiable':
      return `${formatBytes(file.size)}; no sha256 in the manifest to check it against`;
    case 'missing':
      return 'not cached';
    default:
      return '';
  }
}
