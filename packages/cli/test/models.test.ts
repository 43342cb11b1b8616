import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { bundledManifest, bundledSetDirectory, modelFileLocalPath, modelSetRoles, type AnyModelFileRole } from '@refractor/node';
import { startHubServer, type HubServer } from '@refractor/test-helpers/hub-server';
import type { ModelListing } from '../src/models/list.js';
import { shippedSet, verifyShippedSet } from '../src/models/shipped.js';
import { runRefractorAsync } from './run-cli.js';

// The real tiny set, served from models/tiny in the hub's layout by a fake hub on 127.0.0.1.

const tinySet = bundledManifest().sets.tiny!;
const tinyDir = bundledSetDirectory('tiny')!;
/** Every role of the tiny set, the optional base model included. */
const ROLES = modelSetRoles(tinySet);
const tinyBytes = Object.fromEntries(ROLES.map((role) => [role, readFileSync(join(tinyDir, modelFileLocalPath(role)))])) as Record<AnyModelFileRole, Buffer>;
const hubFiles = ROLES.map((role) => ({ ...tinySet.files[role]!, bytes: new Uint8Array(tinyBytes[role]) }));
/** `<repo>/<path>`, as the hub's fault options and the store's progress name a file. */
const hubKey = (role: AnyModelFileRole) => `${tinySet.files[role]!.repo}/${tinySet.files[role]!.path}`;

let server: HubServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Every temporary cache, removed at the end: each full pull leaves 5 MB. */
const temporaryDirs: string[] = [];
function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}
afterAll(() => temporaryDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fresh cache and the environment that points the CLI at it and at `endpoint`, whatever the developer's shell has set. */
function sandbox(endpoint = 'http://127.0.0.1:9') {
  const cacheDir = temporaryDir('refractor-cli-models-');
  const env = { HF_ENDPOINT: endpoint, REFRACTOR_CACHE: cacheDir, HF_TOKEN: '', REFRACTOR_OFFLINE: '', HF_HUB_OFFLINE: '' };
  return { cacheDir, env, refractor: (...args: string[]) => runRefractorAsync(args, { env }) };
}

/** Where the store caches a tiny file: `<cache>/hub/<repo>/<revision>/<path>`. */
function cachedTinyFile(cacheDir: string, role: AnyModelFileRole): string {
  const { repo, revision, path } = tinySet.files[role]!;
  return resolve(cacheDir, 'hub', repo, revision, path);
}

/**
 * Whether the file at `path` holds exactly `expected`. Buffer.equals rather
 * than expect().toEqual: vitest compares (and diffs) megabyte buffers element
 * by element, which takes seconds per file.
 */
function holds(path: string, expected: Uint8Array): boolean {
  return existsSync(path) && readFileSync(path).equals(expected);
}

/** A port nothing listens on: bound, then closed again. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return port;
}

describe('refractor models pull and list', () => {
  it('lists tiny as not cached (path and verify refuse), pulls all 9 files, then lists, locates and verifies them; a second pull asks the hub for nothing', async () => {
    server = await startHubServer({ files: hubFiles });
    const { cacheDir, refractor } = sandbox(server.url);

    // Before the pull: list, path and verify all see an empty cache, and none of them touches the network.
    const [before, pathBefore, verifyBefore] = await Promise.all([
      refractor('models', 'list', 'tiny', '--json'),
      refractor('models', 'path', 'tiny', '--hub-copy'),
      refractor('models', 'verify', 'tiny', '--hub-copy'),
    ]);
    expect(before.status).toBe(0);
    const listed = JSON.parse(before.stdout) as ModelListing;
    expect(listed.cacheDir).toBe(resolve(cacheDir));
    expect(listed.sets).toHaveLength(1);
    expect(listed.sets[0]).toMatchObject({ name: 'tiny', testOnly: true, cached: false });
    expect(listed.sets[0]!.files.map((file) => [file.role, file.cached, file.cachePath])).toEqual(ROLES.map((role) => [role, false, cachedTinyFile(cacheDir, role)]));
    expect(listed.sets[0]!.files[0]).toMatchObject({ repo: 'refractor-test/tiny-cdm', revision: 'main', path: 'refractor_cdm.onnx', size: 1448955, sha256: tinySet.files.cdm.sha256 });
    expect(pathBefore.status).toBe(1);
    expect(pathBefore.stdout).toBe('');
    expect(pathBefore.stderr).toContain('Model set "tiny" is not fully cached: 9 of 9 files missing');
    expect(pathBefore.stderr).toContain(`  - cdm: expected at ${cachedTinyFile(cacheDir, 'cdm')}`);
    expect(pathBefore.stderr).toContain('Run `refractor models pull tiny --hub-copy` to download them.');
    expect(pathBefore.stderr).toContain(`--models tiny needs no download: it uses the copy shipped at ${tinyDir}`);
    expect(verifyBefore.status).toBe(1);
    expect(verifyBefore.stdout.trim().split('\n').every((line) => line.startsWith('missing'))).toBe(true);
    expect(verifyBefore.stderr).toContain('run `refractor models pull tiny --hub-copy` to download them');
    expect(server.requests).toHaveLength(0);

    const pull = await refractor('models', 'pull', 'tiny', '--hub-copy');
    expect(pull.stderr).toContain('model set "tiny" is ready: 9 files, 9 downloaded, 0 already cached');
    expect(pull.status).toBe(0);
    const lines = pull.stdout.trim().split('\n');
    expect(lines).toHaveLength(9);
    ROLES.forEach((role, index) => {
      expect(lines[index]).toMatch(new RegExp(`^downloaded\\s+${role.replace('.', '\\.')}\\s+[\\d.]+ k?M?B\\s+${cachedTinyFile(cacheDir, role)}$`));
      expect(holds(cachedTinyFile(cacheDir, role), tinyBytes[role])).toBe(true);
    });
    expect(lines[0]).toContain('1.4 MB');
    // stderr is not a terminal here: one line per download instead of bars, and the test-set warning.
    expect(pull.stderr).toContain(`downloading ${hubKey('cdm')} (1.4 MB)`);
    expect(pull.stderr).toMatch(/"tiny" is a test set/);
    expect(server.requests.map((request) => [request.file, request.status, request.range])).toEqual(ROLES.map((role) => [hubKey(role), 200, undefined]));

    const [listAfter, pathAfter, verifyAfter] = await Promise.all([
      refractor('models', 'list', 'tiny', '--json'),
      refractor('models', 'path', 'tiny', '--hub-copy'),
      refractor('models', 'verify', 'tiny', '--hub-copy'),
    ]);
    const after = JSON.parse(listAfter.stdout) as ModelListing;
    expect(after.sets[0]!.cached).toBe(true);
    expect(after.sets[0]!.files.every((file) => file.cached)).toBe(true);
    expect(pathAfter.status).toBe(0);
    const rows = pathAfter.stdout.trim().split('\n').map((line) => line.split('\t'));
    expect(rows).toEqual(ROLES.map((role) => [role, cachedTinyFile(cacheDir, role)]));
    for (const [role, path] of rows) expect(holds(path!, tinyBytes[role as AnyModelFileRole])).toBe(true);
    expect(verifyAfter.status).toBe(0);
    expect(verifyAfter.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0])).toEqual(new Array(9).fill('ok'));
    expect(verifyAfter.stderr).toContain('9 of 9 files verified ok');

    const again = await refractor('models', 'pull', 'tiny', '--hub-copy');
    expect(again.status).toBe(0);
    expect(again.stdout.trim().split('\n').every((line) => line.startsWith('already cached'))).toBe(true);
    expect(again.stderr).toContain('0 downloaded, 9 already cached');
    expect(server.requests).toHaveLength(9);
  }, 20_000);

  it('prints every set as text, sizes "?" where the manifest has none, cache paths with --verbose; path alone prints the cache', async () => {
    const { cacheDir, refractor } = sandbox();
    const [text, verbose, path] = await Promise.all([refractor('models', 'list'), refractor('models', 'list', 'tiny', '--verbose'), refractor('models', 'path')]);
    expect(path.stdout).toBe(`${resolve(cacheDir)}\n`);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`Model cache: ${resolve(cacheDir)}`);
    expect(text.stdout).toMatch(/^default: The real Refractor set/m);
    expect(text.stdout).toMatch(/^tiny \[test only: its predictions mean nothing\]: Tiny TEST set/m);
    expect(text.stdout).toMatch(/^ {2}cdm +earthlyframes\/refractor_cdm@main\/refractor_cdm\.onnx +\? +not cached$/m);
    expect(text.stdout).toMatch(/^ {2}cdm +refractor-test\/tiny-cdm@main\/refractor_cdm\.onnx +1\.4 MB +not cached$/m);
    expect(text.stdout).toContain('0 of 8 files cached, total size not in the manifest (get them with `refractor models pull default`)');
    expect(text.stdout).toContain('0 of 9 files cached, 5.0 MB in all');
    expect(text.stdout).not.toContain(join('hub', 'refractor-test'));
    expect(verbose.stdout).not.toMatch(/^default/m);
    expect(verbose.stdout).toContain(`\n      ${cachedTinyFile(cacheDir, 'text.model')}\n`);
  });

  it('fails when the connection breaks, keeping the part, and the next pull resumes it with a Range request', async () => {
    server = await startHubServer({ files: hubFiles, cutConnection: [{ file: hubKey('cdm'), afterBytes: 300_000 }] });
    const { cacheDir, refractor } = sandbox(server.url);

    const cut = await refractor('models', 'pull', 'tiny', '--hub-copy');
    expect(cut.status).toBe(1);
    expect(cut.stdout).toBe('');
    expect(cut.stderr).toMatch(/refractor: Downloading "refractor_cdm\.onnx" from refractor-test\/tiny-cdm \(revision main\) from http:\/\/127\.0\.0\.1:\d+\/refractor-test\/tiny-cdm\/resolve\/main\/refractor_cdm\.onnx failed/);
    expect(cut.stderr).toContain('The partial download (300000 bytes) is kept');
    expect(existsSync(`${cachedTinyFile(cacheDir, 'cdm')}.part`)).toBe(true);

    const resumed = await refractor('models', 'pull', 'tiny', '--hub-copy');
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toContain(`resuming ${hubKey('cdm')} at 300 kB of 1.4 MB`);
    expect(server.requests.filter((request) => request.file === hubKey('cdm')).map((request) => [request.range, request.status])).toEqual([
      [undefined, 200],
      ['bytes=300000-', 206],
    ]);
    expect(holds(cachedTinyFile(cacheDir, 'cdm'), tinyBytes.cdm)).toBe(true);
    expect(existsSync(`${cachedTinyFile(cacheDir, 'cdm')}.part`)).toBe(false);
  }, 20_000);

  it('lets --endpoint and --cache-dir override HF_ENDPOINT and REFRACTOR_CACHE', async () => {
    server = await startHubServer({ files: hubFiles });
    const { refractor } = sandbox(`http://127.0.0.1:${await closedPort()}`);
    const elsewhere = temporaryDir('refractor-cli-models-flag-');
    const pull = await refractor('models', 'pull', 'tiny', '--hub-copy', '--endpoint', server.url, '--cache-dir', elsewhere);
    expect(pull.status).toBe(0);
    expect(holds(cachedTinyFile(elsewhere, 'text.model'), tinyBytes['text.model'])).toBe(true);
    const path = await refractor('models', 'path', '--cache-dir', elsewhere);
    expect(path.stdout).toBe(`${resolve(elsewhere)}\n`);
  }, 20_000);

  it('exits 1 with a network message when the hub cannot be reached', async () => {
    const { refractor } = sandbox(`http://127.0.0.1:${await closedPort()}`);
    const run = await refractor('models', 'pull', 'tiny', '--hub-copy');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/refractor: Downloading "refractor_cdm\.onnx" .* failed: the connection failed \(.*ECONNREFUSED/);
    expect(run.stderr).toContain('Check the network connection (and HF_ENDPOINT, if you use a mirror)');
  });

  it('exits 1 on an unknown set in every subcommand, naming the valid sets', async () => {
    const { refractor } = sandbox();
    const runs = await Promise.all(['list', 'pull', 'verify', 'path'].map((subcommand) => refractor('models', subcommand, 'tinny')));
    for (const run of runs) {
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('refractor: Unknown model set "tinny": the manifest has "default", "tiny"');
      expect(run.stdout).toBe('');
    }
  });
});

describe('refractor models, tiny: the copy shipped in @refractor/tiny-models (what --models tiny loads)', { timeout: 120_000 }, () => {
  it('pull downloads nothing, verify re-hashes the shipped files, path prints them, list says where --models tiny reads from; the hub is never asked', async () => {
    server = await startHubServer({ files: hubFiles });
    const { refractor } = sandbox(server.url);
    const [pull, verify, path, list, json] = await Promise.all([
      refractor('models', 'pull', 'tiny'),
      refractor('models', 'verify', 'tiny'),
      refractor('models', 'path', 'tiny'),
      refractor('models', 'list', 'tiny'),
      refractor('models', 'list', 'tiny', '--json'),
    ]);
    expect(server.requests).toHaveLength(0);

    expect(pull.status).toBe(0);
    expect(pull.stderr).toContain(`model set "tiny" needs no download: it ships in @refractor/tiny-models at ${tinyDir}, which --models tiny uses`);
    const pulled = pull.stdout.trim().split('\n').map((line) => line.split(/\s{2,}/));
    expect(pulled.map(([status, role]) => [status, role])).toEqual(ROLES.map((role) => ['shipped', role]));
    for (const row of pulled) expect(holds(row[3]!, tinyBytes[row[1] as AnyModelFileRole])).toBe(true);

    expect(verify.status).toBe(0);
    expect(verify.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0])).toEqual(new Array(ROLES.length).fill('ok'));
    expect(verify.stderr).toContain(`model set "tiny": 9 of 9 shipped files verified ok in @refractor/tiny-models at ${tinyDir}`);
    expect(verify.stderr).not.toContain('not usable');

    expect(path.status).toBe(0);
    expect(path.stdout.trim().split('\n')).toEqual(ROLES.map((role) => `${role}\t${join(tinyDir, ...modelFileLocalPath(role).split('/'))}`));

    expect(list.stdout).toContain(`ships in @refractor/tiny-models at ${tinyDir}: --models tiny uses that copy, nothing to download`);
    expect(list.stdout).toContain('hub copy in the cache (optional; `refractor models pull tiny --hub-copy` fetches it): 0 of 9 files cached');
    const listed = JSON.parse(json.stdout) as ModelListing;
    expect(listed.sets[0]!.shipped).toEqual({ package: '@refractor/tiny-models', dir: tinyDir });
  });

  it('offline, a command that needs an uncached set names every missing file (not only "Missing 8 of 8 files:")', async () => {
    const { cacheDir, env } = sandbox();
    const run = await runRefractorAsync(['score', join(import.meta.dirname, '..', '..', '..', 'examples', 'clip.ogg')], { env: { ...env, REFRACTOR_OFFLINE: '1' } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Missing 8 of 8 files:)');
    const roles = modelSetRoles(bundledManifest().sets.default!);
    for (const role of roles) expect(run.stderr).toMatch(new RegExp(`^  - ${role.replace('.', '\\.')}: .*expected at ${cacheDir.replaceAll('/', '\\/')}`, 'm'));
    expect(run.stderr.match(/^ {2}- /gm)).toHaveLength(roles.length);
    expect(run.stderr).toContain('get them with `refractor models pull default`');
  });

  it('the default set is not shipped: pull goes to the hub, list has no shipped line', async () => {
    const { refractor } = sandbox(`http://127.0.0.1:${await closedPort()}`);
    const [pull, json] = await Promise.all([refractor('models', 'pull', 'default'), refractor('models', 'list', 'default', '--json')]);
    expect(pull.status).toBe(1);
    expect(pull.stderr).toContain('the connection failed');
    expect((JSON.parse(json.stdout) as ModelListing).sets[0]!.shipped).toBeNull();
    expect(shippedSet(bundledManifest(), 'default')).toBeUndefined();
  });

  it('a damaged or missing shipped file is reported by the shipped-copy check (a copy of the set with one flipped byte, one file gone)', async () => {
    const copy = temporaryDir('refractor-shipped-copy-');
    const shipped = shippedSet(bundledManifest(), 'tiny')!;
    const files = shipped.files.map((file) => ({ ...file, path: join(copy, file.role) }));
    for (const file of files) writeFileSync(file.path, tinyBytes[file.role]);
    const cdm = Buffer.from(tinyBytes.cdm);
    cdm[100]! ^= 1;
    writeFileSync(join(copy, 'cdm'), cdm);
    rmSync(join(copy, 'base'));
    const report = await verifyShippedSet({ ...shipped, dir: copy, files });
    expect(Object.fromEntries(report.map((file) => [file.role, file.status]))).toEqual({
      ...Object.fromEntries(ROLES.map((role) => [role, 'ok'])),
      cdm: 'sha256-mismatch',
      base: 'missing',
    });
  });
});

describe('refractor models verify', () => {
  it('verifies a pulled set, reports corrupt files and exits 1, --fix deletes them, and a pull fetches only those', async () => {
    server = await startHubServer({ files: hubFiles });
    const { cacheDir, refractor } = sandbox(server.url);
    expect((await refractor('models', 'pull', 'tiny', '--hub-copy')).status).toBe(0);

    // Same size, one byte flipped: only the hash can tell. And a truncated file.
    const model = cachedTinyFile(cacheDir, 'text.model');
    const flipped = Buffer.from(tinyBytes['text.model']);
    flipped[1000] ^= 0xff;
    writeFileSync(model, flipped);
    const config = cachedTinyFile(cacheDir, 'clap.config');
    writeFileSync(config, tinyBytes['clap.config'].subarray(0, 100));

    const corrupt = await refractor('models', 'verify', 'tiny', '--hub-copy');
    expect(corrupt.status).toBe(1);
    expect(corrupt.stdout).toMatch(new RegExp(`^sha256-mismatch +text\\.model +${model} +\\(sha256 [0-9a-f]{12}…, expected 7b9720e47f58…\\)$`, 'm'));
    expect(corrupt.stdout).toMatch(new RegExp(`^size-mismatch +clap\\.config +${config} +\\(100 bytes, expected 1141\\)$`, 'm'));
    expect(corrupt.stderr).toContain('model set "tiny" is not usable: clap.config (size-mismatch), text.model (sha256-mismatch)');
    expect(corrupt.stderr).toContain('refractor models verify tiny --fix --hub-copy`');
    expect(existsSync(model)).toBe(true); // verify alone changes nothing

    const fix = await refractor('models', 'verify', 'tiny', '--hub-copy', '--fix');
    expect(fix.status).toBe(1); // the set still needs a pull
    expect(fix.stderr).toContain(`removed corrupt ${model}`);
    expect(fix.stderr).toContain('run `refractor models pull tiny --hub-copy` to download them');
    expect(existsSync(model)).toBe(false);
    expect(existsSync(config)).toBe(false);

    const requestsBefore = server.requests.length;
    const repull = await refractor('models', 'pull', 'tiny', '--hub-copy');
    expect(repull.stderr).toContain('2 downloaded, 7 already cached');
    expect(server.requests.slice(requestsBefore).map((request) => request.file)).toEqual([hubKey('clap.config'), hubKey('text.model')]);
    expect((await refractor('models', 'verify', 'tiny', '--hub-copy')).status).toBe(0);
  }, 20_000);

  it('warns but exits 0 for cached files the manifest has no sha256 for', async () => {
    const { cacheDir, refractor } = sandbox();
    // The default set gives no sizes or hashes: any cached file counts, none can be checked.
    const listing = JSON.parse((await refractor('models', 'list', 'default', '--json')).stdout) as ModelListing;
    for (const file of listing.sets[0]!.files) {
      mkdirSync(dirname(file.cachePath), { recursive: true });
      writeFileSync(file.cachePath, 'stand-in');
    }
    expect(listing.sets[0]!.files[0]!.cachePath.startsWith(resolve(cacheDir))).toBe(true);
    const run = await refractor('models', 'verify');
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0])).toEqual(new Array(8).fill('unverifiable'));
    expect(run.stderr).toContain('warning: 8 of 8 files of "default" cannot be verified: the manifest gives no sha256 for them');
  });
});

describe('refractor models --help', { timeout: 60_000 }, () => {
  it('documents each subcommand with its defaults, and exits 2 on usage errors', async () => {
    const { refractor } = sandbox();
    const [models, list, pull, verify, path, unknownFlag, unknownCommand] = await Promise.all([
      refractor('models', '--help'),
      refractor('models', 'list', '--help'),
      refractor('models', 'pull', '--help'),
      refractor('models', 'verify', '--help'),
      refractor('models', 'path', '--help'),
      refractor('models', 'pull', '--frobnicate'),
      refractor('models', 'frobnicate'),
    ]);
    for (const help of [models, list, pull, verify, path]) expect(help.status).toBe(0);
    for (const subcommand of ['list', 'pull', 'verify', 'path']) expect(models.stdout).toMatch(new RegExp(`^ +${subcommand} \\[`, 'm'));
    expect(list.stdout).toContain('--json');
    expect(list.stdout).toContain('--verbose');
    for (const flag of ['--endpoint', '--token', '--cache-dir', 'HF_ENDPOINT', 'HF_TOKEN', 'REFRACTOR_CACHE']) expect(pull.stdout).toContain(flag);
    expect(pull.stdout).toMatch(/^ +set +the model set to download \(default: "default"\)$/m);
    // commander wraps help to the terminal width: compare with whitespace collapsed.
    expect(pull.stdout.replace(/\s+/g, ' ')).toContain('(default: $HF_ENDPOINT, else https://huggingface.co)');
    expect(verify.stdout).toContain('--fix');
    expect(verify.stdout).toMatch(/default: "default"/);
    expect(path.stdout).toContain('role<TAB>path');
    expect(unknownFlag.status).toBe(2);
    expect(unknownFlag.stderr).toContain("unknown option '--frobnicate'");
    expect(unknownCommand.status).toBe(2);
  });
});
