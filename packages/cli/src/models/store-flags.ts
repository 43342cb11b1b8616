import { Option } from 'commander';
import { DEFAULT_HUB_ENDPOINT, ModelStoreError, defaultCacheDir, type ModelManifest, type ModelSet, type StoreOptions } from '@refractor/node';

/** `--cache-dir`: every `models` subcommand reads the cache. */
export interface CacheFlags {
  cacheDir?: string;
}

/** `--endpoint`, `--token`: only `models pull` talks to the hub. */
export interface HubFlags extends CacheFlags {
  endpoint?: string;
  token?: string;
}

/**
 * `--cache-dir <dir>`. No commander default: leaving it undefined lets the
 * store apply `$REFRACTOR_CACHE` and the platform rules, so the flag, the
 * variable and `--models default` in other commands always agree.
 *
 * @example
 * ```ts
 * new Command('list').addOption(cacheDirOption());
 * ```
 */
export function cacheDirOption(): Option {
  // The platform directory as it would be without $REFRACTOR_CACHE, so --help shows where files really go.
  const platformDir = defaultCacheDir({ ...process.env, REFRACTOR_CACHE: undefined });
  return new Option('--cache-dir <dir>', `where models are cached (default: $REFRACTOR_CACHE, else ${platformDir})`);
}

/**
 * `--endpoint <url>` and `--token <token>`, which override `$HF_ENDPOINT` and `$HF_TOKEN`.
 *
 * @example
 * ```ts
 * for (const option of hubOptions()) pull.addOption(option);
 * ```
 */
export function hubOptions(): Option[] {
  return [
    new Option('--endpoint <url>', `the Hugging Face hub or a mirror to download from (default: $HF_ENDPOINT, else ${DEFAULT_HUB_ENDPOINT})`),
    new Option(
      '--token <token>',
      'Hugging Face access token for private or gated repositories (default: $HF_TOKEN; prefer the variable, since flags show up in `ps` and shell history)',
    ),
  ];
}

/**
 * The store options the flags ask for. Unset flags stay undefined so the
 * store falls back to the environment (and offline mode, which has no flag
 * here, always comes from `$REFRACTOR_OFFLINE` / `$HF_HUB_OFFLINE`).
 *
 * @example
 * ```ts
 * await modelSetStatus('tiny', manifest, storeOptions({ cacheDir: '/tmp/models' }));
 * ```
 */
export function storeOptions(flags: HubFlags): StoreOptions {
  return {
    ...(flags.cacheDir !== undefined ? { cacheDir: flags.cacheDir } : {}),
    ...(flags.endpoint !== undefined ? { endpoint: flags.endpoint } : {}),
    ...(flags.token !== undefined ? { token: flags.token } : {}),
  };
}

/**
 * The manifest set called `name`, or an `unknown-set` error listing the
 * valid names. Checked here rather than left to the store because
 * `resolveModelSet` also accepts directories, which mean nothing to
 * `models pull` (a directory needs no pulling) and would make a typo read as
 * "no such directory".
 *
 * @example
 * ```ts
 * const set = requireSet(bundledManifest(), 'tiny'); // throws for 'tinny', naming "default", "tiny"
 * ```
 */
export function requireSet(manifest: ModelManifest, name: string): ModelSet {
  // Own keys only, so "constructor" or "__proto__" is not taken for a set.
  if (Object.hasOwn(manifest.sets, name)) return manifest.sets[name]!;
  const names = Object.keys(manifest.sets)
    .map((set) => `"${set}"`)
    .join(', ');
  const directory = /[\\/]/.test(name) ? ' A model directory is used as it is with --models <dir>; it is not pulled or cached.' : '';
  throw new ModelStoreError('unknown-set', `Unknown model set "${name}": the manifest has ${names} (see \`refractor models list\`).${directory}`);
}

/**
 * The `refractor models pull` command line that fills the cache these flags
 * point at, for "run this next" hints: a `--cache-dir` the user gave is
 * repeated, or the hint would fill a different cache.
 *
 * @example
 * ```ts
 * pullHint('tiny', { cacheDir: '/tmp/my models' }); // "refractor models pull tiny --cache-dir '/tmp/my models'"
 * ```
 */
export function pullHint(name: string, flags: CacheFlags): string {
  const cacheDir = flags.cacheDir === undefined ? '' : ` --cache-dir ${shellQuote(flags.cacheDir)}`;
  return `refractor models pull ${shellQuote(name)}${cacheDir}`;
}

/** Quotes for POSIX shells only when needed, so common hints stay copy-pasteable and readable. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
