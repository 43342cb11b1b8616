import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  CandidatesFileError,
  DatasetError,
  STDIN_IS_TERMINAL,
  UnknownColorLabelError,
  candidatesFromFiles,
  expandInputs,
  fileIsMidi,
  openDataset,
  parseColorLabel,
  pickMainAudio,
  readCandidatesFile,
  readSongLabel,
  readStdin,
} from '@refractor/node/io';

const work = mkdtempSync(join(tmpdir(), 'refractor-io-'));
/** Writes `files` (path → text or bytes) under a fresh folder and returns it. */
function tree(name: string, files: Record<string, string | Uint8Array>): string {
  const root = join(work, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}
const MIDI_HEAD = new Uint8Array([0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6]);

describe('expandInputs', () => {
  it('expands files, folders (recursively, sorted, audio only), globs and -, and keeps what matched nothing', async () => {
    const root = tree('inputs', { 'b/2.ogg': 'x', 'b/1.WAV': 'x', 'b/sub/3.mid': 'x', 'b/notes.txt': 'x', 'c.mp3': 'x', 'empty/readme.md': 'x' });
    const expanded = await expandInputs([join(root, 'c.mp3'), join(root, 'b/'), '-', join(root, '*.mp3'), join(root, 'none-*.ogg'), join(root, 'empty'), join(root, 'gone.ogg')]);
    expect(expanded).toEqual([
      { file: join(root, 'c.mp3') },
      { file: join(root, 'b/1.WAV') },
      { file: join(root, 'b/2.ogg') },
      { file: join(root, 'b/sub/3.mid') },
      { file: '-' },
      { file: join(root, 'c.mp3') },
      { missing: join(root, 'none-*.ogg'), reason: 'no file matches this pattern', code: 'no-match' },
      { missing: join(root, 'empty'), reason: 'directory holds no audio files', code: 'no-audio-files' },
      { missing: join(root, 'gone.ogg'), reason: 'unreadable: no such file', code: 'not-found' },
    ]);
  });
});

describe('readStdin', () => {
  it('reads every chunk, and refuses a terminal', async () => {
    const stream = Readable.from([Buffer.from('ab'), 'c']) as unknown as NodeJS.ReadStream;
    expect(Buffer.from(await readStdin(stream)).toString()).toBe('abc');
    const tty = Object.assign(Readable.from([]), { isTTY: true }) as unknown as NodeJS.ReadStream;
    await expect(readStdin(tty)).rejects.toThrow(STDIN_IS_TERMINAL);
  });
});

describe('candidates files', () => {
  it('reads CSV (header in any case, paths relative to the file) and JSON Lines', async () => {
    const root = tree('candidates', {
      'c.csv': 'ID,Midi,lyric\nfirst,a.mid,"one, two"\n,,just words\n',
      'c.jsonl': '{"audio":"/abs/b.ogg","lyric":"x"}\n\n{"midi":"m.mid"}\n',
    });
    expect(await readCandidatesFile(join(root, 'c.csv'))).toEqual([
      { id: 'first', midi: join(root, 'a.mid'), lyric: 'one, two' },
      { id: `${join(root, 'c.csv')}:row 3`, lyric: 'just words' },
    ]);
    expect(await readCandidatesFile(join(root, 'c.jsonl'))).toEqual([
      { id: '/abs/b.ogg', audio: '/abs/b.ogg', lyric: 'x' },
      { id: join(root, 'm.mid'), midi: join(root, 'm.mid') },
    ]);
  });

  it('names the file, the row and the field of a bad candidate', async () => {
    const root = tree('bad-candidates', { 'none.csv': 'id,title\na,b\n', 'num.jsonl': '{"lyric":3}\n', 'empty.csv': 'id,midi\n' });
    await expect(readCandidatesFile(join(root, 'none.csv'))).rejects.toThrow(/none of the columns midi, audio, lyric \(found: id, title\)/);
    await expect(readCandidatesFile(join(root, 'num.jsonl'))).rejects.toThrow(/line 1: lyric is 3; expected text/);
    await expect(readCandidatesFile(join(root, 'empty.csv'))).rejects.toBeInstanceOf(CandidatesFileError);
  });

  it('recognises MIDI by content, not by name', async () => {
    const root = tree('midi', { 'song.ogg': MIDI_HEAD, 'song.mid': 'OggS' });
    expect(await fileIsMidi(join(root, 'song.ogg'))).toBe(true);
    expect(await fileIsMidi(join(root, 'song.mid'))).toBe(false);
    expect(await candidatesFromFiles([join(root, 'song.ogg'), join(root, 'song.mid'), join(root, 'gone')], 'l')).toEqual([
      { midi: join(root, 'song.ogg'), lyric: 'l' },
      { audio: join(root, 'song.mid'), lyric: 'l' },
      { audio: join(root, 'gone'), lyric: 'l' },
    ]);
  });
});

describe('labeled datasets', () => {
  it('reads the folder layout: labels in YAML, the best main audio, and why songs were skipped', async () => {
    const root = tree('folders', {
      '01/01.yml': 'rainbow_color: i\nconcept: 1984\n',
      '01/01_main.mp3': 'x',
      '01/01_main.flac': 'x',
      '02/02.yaml': 'rainbow_color: Teal\n',
      '02/02_main.wav': 'x',
      '03/03_main.wav': 'x',
      '04/04.yml': 'rainbow_color: Red\n',
      'notes/readme.md': 'x',
    });
    const data = await openDataset(root);
    expect(data.layout).toBe('folders');
    expect(data.songs).toEqual([{ id: '01', audio: join(root, '01/01_main.flac'), color: 'Indigo', concept: '1984', labelSource: join(root, '01/01.yml') }]);
    expect(data.skipped.map(({ id, reason }) => [id, reason])).toEqual([
      ['02', 'unknown-color'],
      ['03', 'unreadable-label'],
      ['04', 'missing-audio'],
    ]);
    expect(pickMainAudio('07', ['07_main.mp3', '07_main.FLAC'])).toBe('07_main.FLAC');
  });

  it('reads a CSV manifest with quoted concepts and line numbers in messages', async () => {
    const root = tree('manifest', { 'a.wav': 'x', 'songs.csv': 'path,color,concept\na.wav,Z,"two\nlines"\nb.wav,Blue,\n' });
    const data = await openDataset(join(root, 'songs.csv'));
    expect(data.songs).toEqual([{ id: 'a', audio: join(root, 'a.wav'), color: 'White', concept: 'two\nlines', labelSource: `${join(root, 'songs.csv')} line 2` }]);
    expect(data.skipped).toEqual([
      { id: 'b', file: join(root, 'b.wav'), reason: 'missing-audio', message: `missing audio: ${join(root, 'b.wav')} does not exist (${join(root, 'songs.csv')} line 4)` },
    ]);
  });

  it('throws a DatasetError naming the path and the layouts it expected', async () => {
    const root = tree('not-a-dataset', { 'x.txt': 'x', 'bad.csv': 'path,colour\n' });
    await expect(openDataset(join(root, 'x.txt'))).rejects.toThrow(/not a folder or a \.csv file; expected a folder of song folders/);
    await expect(openDataset(join(root, 'bad.csv'))).rejects.toThrow(DatasetError);
    await expect(openDataset(join(root, 'gone'))).rejects.toThrow(/no such file or directory/);
  });

  it('parses color labels by name or letter, and names a bad one', async () => {
    expect(parseColorLabel('z', 'here')).toBe('White');
    expect(() => parseColorLabel(3, 'rainbow_color in x.yml')).toThrow(UnknownColorLabelError);
    const root = tree('labels', { 'l.yml': '- a list\n' });
    expect(await readSongLabel(join(root, 'l.yml'))).toMatchObject({ ok: false, reason: 'unreadable-label', message: expect.stringContaining('found a list') });
  });
});

describe('@refractor/node/io', () => {
  it('loads no onnxruntime-node', async () => {
    const { spawnSync } = await import('node:child_process');
    const probe = "import('@refractor/node/io').then(() => console.log(JSON.stringify(process.report.getReport().sharedObjects.filter((s) => /onnxruntime/.test(s)))))";
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: import.meta.dirname, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([]);
    const whole = spawnSync(process.execPath, ['--input-type=module', '-e', probe.replace("'@refractor/node/io'", "'@refractor/node'")], { cwd: import.meta.dirname, encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(whole.stdout).length).toBeGreaterThan(0); // the probe can tell
  });
});
