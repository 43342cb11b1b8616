import { modelSetStatus, resolveStoreOptions, type AnyModelFileRole, type ModelManifest, type StoreOptions } from '@refractor/node';
import { alignColumns, formatBytes } from './format.js';
import { shippedSet } from './shipped.js';
import { requireSet } from './store-flags.js';

/** One file of a set in `refractor models list --json`. Unknown values are null, so every key is always there. */
export interface ListedFile {
  role: AnyModelFileRole;
  repo: string;
  revision: string;
  /** Path inside the repository. */
  path: string;
  size: number | null;
  sha256: string | null;
  /** Cached with the manifest's size: what the next run would use without downloading. */
  cached: boolean;
  /** Where the file is, or will be once pulled. */
  cachePath: string;
}

/** One set in `refractor models list --json`. */
export interface ListedSet {
  name: string;
  description: string;
  testOnly: boolean;
  /**
   * For a set that ships as an npm package (tiny): the package and where it is
   * installed (null when it is not). `--models <set>` loads that copy, so the
   * cache state below (`cached`, the files' hub entries) only describes an
   * optional hub copy. Null for sets that live on the hub.
   */
  shipped: { package: string; dir: string | null } | null;
  /** Every file is cached. */
  cached: boolean;
  files: ListedFile[];
}

/** The whole `refractor models list --json` document. */
export interface ModelListing {
  cacheDir: string;
  sets: ListedSet[];
}

/**
 * What the manifest offers and what the cache holds: every set, or only
 * `name`. Looks at file sizes only (no hashing, no network), so it is instant
 * even for the full-size models.
 *
 * @example
 * ```ts
 * const listing = await listModelSets(bundledManifest(), 'tiny', { cacheDir: '/tmp/models' });
 * listing.sets[0].files.filter((file) => !file.cached).map((file) => file.role); // what `models pull tiny` would fetch
 * ```
 */
export async function listModelSets(manifest: ModelManifest, name: string | undefined, options: StoreOptions): Promise<ModelListing> {
  const names = name === undefined ? Object.keys(manifest.sets) : [name];
  const sets: ListedSet[] = [];
  for (const setName of names) {
    const set = requireSet(manifest, setName);
    const statuses = await modelSetStatus(setName, manifest, options);
    const files = statuses.map(
      (status): ListedFile => ({
        role: status.role,
        repo: status.repo,
        revision: status.revision,
        path: status.path,
        size: status.size ?? null,
        sha256: set.files[status.role]?.sha256 ?? null,
        cached: status.cached,
        cachePath: status.cachePath,
      }),
    );
    const shipped = shippedSet(manifest, setName);
    sets.push({
      name: setName,
      description: set.description,
      testOnly: set.testOnly ?? false,
      shipped: shipped ? { package: shipped.package, dir: shipped.dir ?? null } : null,
      cached: files.every((file) => file.cached),
      files,
    });
  }
  return { cacheDir: resolveStoreOptions(options).cacheDir, sets };
}

/**
 * The listing as text: a header per set, an aligned row per file
 * (role, `repo@revision/path`, size, cached), a count, and with `verbose`
 * each file's cache path under its row.
 *
 * @example
 * ```ts
 * for (const line of renderModelListing(listing, false)) console.log(line);
 * // tiny [test only]: Tiny TEST set …
 * //   cdm  refractor-test/tiny-cdm@main/refractor_cdm.onnx  1.4 MB  cached
 * ```
 */
export function renderModelListing(
  listing: ModelListing,
  verbose: boolean,
  pullHint: (set: string) => string = (set) => `refractor models pull ${set}`,
): string[] {
  const lines = [`Model cache: ${listing.cacheDir}`];
  for (const set of listing.sets) {
    lines.push('', `${set.name}${set.testOnly ? ' [test only: its predictions mean nothing]' : ''}: ${set.description}`);
    if (set.shipped) lines.push(`  ${shippedLine(set.name, set.shipped)}`);
    const rows = alignColumns(
      set.files.map((file) => [file.role, `${file.repo}@${file.revision}/${file.path}`, formatBytes(file.size ?? undefined), file.cached ? 'cached' : 'not cached']),
    );
    set.files.forEach((file, index) => {
      lines.push(`  ${rows[index]}`);
      if (verbose) lines.push(`      ${file.cachePath}`);
    });
    lines.push(`  ${summary(set, pullHint(set.name))}`);
  }
  return lines;
}

/** Where `--models <set>` takes a shipped set from, or what to install. */
function shippedLine(name: string, shipped: NonNullable<ListedSet['shipped']>): string {
  return shipped.dir === null
    ? `ships in ${shipped.package}, which is not installed (\`npm install ${shipped.package}\`); --models ${name} needs it`
    : `ships in ${shipped.package} at ${shipped.dir}: --models ${name} uses that copy, nothing to download`;
}

/**
 * "8 of 8 files cached, 4.8 MB in all"; the total only when the manifest gives every size.
 * For a shipped set the cache holds only an optional hub copy, and the line says so.
 */
function summary(set: ListedSet, pullHint: string): string {
  const cached = set.files.filter((file) => file.cached).length;
  const sizes = set.files.map((file) => file.size);
  const total = sizes.every((size) => size !== null) ? `${formatBytes(sizes.reduce((sum, size) => sum + size!, 0))} in all` : 'total size not in the manifest';
  if (set.shipped) return `hub copy in the cache (optional; \`${pullHint} --hub-copy\` fetches it): ${cached} of ${set.files.length} files cached, ${total}`;
  const next = cached < set.files.length ? ` (get them with \`${pullHint}\`)` : '';
  return `${cached} of ${set.files.length} files cached, ${total}${next}`;
}
