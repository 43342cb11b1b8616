import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputTargetError, openOutputFile, resolveOutputTarget, writeFileAtomic } from '../src/index.js';

const work = mkdtempSync(join(tmpdir(), 'refractor-output-file-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let counter = 0;
/** A fresh empty folder per test, so stray temporary files are easy to see. */
function folder(): string {
  const dir = join(work, `case-${++counter}`);
  mkdirSync(dir);
  return dir;
}

/** Files in a folder, dot files included (a temporary file is `.name.pid.hex.tmp`). */
const entries = (dir: string) => readdirSync(dir).sort();

/** The built package, for child processes whose stdout we choose (the test's own stdout is vitest's). */
const BUILT = join(import.meta.dirname, '..', 'dist', 'index.js');

function childScript(path: string, text: string): string {
  return `import { writeFileAtomic } from ${JSON.stringify(BUILT)};
process.stdout.write('before\\n');
await writeFileAtomic(${JSON.stringify(path)}, ${JSON.stringify(text)});
process.stdout.write('after\\n');`;
}

describe('resolveOutputTarget', () => {
  it('reads - as stdout, and names of this process stdout as stdout too', () => {
    expect(resolveOutputTarget('-')).toEqual({ kind: 'stdout' });
    expect(resolveOutputTarget('/dev/stdout')).toEqual({ kind: 'stdout' });
    expect(resolveOutputTarget('/proc/self/fd/1')).toEqual({ kind: 'stdout' });
    expect(resolveOutputTarget('/dev/fd/1')).toEqual({ kind: 'stdout' });
  });

  it('reads devices, FIFOs and other own descriptors as special', () => {
    expect(resolveOutputTarget('/dev/null')).toEqual({ kind: 'special', path: '/dev/null', description: 'a character device' });
    const dir = folder();
    const fifo = join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(resolveOutputTarget(fifo)).toMatchObject({ kind: 'special', path: fifo, description: 'a FIFO' });
    expect(resolveOutputTarget('/dev/stderr')).toMatchObject({ kind: 'special', fd: 2 });
  });

  it('follows links to the real file, existing or not', () => {
    const dir = folder();
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'a.jsonl'), 'old\n');
    symlinkSync('real/a.jsonl', join(dir, 'link.jsonl'));
    symlinkSync('link.jsonl', join(dir, 'link2.jsonl'));
    symlinkSync('real/missing.jsonl', join(dir, 'dangling.jsonl'));
    expect(resolveOutputTarget(join(dir, 'link2.jsonl'))).toEqual({ kind: 'regular', path: join(dir, 'real', 'a.jsonl'), exists: true });
    expect(resolveOutputTarget(join(dir, 'dangling.jsonl'))).toEqual({ kind: 'regular', path: join(dir, 'real', 'missing.jsonl'), exists: false });
    expect(resolveOutputTarget(join(dir, 'new.jsonl'))).toEqual({ kind: 'regular', path: join(dir, 'new.jsonl'), exists: false });
  });

  it('rejects directories, link loops and missing folders with a clear error', () => {
    const dir = folder();
    expect(() => resolveOutputTarget(dir)).toThrow(OutputTargetError);
    expect(() => resolveOutputTarget(dir)).toThrow(/is a directory; name a file/);
    symlinkSync('b', join(dir, 'a'));
    symlinkSync('a', join(dir, 'b'));
    expect(() => resolveOutputTarget(join(dir, 'a'))).toThrow(/symbolic links \(a loop\?\)/);
    expect(() => resolveOutputTarget(join(dir, 'nope', 'x.json'))).toThrow(/the folder .*nope does not exist/);
  });
});

describe('openOutputFile and writeFileAtomic', () => {
  it('writes - to the given stdout stream', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    await writeFileAtomic('-', 'one\n', { stdout });
    const out = await openOutputFile('-', { stdout });
    expect(out.seekable).toBe(false);
    await out.write(new Uint8Array([0x74, 0x77, 0x6f, 0x0a]));
    await expect(out.write('x', 0)).rejects.toThrow(/cannot seek in stdout/);
    await out.commit();
    expect(Buffer.concat(chunks).toString()).toBe('one\ntwo\n');
  });

  it('replaces a regular file atomically, keeping its permissions, leaving no temporary file', async () => {
    const dir = folder();
    const path = join(dir, 'report.json');
    writeFileSync(path, 'old');
    chmodSync(path, 0o600);
    const out = await openOutputFile(path);
    await out.write('new ');
    // Not visible before commit: the old content is still there, the new one in a temporary beside it.
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(entries(dir)).toHaveLength(2);
    await out.write('text');
    await out.write('N', 0);
    await out.commit();
    expect(readFileSync(path, 'utf8')).toBe('New text');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(entries(dir)).toEqual(['report.json']);
  });

  it('abort leaves the old file untouched and nothing else', async () => {
    const dir = folder();
    const path = join(dir, 'report.json');
    writeFileSync(path, 'old');
    const out = await openOutputFile(path);
    await out.write('half');
    await out.abort();
    await out.abort();
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(entries(dir)).toEqual(['report.json']);
    await expect(writeFileAtomic(join(dir, 'missing-folder', 'x'), 'x')).rejects.toThrow(/does not exist/);
    expect(entries(dir)).toEqual(['report.json']);
  });

  it('follows a link: the link stays, its target is replaced, the temporary file lives in the target folder', async () => {
    const dir = folder();
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'a.jsonl'), 'old\n');
    symlinkSync('real/a.jsonl', join(dir, 'link.jsonl'));
    const out = await openOutputFile(join(dir, 'link.jsonl'));
    await out.write('new\n');
    // The temporary file is beside the target (same file system, so the rename is atomic), not beside the link.
    expect(entries(join(dir, 'real'))).toHaveLength(2);
    expect(entries(dir)).toEqual(['link.jsonl', 'real']);
    await out.commit();
    expect(lstatSync(join(dir, 'link.jsonl')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, 'link.jsonl'))).toBe('real/a.jsonl');
    expect(readFileSync(join(dir, 'real', 'a.jsonl'), 'utf8')).toBe('new\n');
    expect(entries(join(dir, 'real'))).toEqual(['a.jsonl']);
  });

  it('creates the target of a dangling link', async () => {
    const dir = folder();
    mkdirSync(join(dir, 'real'));
    symlinkSync('real/b.jsonl', join(dir, 'dangling.jsonl'));
    await writeFileAtomic(join(dir, 'dangling.jsonl'), 'made\n');
    expect(lstatSync(join(dir, 'dangling.jsonl')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'real', 'b.jsonl'), 'utf8')).toBe('made\n');
    expect(entries(join(dir, 'real'))).toEqual(['b.jsonl']);
    expect(entries(dir)).toEqual(['dangling.jsonl', 'real']);
  });

  it('writes /dev/null in place (the device is still a device)', async () => {
    await writeFileAtomic('/dev/null', 'gone');
    const out = await openOutputFile('/dev/null');
    await out.write('gone');
    await expect(out.write('x', 0)).rejects.toThrow(/cannot seek in \/dev\/null/);
    await out.abort();
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('writes a FIFO in place for its reader', async () => {
    const dir = folder();
    const fifo = join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo]);
    let read = '';
    reader.stdout.setEncoding('utf8').on('data', (text: string) => (read += text));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    await writeFileAtomic(fifo, 'through the pipe\n');
    await closed;
    expect(read).toBe('through the pipe\n');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(entries(dir)).toEqual(['pipe']);
  });

  it('writes through an own descriptor without closing or replacing it', async () => {
    const dir = folder();
    const path = join(dir, 'fd.txt');
    const fd = openSync(path, 'w');
    try {
      await writeFileAtomic(`/dev/fd/${fd}`, 'first ');
      await writeFileAtomic(`/proc/self/fd/${fd}`, 'second');
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path, 'utf8')).toBe('first second');
  });

  it('rejects a directory and leaves it alone', async () => {
    const dir = folder();
    await expect(writeFileAtomic(dir, 'x')).rejects.toThrow(/is a directory/);
    expect(entries(dir)).toEqual([]);
  });

  // /dev/stdout resolves (through /proc/self/fd/1) to a pipe, or to the very file the shell opened: neither is renamed over.
  it('writes /dev/stdout to the process stdout when it is a pipe', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', childScript('/dev/stdout', 'middle\n')], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('before\nmiddle\nafter\n');
  }, 60_000);

  it('writes /dev/stdout in place when stdout is a file, even appended to', () => {
    const dir = folder();
    const path = join(dir, 'stdout.txt');
    writeFileSync(path, 'kept\n');
    const fd = openSync(path, 'a');
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', childScript('/dev/stdout', 'middle\n')], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', timeout: 60_000 });
    closeSync(fd);
    expect(run.stderr).toBe('');
    expect(readFileSync(path, 'utf8')).toBe('kept\nbefore\nmiddle\nafter\n');
    expect(entries(dir)).toEqual(['stdout.txt']);
    expect(readdirSync('/dev').includes('stdout') && lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
  }, 60_000);
});
