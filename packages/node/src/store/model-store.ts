import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import {
  MODEL_FILE_ROLES,
  OPTIONAL_MODEL_FILE_ROLES,
  modelSetRoles,
  type AnyModelFileRole,
  type ModelFileRole,
  type ModelFileSource,
  type ModelManifest,
  type ModelSet,
  type OptionalModelFileRole,
} from '@refractor/core';
import { cachedPath } from './cache-dir.js';
import { ModelStoreError } from './errors.js';
import { regularFileSize, sha256OfFile } from './file-check.js';
import { describeFile, downloadFile } from './hub-download.js';
import { resolveStoreOptions, type ResolvedStoreOptions, type StoreOptions } from './options.js';

/** A model set whose every file is on disk, ready to load. */
export interface ResolvedModelSet {
  /** The set's name in the manifest, or the absolute directory for a directory set. */
  name: string;
  /** `directory` for a user's directory, `cache` for a manifest set (cached or just downloaded). */
  source: 'directory' | 'cache';
  /** True for sets whose predictions mean nothing (the tiny test set). Always false for directories. */
  testOnly: boolean;
  /** Absolute path of each role's file; optional roles (`base`) only when the set has them. */
  files: Record<ModelFileRole, string> & Partial<Record<OptionalModelFileRole, string>>;
}

/** One file's state in the cache, as `refractor models verify` reports it. */
export interface VerifiedFile {
  role: AnyModelFileRole;
  /** Where the file is (or would be) cached. */
  path: string;
  /**
   * `ok`: size and sha256 match the manifest. `missing`: not cached.
   * `size-mismatch` / `sha256-mismatch`: cached but wrong (delete it; the next
   * resolve downloads it again). `unverifiable`: cached, but the manifest has
   * no sha256 to check it against (the size, if given, matched).
   */
  status: 'ok' | 'missing' | 'size-mismatch' | 'sha256-mismatch' | 'unverifiable';
  /** Bytes on disk, when the file exists. */
  size?: number;
  /** Its SHA-256, when it was computed. */
  sha256?: string;
}

/** One file of a set, as `refractor models list` shows it. */
export interface ModelFileStatus {
  role: AnyModelFileRole;
  repo: string;
  revision: string;
  /** Path inside the repository. */
  path: string;
  /** Bytes, when the manifest says. */
  size?: number;
  /** True when the file is cached with the expected size (what {@link resolveModelSet} would reuse). */
  cached: boolean;
  /** Where the file is (or would be) cached. */
  cachePath: string;
}

const ROLES = Object.keys(MODEL_FILE_ROLES) as ModelFileRole[];

/**
 * Finds a model set's files on disk, downloading what the cache lacks.
 *
 * `spec` is a set name from the manifest, or a directory laid out like
 * `models/tiny/` (see `MODEL_FILE_ROLES`). A set name wins over a directory
 * of the same name; write `./tiny` to mean the directory.
 *
 * - Directory: every role's file must exist, else a `missing-files` error
 *   lists the missing ones and the expected layout. Nothing is downloaded.
 * - Set name: each file is looked up at `<cacheDir>/hub/<repo>/<revision>/<path>`.
 *   A cached file with the manifest's size is reused without hashing (fast
 *   start-up; downloads are hashed, and `verifyModelSet` re-hashes on demand).
 *   Others are downloaded one at a time with {@link downloadFile}, unless
 *   offline, which fails with an `offline` error listing every missing file.
 *
 * @example
 * ```ts
 * const manifest = BUNDLED_MANIFEST; // or parseModelManifest(JSON.parse(await readFile('my-manifest.json', 'utf8')))
 * const models = await resolveModelSet('default', manifest, {
 *   onProgress: ({ role, loaded, total, done }) => console.error(role, loaded, total, done),
 * });
 * models.files.cdm; // '/home/me/.cache/refractor/hub/earthlyframes/refractor_cdm/main/refractor_cdm.onnx'
 * ```
 */
export async function resolveModelSet(spec: string, manifest: ModelManifest, options: StoreOptions = {}): Promise<ResolvedModelSet> {
  const set = findSet(manifest, spec);
  if (set) return resolveFromCache(spec, set, resolveStoreOptions(options));
  if (looksLikePath(spec) || (await isDirectory(spec))) return resolveDirectory(spec);
  throw unknownSetError(manifest, spec, true);
}

/**
 * Re-hashes a set's cached files against the manifest (for
 * `refractor models verify`). Reads every byte, so it takes a few seconds for
 * the full-size models. Reports; changes nothing.
 *
 * @example
 * ```ts
 * const bad = (await verifyModelSet('default', manifest)).filter((file) => file.status.endsWith('mismatch'));
 * for (const file of bad) await rm(file.path); // the next resolveModelSet downloads them again
 * ```
 */
export async function verifyModelSet(name: string, manifest: ModelManifest, options: StoreOptions = {}): Promise<VerifiedFile[]> {
  const set = findSet(manifest, name) ?? throwUnknownSet(manifest, name);
  const { cacheDir } = resolveStoreOptions(options);
  const results: VerifiedFile[] = [];
  // One file at a time: hashing is disk-bound, and parallel reads of big files only thrash.
  for (const role of modelSetRoles(set)) {
    const source = set.files[role]!;
    const path = cachedPath(cacheDir, source);
    const size = await regularFileSize(path);
    if (size === undefined) {
      results.push({ role, path, status: 'missing' });
    } else if (source.size !== undefined && size !== source.size) {
      results.push({ role, path, status: 'size-mismatch', size });
    } else if (source.sha256 === undefined) {
      results.push({ role, path, status: 'unverifiable', size });
    } else {
      const sha256 = await sha256OfFile(path);
      results.push({ role, path, status: sha256 === source.sha256 ? 'ok' : 'sha256-mismatch', size, sha256 });
    }
  }
  return results;
}

/**
 * Where each file of a set comes from and whether it is cached (for
 * `refractor models list`). Only looks at sizes: fast, and no network.
 *
 * @example
 * ```ts
 * for (const file of await modelSetStatus('default', manifest)) {
 *   console.log(`${file.cached ? '✓' : ' '} ${file.role} ${file.repo}/${file.path}`);
 * }
 * ```
 */
export async function modelSetStatus(name: string, manifest: ModelManifest, options: StoreOptions = {}): Promise<ModelFileStatus[]> {
  const set = findSet(manifest, name) ?? throwUnknownSet(manifest, name);
  const { cacheDir } = resolveStoreOptions(options);
  return Promise.all(
    modelSetRoles(set).map(async (role) => {
      const source = set.files[role]!;
      const cachePath = cachedPath(cacheDir, source);
      return {
        role,
        repo: source.repo,
        revision: source.revision,
        path: source.path,
        ...(source.size === undefined ? {} : { size: source.size }),
        cached: await isCached(cachePath, source),
        cachePath,
      };
    }),
  );
}

async function resolveFromCache(name: string, set: ModelSet, settings: ResolvedStoreOptions): Promise<ResolvedModelSet> {
  const plan = await Promise.all(
    modelSetRoles(set).map(async (role) => {
      const source = set.files[role]!;
      const path = cachedPath(settings.cacheDir, source);
      return { role, source, path, cached: await isCached(path, source) };
    }),
  );
  const missing = plan.filter((file) => !file.cached);
  // Fail before downloading anything, naming every missing file rather than the first.
  if (settings.offline && missing.length > 0) throw offlineError(name, missing, settings.cacheDir);

  for (const { role, source, path, cached } of plan) {
    const file = `${source.repo}/${source.path}`;
    if (cached) {
      const size = (await regularFileSize(path)) ?? 0;
      settings.onProgress?.({ role, file, loaded: size, total: size, done: true, cached: true });
      continue;
    }
    await downloadFile(source, path, {
      ...settings,
      // '' rather than undefined, so "no token" stays no token instead of falling back to $HF_TOKEN again.
      token: settings.token ?? '',
      onProgress: (progress) => settings.onProgress?.({ ...progress, role, file, cached: false }),
    });
  }
  const files = Object.fromEntries(plan.map(({ role, path }) => [role, path])) as ResolvedModelSet['files'];
  return { name, source: 'cache', testOnly: set.testOnly ?? false, files };
}

async function resolveDirectory(spec: string): Promise<ResolvedModelSet> {
  const directory = resolve(spec);
  if (!(await isDirectory(directory))) {
    throw new ModelStoreError('missing-files', `There is no model directory at ${directory}.\n${expectedLayout(directory)}`);
  }
  const files = Object.fromEntries(ROLES.map((role) => [role, join(directory, ...MODEL_FILE_ROLES[role].split('/'))])) as Record<
    ModelFileRole,
    string
  >;
  const sizes = await Promise.all(ROLES.map((role) => regularFileSize(files[role])));
  const missing = ROLES.filter((_, index) => sizes[index] === undefined);
  if (missing.length > 0) {
    const list = missing.map((role) => `  - ${MODEL_FILE_ROLES[role]} (${role})`).join('\n');
    throw new ModelStoreError(
      'missing-files',
      `The model directory ${directory} lacks ${missing.length} of ${ROLES.length} files:\n${list}\n${expectedLayout(directory)}`,
    );
  }
  // Optional files (the base model) are used when present.
  for (const role of Object.keys(OPTIONAL_MODEL_FILE_ROLES) as OptionalModelFileRole[]) {
    const path = join(directory, ...OPTIONAL_MODEL_FILE_ROLES[role].split('/'));
    if ((await regularFileSize(path)) !== undefined) (files as ResolvedModelSet['files'])[role] = path;
  }
  return { name: directory, source: 'directory', testOnly: false, files };
}

/** The layout a model directory must have, for error messages. */
function expectedLayout(directory: string): string {
  const width = Math.max(...ROLES.map((role) => MODEL_FILE_ROLES[role].length));
  const lines = [
    ...ROLES.map((role) => `  ${MODEL_FILE_ROLES[role].padEnd(width)}  (${role})`),
    ...Object.entries(OPTIONAL_MODEL_FILE_ROLES).map(([role, path]) => `  ${path.padEnd(width)}  (${role}, optional: the base model, for MIDI)`),
  ];
  return `Expected in ${directory}:\n${lines.join('\n')}\n(models/tiny/ in the Refractor repository is an example of the layout.)`;
}

function offlineError(name: string, missing: Array<{ role: AnyModelFileRole; source: ModelFileSource; path: string }>, cacheDir: string): ModelStoreError {
  const list = missing.map(({ role, source, path }) => `  - ${role}: ${describeFile(source)}, expected at ${path}`).join('\n');
  return new ModelStoreError(
    'offline',
    `Model set "${name}" is not fully cached in ${cacheDir} and offline mode is on (REFRACTOR_OFFLINE=1 or HF_HUB_OFFLINE=1). ` +
      `Missing ${missing.length} of ${ROLES.length} files:\n${list}\n` +
      'To get them, run once with network access (unset REFRACTOR_OFFLINE and HF_HUB_OFFLINE) so they are downloaded, ' +
      'point REFRACTOR_CACHE at a cache that has them, or pass a model directory instead of a set name.',
  );
}

/** The set called `name`, if the manifest has one (own keys only: "constructor" is not a set). */
function findSet(manifest: ModelManifest, name: string): ModelSet | undefined {
  return Object.hasOwn(manifest.sets, name) ? manifest.sets[name] : undefined;
}

function throwUnknownSet(manifest: ModelManifest, name: string): never {
  throw unknownSetError(manifest, name, false);
}

function unknownSetError(manifest: ModelManifest, name: string, directoriesAccepted: boolean): ModelStoreError {
  const names = Object.keys(manifest.sets).map((set) => `"${set}"`).join(', ');
  const alternative = directoriesAccepted ? ' A directory path holding the model files (e.g. ./models/tiny) is also accepted.' : '';
  return new ModelStoreError('unknown-set', `Unknown model set "${name}": the manifest has ${names}.${alternative}`);
}

/** A file counts as cached when it exists with the manifest's size (any size when the manifest gives none). */
async function isCached(path: string, source: ModelFileSource): Promise<boolean> {
  const size = await regularFileSize(path);
  return size !== undefined && (source.size === undefined || size === source.size);
}

/** Path-like specs are never taken for set names that happen to be missing. */
function looksLikePath(spec: string): boolean {
  return isAbsolute(spec) || /[\\/]/.test(spec) || spec === '.' || spec === '..';
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
