import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ModelStoreError,
  TINY_MODELS_PACKAGE,
  bundledSetDirectory,
  bundledSetPackage,
  modelFileLocalPath,
  modelSetRoles,
  sha256OfFile,
  type AnyModelFileRole,
  type ModelManifest,
  type VerifiedFile,
} from '@refractor/node';
import { requireSet } from './store-flags.js';

/**
 * A set that ships as an npm package (`tiny`, in @refractor/tiny-models): what
 * `--models tiny` loads, with no cache and no download. Its hub entries in the
 * manifest only describe where a cache copy would live (`--hub-copy`).
 */
export interface ShippedSet {
  /** The npm package the set ships in. */
  package: string;
  /** Where that package is installed; undefined when it is not. */
  dir: string | undefined;
  /** Each role's file in the package, with the manifest's size and sha256. */
  files: Array<{ role: AnyModelFileRole; path: string; size?: number; sha256?: string }>;
}

/**
 * The package copy of set `name`, or undefined for a set that lives on the hub.
 *
 * @example
 * ```ts
 * shippedSet(bundledManifest(), 'tiny')?.dir;    // '/usr/lib/node_modules/@refractor/cli/node_modules/@refractor/tiny-models'
 * shippedSet(bundledManifest(), 'default');      // undefined: downloaded from the hub
 * ```
 */
export function shippedSet(manifest: ModelManifest, name: string): ShippedSet | undefined {
  const set = requireSet(manifest, name);
  const pkg = bundledSetPackage(name);
  if (pkg === undefined) return undefined;
  const dir = bundledSetDirectory(name);
  const files = modelSetRoles(set).map((role) => {
    const source = set.files[role]!;
    return {
      role,
      path: dir === undefined ? modelFileLocalPath(role) : join(dir, ...modelFileLocalPath(role).split('/')),
      ...(source.size === undefined ? {} : { size: source.size }),
      ...(source.sha256 === undefined ? {} : { sha256: source.sha256 }),
    };
  });
  return { package: pkg, dir, files };
}

/**
 * The error for a shipped set whose package is not installed: it names the
 * package to install (the hub has no copy to download instead).
 *
 * @example
 * ```ts
 * if (shipped.dir === undefined) throw notInstalled('tiny', shipped);
 * ```
 */
export function notInstalled(name: string, shipped: ShippedSet): ModelStoreError {
  const also = shipped.package === TINY_MODELS_PACKAGE ? ' (about 5 MB; @refractor/cli depends on it, so reinstalling the CLI brings it back)' : '';
  return new ModelStoreError(
    'missing-files',
    `The "${name}" model set ships in the ${shipped.package} package, which is not installed: run \`npm install ${shipped.package}\`${also}.`,
  );
}

/**
 * Re-hashes the shipped files against the manifest, as `verifyModelSet` does
 * for a cache (same statuses; `path` is the file in the package).
 *
 * @example
 * ```ts
 * const files = await verifyShippedSet(shippedSet(bundledManifest(), 'tiny')!);
 * files.every((file) => file.status === 'ok'); // true for an intact install
 * ```
 */
export async function verifyShippedSet(shipped: ShippedSet): Promise<VerifiedFile[]> {
  const results: VerifiedFile[] = [];
  for (const file of shipped.files) {
    const size = await regularFileSize(file.path);
    if (size === undefined) results.push({ role: file.role, path: file.path, status: 'missing' });
    else if (file.size !== undefined && size !== file.size) results.push({ role: file.role, path: file.path, status: 'size-mismatch', size });
    else if (file.sha256 === undefined) results.push({ role: file.role, path: file.path, status: 'unverifiable', size });
    else {
      const sha256 = await sha256OfFile(file.path);
      results.push({ role: file.role, path: file.path, status: sha256 === file.sha256 ? 'ok' : 'sha256-mismatch', size, sha256 });
    }
  }
  return results;
}

async function regularFileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}
