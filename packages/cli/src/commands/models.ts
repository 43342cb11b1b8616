import { Command } from 'commander';
import {
  RefractorError,
  bundledManifest,
  bundledSetPackage,
  clearConceptCache,
  clearExternalWeights,
  conceptCacheStats,
  defaultConceptCacheDir,
  defaultExternalWeightsDir,
  externalWeightsStats,
  resolveStoreOptions,
} from '@refractor/node';
import { renderConceptCache } from '../models/concepts.js';
import type { CommandContext } from '../context.js';
import { listModelSets, renderModelListing } from '../models/list.js';
import { cachedSetPaths } from '../models/path.js';
import { pullModelSet, renderPullResult } from '../models/pull.js';
import { cacheDirOption, hubOptions, pullHint, requireSet, storeOptions, type CacheFlags, type HubFlags } from '../models/store-flags.js';
import { renderVerifyReport, verifyModels } from '../models/verify.js';
import { notInstalled, shippedSet, verifyShippedSet, type ShippedSet } from '../models/shipped.js';
import { alignColumns, formatBytes } from '../models/format.js';

const ENVIRONMENT_HELP = `
Environment:
  REFRACTOR_CACHE     the cache directory (--cache-dir overrides it)
  HF_ENDPOINT         the hub or a mirror to download from (--endpoint overrides it)
  HF_TOKEN            access token for private or gated repositories (--token overrides it)
  REFRACTOR_OFFLINE=1 never download (as does HF_HUB_OFFLINE=1): pull then fails naming the missing files`;

const HUB_COPY_HELP =
  'for a set that ships as a package (tiny, in @refractor/tiny-models, which --models tiny loads): act on its copy in the cache, downloaded from the hub, instead of the shipped files';

/** The pull command that fills the cache for set `set`: a shipped set's cache copy needs --hub-copy (plain `pull` downloads nothing). */
function hubCopyPullHint(set: string, flags: CacheFlags): string {
  return `${pullHint(set, flags)}${bundledSetPackage(set) !== undefined ? ' --hub-copy' : ''}`;
}

/** The install directory of a shipped set, or the error naming the package to install. */
function installedDir(set: string, shipped: ShippedSet): string {
  if (shipped.dir === undefined) throw notInstalled(set, shipped);
  return shipped.dir;
}

/** `models verify <set>` for a set that ships as a package: re-hash the installed files (what --models <set> loads). */
async function verifyShipped(context: CommandContext, set: string, shipped: ShippedSet): Promise<void> {
  const dir = installedDir(set, shipped);
  const files = await verifyShippedSet(shipped);
  for (const line of renderVerifyReport({ files, missing: [], corrupt: [], unverifiable: [], removed: [] }, requireSet(bundledManifest(), set))) context.out(line);
  const bad = files.filter((file) => file.status !== 'ok' && file.status !== 'unverifiable');
  if (bad.length === 0) {
    context.err(`refractor: model set "${set}": ${files.filter((file) => file.status === 'ok').length} of ${files.length} shipped files verified ok in ${shipped.package} at ${dir} (what --models ${set} loads)`);
    return;
  }
  const names = bad.map((file) => `${file.role} (${file.status})`).join(', ');
  throw new RefractorError(`model set "${set}" as shipped in ${shipped.package} at ${dir} is damaged: ${names}; reinstall ${shipped.package} (the shipped files are never deleted by --fix)`);
}

const EXIT_HELP = (failure: string) => `
Exit status: 0 ok, 1 ${failure}, 2 usage error.`;

/**
 * `refractor models list | pull | verify | path`: see, fetch, check and
 * locate the model sets of the manifest shipped with @refractor/core.
 *
 * @example
 * ```ts
 * program.addCommand(modelsCommand(createContext(process.stdout, process.stderr)));
 * // refractor models pull          → downloads the default set into the cache
 * // refractor models list tiny --json
 * ```
 */
export function modelsCommand(context: CommandContext): Command {
  const models = new Command('models')
    .description('list, download, verify and locate the model sets (the real "default" set, the "tiny" test set); show or clear the concept-embedding cache')
    .addHelpText('after', ENVIRONMENT_HELP);
  for (const subcommand of [listCommand(context), pullCommand(context), verifyCommand(context), pathCommand(context), conceptsCommand(context)]) {
    // addCommand does not pass settings down: without these a usage error in a subcommand would exit 1 from inside commander, not 2.
    models.addCommand(subcommand.exitOverride().showHelpAfterError('(run with --help for usage)'));
  }
  return models;
}

function listCommand(context: CommandContext): Command {
  return new Command('list')
    .summary('show the model sets, their files, sizes and what is cached')
    .description('show every model set (or one): description, test-only flag, and per file its role, hub source, size and whether it is cached')
    .argument('[set]', 'only this set (default: every set in the manifest)')
    .addOption(cacheDirOption())
    .option('--json', 'print one JSON document ({ cacheDir, sets: [{ name, description, testOnly, cached, files: [...] }] }) instead of text', false)
    // -v/--verbose is the program's global flag: here it adds each file's cache path.
    .addHelpText('after', EXIT_HELP('unknown set'))
    .action(async (set: string | undefined, flags: CacheFlags & { json: boolean }) => {
      const listing = await listModelSets(bundledManifest(), set, storeOptions(flags));
      if (flags.json) {
        context.out(JSON.stringify(listing, null, 2));
        return;
      }
      for (const line of renderModelListing(listing, context.verbose, (name) => pullHint(name, flags))) context.out(line);
    });
}

function pullCommand(context: CommandContext): Command {
  const command = new Command('pull')
    .summary('download a model set into the cache (resumable, verified)')
    .description(
      'download the files of a model set that the cache lacks: resumes interrupted downloads, checks size and sha256 when the manifest gives them, ' +
        'shows a progress bar per file when stderr is a terminal, then prints one line per file (downloaded or already cached, size, path)',
    )
    .argument('[set]', 'the model set to download', 'default')
    .addOption(cacheDirOption())
    .option('--hub-copy', HUB_COPY_HELP, false);
  for (const option of hubOptions()) command.addOption(option);
  return command
    .addHelpText('after', `${ENVIRONMENT_HELP}\n${EXIT_HELP('download failed (a partial file is kept and resumes next time) or unknown set')}`)
    .action(async (set: string, flags: HubFlags & { hubCopy: boolean }) => {
      const manifest = bundledManifest();
      const shipped = flags.hubCopy ? undefined : shippedSet(manifest, set);
      if (shipped) {
        // Nothing to fetch: --models <set> loads the package's files. Say where they are rather than try the hub.
        const dir = installedDir(set, shipped);
        for (const line of alignColumns(shipped.files.map((file) => ['shipped', file.role, formatBytes(file.size), file.path]))) context.out(line);
        context.err(`refractor: model set "${set}" needs no download: it ships in ${shipped.package} at ${dir}, which --models ${set} uses (--hub-copy fetches the hub copy into the cache instead)`);
        if (manifest.sets[set]?.testOnly) context.note(`refractor: note: "${set}" is a test set; its predictions mean nothing`);
        return;
      }
      const result = await pullModelSet(manifest, set, storeOptions(flags), context.err);
      const { lines, summary } = renderPullResult(set, result);
      for (const line of lines) context.out(line);
      context.err(`refractor: ${summary}`);
      if (result.set.testOnly) context.note(`refractor: note: "${set}" is a test set; its predictions mean nothing`);
    });
}

function verifyCommand(context: CommandContext): Command {
  return new Command('verify')
    .summary("re-hash a set's cached files; --fix deletes corrupt ones")
    .description(
      "re-hash a set's cached files against the manifest and print per file: ok, missing, size-mismatch, sha256-mismatch, or unverifiable (no sha256 known: a warning only)",
    )
    .argument('[set]', 'the model set to check', 'default')
    .addOption(cacheDirOption())
    .option('--fix', 'delete corrupt files (size or sha256 mismatch) so the next `refractor models pull` downloads them again', false)
    .option('--hub-copy', HUB_COPY_HELP, false)
    .addHelpText('after', EXIT_HELP('a file is missing or corrupt (still 1 after --fix: the set needs a pull)'))
    .action(async (set: string, flags: CacheFlags & { fix: boolean; hubCopy: boolean }) => {
      const manifest = bundledManifest();
      const shipped = flags.hubCopy ? undefined : shippedSet(manifest, set);
      if (shipped) {
        await verifyShipped(context, set, shipped);
        return;
      }
      const report = await verifyModels(manifest, set, storeOptions(flags), flags.fix);
      for (const line of renderVerifyReport(report, requireSet(manifest, set))) context.out(line);
      for (const path of report.removed) context.err(`refractor: removed corrupt ${path}`);
      if (report.unverifiable.length > 0) {
        context.err(
          `refractor: warning: ${report.unverifiable.length} of ${report.files.length} files of "${set}" cannot be verified: ` +
            'the manifest gives no sha256 for them (pin a commit and add its sha256 to the manifest to make them checkable)',
        );
      }
      const bad = [...report.corrupt, ...report.missing];
      if (bad.length === 0) {
        context.err(`refractor: model set "${set}": ${report.files.length - report.unverifiable.length} of ${report.files.length} files verified ok`);
        return;
      }
      const names = bad.map((file) => `${file.role} (${file.status})`).join(', ');
      const corruptLeft = report.corrupt.length > 0 && report.removed.length === 0;
      const next = corruptLeft
        ? `run \`refractor models verify ${set} --fix${bundledSetPackage(set) !== undefined ? ' --hub-copy' : ''}\` to delete the corrupt files, then \`${hubCopyPullHint(set, flags)}\``
        : `run \`${hubCopyPullHint(set, flags)}\` to download them`;
      throw new RefractorError(`model set "${set}" is not usable: ${names}; ${next}`);
    });
}

function pathCommand(context: CommandContext): Command {
  return new Command('path')
    .summary("print the cache directory, or a cached set's file paths")
    .description(
      "print the cache directory, or with a set the cached path of each of its files (one per line: role<TAB>path); downloads nothing and fails if a file is not cached",
    )
    .argument('[set]', 'the model set to locate (default: none, print the cache directory)')
    .addOption(cacheDirOption())
    .option('--hub-copy', HUB_COPY_HELP, false)
    .addHelpText('after', EXIT_HELP('the set is not fully cached (run `refractor models pull <set>`) or unknown'))
    .action(async (set: string | undefined, flags: CacheFlags & { hubCopy: boolean }) => {
      const options = storeOptions(flags);
      if (set === undefined) {
        context.out(resolveStoreOptions(options).cacheDir);
        return;
      }
      const shipped = flags.hubCopy ? undefined : shippedSet(bundledManifest(), set);
      if (shipped) {
        installedDir(set, shipped);
        for (const { role, path } of shipped.files) context.out(`${role}\t${path}`);
        return;
      }
      for (const { role, path } of await cachedSetPaths(bundledManifest(), set, options, hubCopyPullHint(set, flags))) context.out(`${role}\t${path}`);
    });
}

function conceptsCommand(context: CommandContext): Command {
  return new Command('concepts')
    .summary('show (or --clear) the cached concept embeddings')
    .description(
      'show the concept-embedding cache (<cache dir>/concepts): its location, how many concepts it holds and their size, per text model. ' +
        'score, validate and extract embed a concept with the text encoder once and reuse the cached vector (bitwise the same) afterwards; ' +
        'the cache is keyed by the exact text and the SHA-256 of the text encoder, tokenizer files and device. ' +
        'Also shows the external-weights copies of big text encoders (<cache dir>/external-weights), which open faster and in less memory',
    )
    .addOption(cacheDirOption())
    .option('--clear', 'delete every cached concept embedding (the next run with a concept opens the text encoder again)', false)
    .option('--clear-copies', "delete the text encoders' external-weights copies (the model's size each; the next new concept makes its copy again)", false)
    .option('--json', 'print one JSON document ({ location, count, bytes, models: [{ id, count, bytes, description }], externalWeights: { location, count, bytes } })', false)
    .addHelpText('after', EXIT_HELP('the cache could not be read or cleared'))
    .action(async (flags: CacheFlags & { clear: boolean; clearCopies: boolean; json: boolean }) => {
      const location = defaultConceptCacheDir(storeOptions(flags));
      const copies = defaultExternalWeightsDir(storeOptions(flags));
      const [stats, externalWeights] = await Promise.all([
        flags.clear ? clearConceptCache(location) : conceptCacheStats(location),
        flags.clearCopies ? clearExternalWeights(copies) : externalWeightsStats(copies),
      ]);
      if (flags.json) {
        context.out(JSON.stringify({ ...stats, externalWeights, ...(flags.clear ? { cleared: true } : {}), ...(flags.clearCopies ? { clearedCopies: true } : {}) }, null, 2));
        return;
      }
      for (const line of renderConceptCache(stats, externalWeights, { concepts: flags.clear, copies: flags.clearCopies })) context.out(line);
    });
}
