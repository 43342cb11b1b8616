import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { midiToPianoRoll } from '@refractor/audio';
import { readEmbeddings, writeEmbeddings } from '@refractor/train';
import { endOfTrack, off, on, smf, tempo, makeWav, seededNoise, sine } from '@refractor/test-helpers';
import { REDIS_SKIP_REASON, startRedisServer, type RedisServer } from '@refractor/test-helpers/redis-server';
import { readNpy } from './npy-reader.js';
import { spawnWorker, type WorkerProcess } from './queue-helpers.js';
import { BIN, runRefractorAsync } from './run-cli.js';

// Every command that writes a file, against every kind of --out target, as
// root, in child processes (so stdout really is a pipe or a file). Each
// output must equal, byte for byte, what the same command writes to a plain
// new file; that run is itself checked against the library or a parser.

const work = mkdtempSync(join(tmpdir(), 'refractor-out-targets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TINY = ['--models', 'tiny', '--offline'];
const CHUNKS = ['--chunk-size', '2', '--chunk-stride', '2'];
const RATE = 22050;

const wav = join(work, 'song.wav');
writeFileSync(wav, makeWav({ sampleRate: RATE, channels: [sine(330, 3, RATE, 0.4)], bits: 16 }));
const wav2 = join(work, 'noise.wav');
writeFileSync(wav2, makeWav({ sampleRate: RATE, channels: [seededNoise(3 * RATE, 5, 0.3)], bits: 16 }));
const manifest = join(work, 'songs.csv');
writeFileSync(manifest, 'path,color,concept\nsong.wav,Red,a song about the past\nnoise.wav,Blue,a song about the sea\n');
const midi = join(work, 'melody.mid');
const midiBytes = smf(1, 480, [[tempo(0, 500000), endOfTrack()], [on(0, 60, 90), off(480, 60), on(0, 64, 70), off(960, 64), endOfTrack()]]);
writeFileSync(midi, midiBytes);

/** Embeddings for train: 3 colors × 4 songs × 2 rows, seeded noise shifted per color. */
const embeddings = join(work, 'embeddings.npz');
{
  const songIds: string[] = [];
  const colors: string[] = [];
  for (const color of ['Red', 'Blue', 'Violet']) for (let s = 0; s < 4; s++) for (let r = 0; r < 2; r++) (songIds.push(`${color}-${s}`), colors.push(color));
  const rows = songIds.length;
  const shift: Record<string, number> = { Red: 0, Blue: 0.2, Violet: 0.4 };
  const clapEmbs = Float32Array.from(seededNoise(rows * 512, 3, 0.5), (v, i) => v + shift[colors[Math.floor(i / 512)]!]!);
  const conceptEmbs = Float32Array.from(seededNoise(rows * 768, 4, 0.5));
  writeFileSync(embeddings, writeEmbeddings({ clapEmbs, conceptEmbs, colors, songIds }));
}

interface Run {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs the CLI with stdout a pipe (captured) or the given file descriptor. */
function cli(args: string[], stdout: 'pipe' | number = 'pipe'): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', stdout, 'pipe'], timeout: 120_000 });
  return { status: result.status, stdout: result.stdout ?? Buffer.alloc(0), stderr: result.stderr.toString('utf8') };
}

/** Files in a folder, dot files included: a stray temporary file (`.name.pid.hex.tmp`) shows up here. */
const entries = (dir: string) => readdirSync(dir).sort();

let counter = 0;
function freshFolder(name: string): string {
  const dir = join(work, `${name}-${++counter}`);
  mkdirSync(dir);
  return dir;
}

interface CommandSpec {
  name: string;
  /** The argv for `--out out`. */
  args(out: string): string[];
  /** File name extension for file targets. */
  ext: string;
  /** Other files the command leaves beside the name it was given (train's report). */
  extras(outName: string): string[];
  /** Writes more than one file: every target but a file (or a link to one) is refused (exit 2). */
  fileOnly?: boolean;
  /** What a successful run exits with. */
  okStatus: number;
  /** Also prints text on stdout when --out is not stdout (validate's table, train's summary). */
  talksOnStdout?: boolean;
}

/**
 * The target cases, each a run of the command plus checks; `reference` is
 * what the command wrote to a plain new file.
 */
function targetCases(spec: CommandSpec, reference: () => Buffer) {
  const refused = (run: Run) => {
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/--out .*needs a file \(or a link to one\), since it also writes/);
  };
  const succeeded = (run: Run) => expect(run.status, run.stderr).toBe(spec.okStatus);
  return {
    '-': () => {
      const run = cli(spec.args('-'));
      if (spec.fileOnly) {
        refused(run);
        expect(run.stderr).toContain('--out - (stdout)');
        expect(existsSync('-')).toBe(false);
        return;
      }
      succeeded(run);
      expect(run.stdout.equals(reference())).toBe(true);
      // Not a file named "-" in the working directory.
      expect(existsSync(join(process.cwd(), '-'))).toBe(false);
    },
    '/dev/stdout (a pipe)': () => {
      const run = cli(spec.args('/dev/stdout'));
      if (spec.fileOnly) return refused(run);
      succeeded(run);
      expect(run.stdout.equals(reference())).toBe(true);
      expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
    },
    '/dev/stdout (a file, appended to)': () => {
      const dir = freshFolder(`${spec.name}-stdout-file`);
      const path = join(dir, 'captured');
      writeFileSync(path, 'kept\n');
      const fd = openSync(path, 'a');
      const run = cli(spec.args('/dev/stdout'), fd);
      closeSync(fd);
      expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
      expect(entries(dir)).toEqual(['captured']);
      if (spec.fileOnly) {
        refused(run);
        expect(readFileSync(path, 'utf8')).toBe('kept\n');
        return;
      }
      succeeded(run);
      // Written through the shell's own descriptor: after what was there, not over it, and the file is the same file.
      expect(readFileSync(path).equals(Buffer.concat([Buffer.from('kept\n'), reference()]))).toBe(true);
    },
    '/dev/null': () => {
      const run = cli(spec.args('/dev/null'));
      expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
      if (spec.fileOnly) {
        refused(run);
        expect(run.stderr).toContain('/dev/null (a character device)');
        return;
      }
      succeeded(run);
      if (!spec.talksOnStdout) expect(run.stdout.length).toBe(0);
      expect(existsSync('/dev/.null')).toBe(false);
    },
    'a FIFO with a reader': async () => {
      const dir = freshFolder(`${spec.name}-fifo`);
      const fifo = join(dir, 'pipe');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      if (spec.fileOnly) {
        refused(cli(spec.args(fifo)));
        expect(lstatSync(fifo).isFIFO()).toBe(true);
        return;
      }
      // The reader writes to a file itself, so this process may block in spawnSync meanwhile.
      const got = join(dir, 'got');
      const reader = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', fifo, got]);
      const readerDone = new Promise((resolve) => reader.on('close', resolve));
      const run = cli(spec.args(fifo));
      await readerDone;
      succeeded(run);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      expect(readFileSync(got).equals(reference())).toBe(true);
      expect(entries(dir)).toEqual(['got', 'pipe']);
    },
    'a link to a file': () => {
      const dir = freshFolder(`${spec.name}-link`);
      mkdirSync(join(dir, 'real'));
      const target = join(dir, 'real', `target${spec.ext}`);
      writeFileSync(target, 'old');
      const link = join(dir, `link${spec.ext}`);
      symlinkRelative(`real/target${spec.ext}`, link);
      const run = cli(spec.args(link));
      succeeded(run);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe(`real/target${spec.ext}`);
      expect(readFileSync(target).equals(reference())).toBe(true);
      // No temporary file left, beside the target or beside the link.
      expect(entries(join(dir, 'real'))).toEqual([`target${spec.ext}`]);
      expect(entries(dir)).toEqual([basename(link), 'real', ...spec.extras(basename(link))].sort());
    },
    'a dangling link': () => {
      const dir = freshFolder(`${spec.name}-dangling`);
      mkdirSync(join(dir, 'real'));
      const link = join(dir, `link${spec.ext}`);
      symlinkRelative(`real/new${spec.ext}`, link);
      const run = cli(spec.args(link));
      succeeded(run);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readFileSync(join(dir, 'real', `new${spec.ext}`)).equals(reference())).toBe(true);
      expect(entries(join(dir, 'real'))).toEqual([`new${spec.ext}`]);
      expect(entries(dir)).toEqual([basename(link), 'real', ...spec.extras(basename(link))].sort());
    },
    'an existing file': () => {
      const dir = freshFolder(`${spec.name}-file`);
      const path = join(dir, `out${spec.ext}`);
      writeFileSync(path, 'old content, longer than nothing');
      const run = cli(spec.args(path));
      succeeded(run);
      expect(lstatSync(path).isFile()).toBe(true);
      expect(readFileSync(path).equals(reference())).toBe(true);
      expect(entries(dir)).toEqual([`out${spec.ext}`, ...spec.extras(`out${spec.ext}`)].sort());
    },
    'a directory': () => {
      const dir = freshFolder(`${spec.name}-dir`);
      mkdirSync(join(dir, 'sub'));
      const run = cli(spec.args(join(dir, 'sub')));
      expect(run.status, run.stderr).not.toBe(0);
      expect(run.stderr).toMatch(/sub: it is a directory; name a file/);
      expect(entries(dir)).toEqual(['sub']);
      expect(entries(join(dir, 'sub'))).toEqual([]);
    },
  };
}

function symlinkRelative(target: string, link: string): void {
  expect(spawnSync('ln', ['-s', target, link]).status).toBe(0);
}

/** The reference run: the command writing a plain new file, which `check` verifies independently. */
function referenceRun(spec: CommandSpec, check: (bytes: Buffer, path: string) => void): Buffer {
  const dir = freshFolder(`${spec.name}-reference`);
  const path = join(dir, `reference${spec.ext}`);
  const run = cli(spec.args(path));
  expect(run.status, run.stderr).toBe(spec.okStatus);
  const bytes = readFileSync(path);
  check(bytes, path);
  expect(entries(dir)).toEqual([`reference${spec.ext}`, ...spec.extras(`reference${spec.ext}`)].sort());
  return bytes;
}

function describeTargets(spec: CommandSpec, check: (bytes: Buffer, path: string) => void, setup?: () => Promise<void>) {
  describe(`refractor ${spec.name} --out <target>`, () => {
    let reference: Buffer;
    beforeAll(async () => {
      await setup?.();
      reference = referenceRun(spec, check);
    }, 180_000);
    for (const [name, test] of Object.entries(targetCases(spec, () => reference))) {
      it(name, test, 120_000);
    }
  });
}

const jsonLines = (bytes: Buffer) =>
  bytes
    .toString('utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describeTargets(
  { name: 'score', args: (out) => ['score', wav, wav2, ...TINY, ...CHUNKS, '--format', 'jsonl', '--out', out], ext: '.jsonl', extras: () => [], okStatus: 0 },
  (bytes) => expect(jsonLines(bytes).map((r) => [r.file, typeof r.predicted_color])).toEqual([[wav, 'string'], [wav2, 'string']]),
);

describeTargets(
  { name: 'validate', args: (out) => ['validate', manifest, ...TINY, ...CHUNKS, '--format', 'jsonl', '--out', out], ext: '.jsonl', extras: () => [], okStatus: 0, talksOnStdout: true },
  (bytes) => expect(jsonLines(bytes)).toHaveLength(2),
);

describeTargets(
  { name: 'features', args: (out) => ['features', wav, ...CHUNKS, '--out', out], ext: '.npy', extras: () => [], okStatus: 0 },
  (_bytes, path) => expect(readNpy(path).shape).toEqual([2, 1, 1001, 64]),
);

describeTargets(
  { name: 'piano-roll', args: (out) => ['piano-roll', midi, '--out', out], ext: '.npy', extras: () => [], okStatus: 0 },
  (_bytes, path) => {
    const npy = readNpy(path);
    expect(npy.shape).toEqual([128, 256]);
    expect(Array.from(npy.data)).toEqual(Array.from(midiToPianoRoll(midiBytes)));
  },
);

describeTargets(
  {
    name: 'extract',
    args: (out) => ['extract', manifest, ...TINY, ...CHUNKS, '--out', out],
    ext: '.npz',
    extras: () => [],
    fileOnly: true,
    okStatus: 0,
  },
  (bytes, path) => expect(readEmbeddings(new Uint8Array(bytes), path).songIds.length).toBeGreaterThan(0),
);

describeTargets(
  {
    name: 'train',
    args: (out) => ['train', embeddings, '--epochs', '2', '--out', out],
    ext: '.onnx',
    // The report is named after the name given (a link's name, not its target's).
    extras: (outName) => [`${outName.replace(/\.onnx$/, '')}.report.json`],
    fileOnly: true,
    okStatus: 0,
    talksOnStdout: true,
  },
  (bytes) => expect(bytes.length).toBeGreaterThan(1000),
);

describe('a report document to stdout', () => {
  it('validate --format yaml --out - writes the report to stdout and the table to stderr', () => {
    const dir = freshFolder('validate-yaml');
    const file = cli(['validate', manifest, ...TINY, ...CHUNKS, '--out', join(dir, 'report.yaml')]);
    expect(file.status, file.stderr).toBe(0);
    expect(file.stdout.toString()).toMatch(/Overall/);
    const run = cli(['validate', manifest, ...TINY, ...CHUNKS, '--format', 'yaml', '--out', '-']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.equals(readFileSync(join(dir, 'report.yaml')))).toBe(true);
    expect(run.stderr).toMatch(/Overall/);
    expect(run.stderr).toContain('wrote stdout (2 songs scored, 0 skipped; yaml)');
    const unnamed = cli(['validate', manifest, ...TINY, '--out', '-']);
    expect(unnamed.status).toBe(2);
    expect(unnamed.stderr).toMatch(/cannot tell the report format from "-"/);
  }, 120_000);
});

describe('--resume with targets that cannot be read back', () => {
  it('is refused for - and devices, and appends through a link', async () => {
    for (const out of ['-', '/dev/stdout', '/dev/null']) {
      const run = cli(['score', wav, ...TINY, ...CHUNKS, '--format', 'jsonl', '--out', out, '--resume']);
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/--resume needs --out to be a file it can read back and append to, not .*(stdout|a character device)/);
    }
    const dir = freshFolder('resume-link');
    mkdirSync(join(dir, 'real'));
    symlinkRelative('real/results.jsonl', join(dir, 'link.jsonl'));
    const first = await runRefractorAsync(['score', wav, ...TINY, ...CHUNKS, '--out', join(dir, 'link.jsonl'), '--resume']);
    expect(first.status, first.stderr).toBe(0);
    const second = await runRefractorAsync(['score', wav, wav2, ...TINY, ...CHUNKS, '--out', join(dir, 'link.jsonl'), '--resume']);
    expect(second.status, second.stderr).toBe(0);
    expect(lstatSync(join(dir, 'link.jsonl')).isSymbolicLink()).toBe(true);
    expect(jsonLines(readFileSync(join(dir, 'real', 'results.jsonl'))).map((r) => r.file)).toEqual([wav, wav2]);
    expect(entries(dir)).toEqual(['link.jsonl', 'real']);
  }, 120_000);
});

const skipRedis = REDIS_SKIP_REASON !== undefined;
describe.skipIf(skipRedis)(`refractor queue results${skipRedis ? ` (SKIPPED: ${REDIS_SKIP_REASON})` : ''}`, () => {
  let redis: RedisServer;
  let worker: WorkerProcess | undefined;
  let batch = '';
  const queueFlags = () => ['--redis', redis.url, '--queue', 'targets'];
  afterAll(async () => {
    await worker?.stop(2000);
    await redis?.dispose();
  });

  const spec: CommandSpec = {
    name: 'queue-results',
    args: (out) => ['queue', 'results', ...queueFlags(), '--batch', batch, '--out', out],
    ext: '.jsonl',
    extras: () => [],
    okStatus: 0,
  };
  let reference: Buffer;
  beforeAll(async () => {
    redis = await startRedisServer();
    const add = await runRefractorAsync(['queue', 'add', wav, wav2, ...queueFlags(), ...CHUNKS]);
    expect(add.status, add.stderr).toBe(0);
    batch = add.stdout.trim();
    worker = spawnWorker([...queueFlags(), ...TINY]);
    const dir = freshFolder('queue-reference');
    const path = join(dir, 'reference.jsonl');
    const wait = await runRefractorAsync(['queue', 'results', ...queueFlags(), '--batch', batch, '--wait', '--poll-ms', '200', '--out', path], { timeoutMs: 120_000 });
    expect(wait.status, wait.stderr).toBe(0);
    await worker.stop(5000);
    worker = undefined;
    reference = readFileSync(path);
    expect(jsonLines(reference).map((r) => [r.file, typeof r.predicted_color])).toEqual([[wav, 'string'], [wav2, 'string']]);
    expect(entries(dir)).toEqual(['reference.jsonl']);
  }, 180_000);

  it('writes to stdout without --out', () => {
    const run = cli(['queue', 'results', ...queueFlags(), '--batch', batch]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.equals(reference)).toBe(true);
    expect(run.stderr).toContain(`wrote stdout (2 results, 0 errors, batch ${batch})`);
  }, 60_000);

  for (const [name, test] of Object.entries(targetCases(spec, () => reference))) {
    it(name, test, 120_000);
  }

  it("writes an extract batch's .npz to stdout with --out -, refuses it to a terminal without --out", async () => {
    const add = await runRefractorAsync(['queue', 'add', '--extract', manifest, ...CHUNKS, ...queueFlags()]);
    expect(add.status, add.stderr).toBe(0);
    const extractBatch = add.stdout.trim();
    worker = spawnWorker([...queueFlags(), ...TINY]);
    const dir = freshFolder('queue-npz');
    const file = await runRefractorAsync(['queue', 'results', ...queueFlags(), '--batch', extractBatch, '--wait', '--poll-ms', '200', '--out', join(dir, 'merged.npz')], { timeoutMs: 120_000 });
    expect(file.status, file.stderr).toBe(0);
    await worker.stop(5000);
    worker = undefined;
    // The reference: the single-machine `refractor extract` bytes.
    const single = cli(['extract', manifest, ...TINY, ...CHUNKS, '--out', join(dir, 'single.npz')]);
    expect(single.status, single.stderr).toBe(0);
    expect(readFileSync(join(dir, 'merged.npz')).equals(readFileSync(join(dir, 'single.npz')))).toBe(true);
    const piped = cli(['queue', 'results', ...queueFlags(), '--batch', extractBatch, '--out', '-']);
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout.equals(readFileSync(join(dir, 'single.npz')))).toBe(true);
    // stdout a terminal (script(1) gives the command a pty): binary is refused without --out.
    const command = [process.execPath, BIN, 'queue', 'results', ...queueFlags(), '--batch', extractBatch].map((arg) => `'${arg}'`).join(' ');
    const tty = spawnSync('script', ['-qec', `${command}; echo "status=$?"`, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    expect(tty.stdout).toMatch(/an extract batch is a binary \.npz: pass --out <file\.npz>/);
    expect(tty.stdout).toMatch(/status=2/);
  }, 180_000);
});
