import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseModelManifest, type ModelManifest } from '@refractor/core';

const require = createRequire(import.meta.url);

/** Directory of the @refractor/models package (manifest and the tiny set). */
function modelsPackageDir(): string {
  return dirname(require.resolve('@refractor/models/package.json'));
}

/** The manifest shipped with @refractor/models. */
export function bundledManifest(): ModelManifest {
  const path = join(modelsPackageDir(), 'manifest.json');
  return parseModelManifest(JSON.parse(readFileSync(path, 'utf8')), path);
}

/**
 * The directory of a set shipped inside @refractor/models (the generated
 * `tiny` set), or undefined for sets that live on the hub.
 */
export function bundledSetDirectory(name: string): string | undefined {
  if (!/^[\w-]+$/.test(name)) return undefined;
  const dir = join(modelsPackageDir(), name);
  return existsSync(join(dir, 'refractor_cdm.onnx')) ? dir : undefined;
}
