import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BUNDLED_MANIFEST, type ModelManifest } from '@refractor/core';
import { ModelStoreError } from './store/errors.js';

/**
 * Sets that ship as their own npm package rather than on the hub, by set name.
 * `@refractor/node` does not depend on them (the tiny set is 4.8 MB an
 * inference user does not need); they are found when the user installed them
 * (`@refractor/cli` depends on `@refractor/tiny-models`).
 */
export const TINY_MODELS_PACKAGE = '@refractor/tiny-models';
const SET_PACKAGES: Readonly<Record<string, string>> = Object.freeze({ tiny: TINY_MODELS_PACKAGE });

/** The manifest shipped with Refractor (`@refractor/core`'s {@link BUNDLED_MANIFEST}). */
export function bundledManifest(): ModelManifest {
  return BUNDLED_MANIFEST;
}

/**
 * The directory of package `name` if it is installed: looked up from this
 * module first (npm's hoisted layout, a dependent such as @refractor/cli),
 * then from the working directory (a pnpm project that installed it itself:
 * pnpm does not hoist it next to @refractor/node).
 */
function installedPackageDir(name: string): string | undefined {
  const from = [import.meta.url, join(process.cwd(), 'package.json')];
  for (const base of from) {
    try {
      return dirname(createRequire(base).resolve(`${name}/package.json`));
    } catch {
      // not resolvable from here; try the next base
    }
  }
  return undefined;
}

/**
 * The directory of a set shipped as an npm package (the generated `tiny`
 * set, in `@refractor/tiny-models`) when that package is installed; undefined
 * for sets that live on the hub, or when the package is not installed (see
 * {@link bundledSetPackage}).
 *
 * @example
 * ```ts
 * bundledSetDirectory('tiny'); // '/app/node_modules/@refractor/tiny-models' once `npm install @refractor/tiny-models`
 * ```
 */
export function bundledSetDirectory(name: string): string | undefined {
  const pkg = bundledSetPackage(name);
  if (pkg === undefined) return undefined;
  const dir = installedPackageDir(pkg);
  return dir !== undefined && existsSync(join(dir, 'refractor_cdm.onnx')) ? dir : undefined;
}

/** The npm package a set ships in (`tiny` → `@refractor/tiny-models`), or undefined for hub sets. */
export function bundledSetPackage(name: string): string | undefined {
  return Object.hasOwn(SET_PACKAGES, name) ? SET_PACKAGES[name] : undefined;
}

/**
 * When set `name` ships as a package that is not installed, the error to throw
 * instead of `cause` (which would only say the hub has no such repository):
 * it names the package to install. Undefined otherwise.
 */
export function missingSetPackage(name: string, cause: unknown): ModelStoreError | undefined {
  const pkg = bundledSetPackage(name);
  if (pkg === undefined || bundledSetDirectory(name) !== undefined) return undefined;
  const code = cause instanceof ModelStoreError ? cause.reason : 'missing-files';
  return new ModelStoreError(
    code,
    `The "${name}" model set ships in the ${pkg} package, which is not installed. Run \`npm install ${pkg}\` (${pkg === TINY_MODELS_PACKAGE ? 'about 5 MB; ' : ''}@refractor/cli already depends on it), or pass a model directory.`,
    undefined,
    { cause },
  );
}
