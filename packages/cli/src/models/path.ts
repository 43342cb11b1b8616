import { ModelStoreError, bundledSetDirectory, modelSetStatus, type AnyModelFileRole, type ModelManifest, type StoreOptions } from '@refractor/node';
import { requireSet } from './store-flags.js';

/**
 * Where set `name`'s files are in the cache, one per role, without
 * downloading anything. Throws a `missing-files` {@link ModelStoreError}
 * naming every file that is not cached and the command that fetches them
 * (`pullHint`), since a partial list of paths is useless to a script.
 *
 * @example
 * ```ts
 * const paths = await cachedSetPaths(bundledManifest(), 'tiny', {}, 'refractor models pull tiny');
 * paths.find((file) => file.role === 'cdm')?.path; // '/home/me/.cache/refractor/hub/refractor-test/tiny-cdm/main/refractor_cdm.onnx'
 * ```
 */
export async function cachedSetPaths(
  manifest: ModelManifest,
  name: string,
  options: StoreOptions,
  pullHint: string,
): Promise<Array<{ role: AnyModelFileRole; path: string }>> {
  requireSet(manifest, name);
  const files = await modelSetStatus(name, manifest, options);
  const missing = files.filter((file) => !file.cached);
  if (missing.length > 0) {
    const list = missing.map((file) => `  - ${file.role}: expected at ${file.cachePath}`).join('\n');
    // A set shipped as a package (tiny, in @refractor/tiny-models) works without any download; say so rather than send people to the network.
    const bundled = bundledSetDirectory(name);
    const shipped = bundled ? `\n(--models ${name} needs no download: it uses the copy shipped at ${bundled}.)` : '';
    throw new ModelStoreError(
      'missing-files',
      `Model set "${name}" is not fully cached: ${missing.length} of ${files.length} files missing:\n${list}\nRun \`${pullHint}\` to download them.${shipped}`,
    );
  }
  return files.map((file) => ({ role: file.role, path: file.cachePath }));
}
