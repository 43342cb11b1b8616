import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sha256OfFile } from '../store/file-check.js';
import { writeFileAtomic } from '../atomic-file.js';

/** What the digest sidecar of one file remembers. */
interface DigestRecord {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

function isDigestRecord(value: unknown): value is DigestRecord {
  const record = value as DigestRecord;
  return (
    typeof record === 'object' &&
    record !== null &&
    typeof record.path === 'string' &&
    typeof record.size === 'number' &&
    typeof record.mtimeMs === 'number' &&
    typeof record.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(record.sha256)
  );
}

/**
 * The SHA-256 of a file, remembered in a small JSON sidecar under `memoDir`
 * keyed by the file's absolute path, size and modification time, so a 735 MB
 * text encoder is hashed once, not on every run. A file that changed (other
 * size or mtime) is hashed again; an unreadable or foreign sidecar is
 * ignored and rewritten. Sidecars are written atomically, so concurrent
 * processes at worst hash the same file twice.
 *
 * @example
 * ```ts
 * await memoizedFileSha256('/models/text/onnx/model.onnx', '/home/me/.cache/refractor/concepts/file-digests');
 * // 'a3f1…' (hashed the first time, read from the sidecar afterwards)
 * ```
 */
export async function memoizedFileSha256(path: string, memoDir: string): Promise<string> {
  const absolute = resolve(path);
  const info = await stat(absolute);
  const sidecar = join(memoDir, `${createHash('sha256').update(absolute).digest('hex')}.json`);
  try {
    const record: unknown = JSON.parse(await readFile(sidecar, 'utf8'));
    if (isDigestRecord(record) && record.path === absolute && record.size === info.size && record.mtimeMs === info.mtimeMs) return record.sha256;
  } catch {
    // No sidecar yet, or a damaged one: hash the file and (re)write it.
  }
  const sha256 = await sha256OfFile(absolute);
  // Checked again after hashing: a file replaced while it was read must not be remembered under its new mtime.
  const after = await stat(absolute);
  if (after.size === info.size && after.mtimeMs === info.mtimeMs) {
    const record: DigestRecord = { path: absolute, size: info.size, mtimeMs: info.mtimeMs, sha256 };
    await mkdir(memoDir, { recursive: true });
    await writeFileAtomic(sidecar, `${JSON.stringify(record)}\n`);
  }
  return sha256;
}
