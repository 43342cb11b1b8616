import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { endOfTrack, off, on, smf, makeWav, sine } from '@refractor/test-helpers';
import { BIN, runRefractor } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'refractor-scripting-'));
const TINY = ['--models', 'tiny', '--offline', '--chunk-size', '5', '--chunk-stride', '5'];

function song(path: string, seconds: number, frequency: number): string {
  writeFileSync(path, makeWav({ sampleRate: 22050, channels: [sine(frequency, seconds, 22050, 0.4)], bits: 16 }));
  return path;
}

/** Eight short songs in a directory: enough work that a kill lands in the middle of a run. */
const songs = join(work, 'songs');
mkdirSync(songs);
for (let i = 0; i < 8; i++) song(join(songs, `song-${i}.wav`), 30, 220 + 40 * i);

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

/** Starts `refractor …args`, waits until `out` holds at least `minLines` complete lines, then SIGKILLs it. */
function killAfterLines(args: string[], out: string, minLines: number): Promise<{ killed: boolean; lines: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
    const poll = setInterval(() => {
      const count = existsSync(out) ? readFileSync(out, 'utf8').split('\n').length - 1 : 0;
      if (count >= minLines) {
        clearInterval(poll);
        child.kill('SIGKILL');
      }
    }, 5);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearInterval(poll);
      resolve({ killed: signal === 'SIGKILL', lines: existsSync(out) ? lines(out).length : 0 });
    });
  });
}

describe('refractor score --out x.jsonl --resume', { timeout: 120_000 }, () => {
  const full = join(work, 'full.jsonl');

  it('after a SIGKILL mid-run, a rerun with --resume ends with the same lines as an uninterrupted run, each input once', async () => {
    const reference = runRefractor(['score', songs, ...TINY, '--out', full]);
    expect(reference.status).toBe(0);
    const expected = lines(full);
    expect(expected).toHaveLength(8);
    expect(expected.map((line) => JSON.parse(line).file)).toEqual(readdirSync(songs).sort().map((f) => `${songs}/${f}`));

    const partial = join(work, 'partial.jsonl');
    const killed = await killAfterLines(['score', songs, ...TINY, '--out', partial, '--resume'], partial, 2);
    expect(killed.killed).toBe(true);
    expect(killed.lines).toBeGreaterThanOrEqual(2);
    expect(killed.lines).toBeLessThan(8);
    // What was written before the kill is exactly the start of the reference.
    expect(lines(partial)).toEqual(expected.slice(0, killed.lines));

    const resumed = runRefractor(['score', songs, ...TINY, '--out', partial, '--resume']);
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toContain(`resuming: ${killed.lines} of 8 inputs already in ${partial}`);
    expect(readFileSync(partial, 'utf8')).toBe(readFileSync(full, 'utf8'));

    // Once everything is there, a rerun changes nothing (and loads no models).
    const again = runRefractor(['score', songs, ...TINY, '--out', partial, '--resume']);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('resuming: 8 of 8 inputs');
    expect(again.stderr).not.toContain('test set');
    expect(readFileSync(partial, 'utf8')).toBe(readFileSync(full, 'utf8'));
  });

  it('cuts off a torn last line instead of keeping or duplicating it', () => {
    const torn = join(work, 'torn.jsonl');
    const expected = lines(full);
    writeFileSync(torn, `${expected.slice(0, 3).join('\n')}\n${expected[3]!.slice(0, 57)}`);
    const run = runRefractor(['score', songs, ...TINY, '--out', torn, '--resume']);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/cut off an unfinished last line \(57 bytes\)/);
    expect(run.stderr).toContain('resuming: 3 of 8 inputs');
    expect(readFileSync(torn, 'utf8')).toBe(readFileSync(full, 'utf8'));
  });

  it('scores again an input whose bytes or settings changed, and refuses a file that is not JSON Lines', () => {
    const dir = join(work, 'changing');
    mkdirSync(dir);
    song(join(dir, 'a.wav'), 6, 300);
    song(join(dir, 'b.wav'), 6, 400);
    const out = join(work, 'changing.jsonl');
    expect(runRefractor(['score', dir, ...TINY, '--out', out, '--resume']).status).toBe(0);
    song(join(dir, 'b.wav'), 6, 500);
    const changed = runRefractor(['score', dir, ...TINY, '--out', out, '--resume']);
    expect(changed.stderr).toContain('resuming: 1 of 2 inputs');
    const other = runRefractor(['score', dir, ...TINY, '--out', out, '--resume', '--target', 'Red']);
    expect(other.stderr).toContain('resuming: 0 of 2 inputs');
    const records = lines(out).map((line) => JSON.parse(line));
    expect(records.map((r) => r.file.slice(dir.length + 1))).toEqual(['a.wav', 'b.wav', 'b.wav', 'a.wav', 'b.wav']);
    expect(records[1].input.sha256).not.toBe(records[2].input.sha256);

    const bad = join(work, 'bad.jsonl');
    writeFileSync(bad, 'not json\n');
    const refused = runRefractor(['score', dir, ...TINY, '--out', bad, '--resume']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${bad} line 1 is not a JSON Lines record`);
    expect(readFileSync(bad, 'utf8')).toBe('not json\n');
  });

  it('needs --out and JSON Lines', () => {
    expect(runRefractor(['score', songs, ...TINY, '--resume']).stderr).toMatch(/--resume needs --out <file\.jsonl>/);
    const csv = runRefractor(['score', songs, ...TINY, '--out', join(work, 'x.csv'), '--resume']);
    expect(csv.status).toBe(2);
    expect(csv.stderr).toMatch(/--resume needs JSON Lines output/);
  });
});

describe('refractor validate --format jsonl --resume', { timeout: 120_000 }, () => {
  it('streams per-song records and, resumed after a torn line, ends with the same file and table', () => {
    const dir = join(work, 'dataset');
    mkdirSync(dir);
    for (let i = 0; i < 4; i++) copyFileSync(join(songs, `song-${i}.wav`), join(dir, `s${i}.wav`));
    writeFileSync(join(dir, 'songs.csv'), 'path,color\ns0.wav,Red\ns1.wav,Blue\ns2.wav,K\nmissing.wav,Z\ns3.wav,Violet\n');
    const manifest = join(dir, 'songs.csv');
    const full = join(work, 'validate-full.jsonl');
    const reference = runRefractor(['validate', manifest, ...TINY, '--out', full]);
    expect(reference.status).toBe(1); // one song has no audio
    const expected = lines(full);
    expect(expected.map((line) => JSON.parse(line).error?.code ?? JSON.parse(line).true_color)).toEqual(['not-found', 'Red', 'Blue', 'Black', 'Violet']);

    const stdout = runRefractor(['validate', manifest, ...TINY, '--format', 'jsonl']);
    expect(stdout.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line).file)).toEqual(expected.map((line) => JSON.parse(line).file));
    expect(stdout.stderr).toContain('Color by targets');

    const partial = join(work, 'validate-partial.jsonl');
    writeFileSync(partial, `${expected.slice(0, 2).join('\n')}\n${expected[2]!.slice(0, 30)}`);
    const resumed = runRefractor(['validate', manifest, ...TINY, '--out', partial, '--resume']);
    expect(resumed.status).toBe(1);
    expect(resumed.stderr).toContain('resuming: 1 of 4 songs');
    expect(readFileSync(partial, 'utf8')).toBe(readFileSync(full, 'utf8'));
    expect(resumed.stdout).toBe(reference.stdout);
  });
});

describe('standard input', { timeout: 60_000 }, () => {
  const file = join(songs, 'song-3.wav');

  it('scores "-" exactly as the same bytes from a file', () => {
    const fromFile = runRefractor(['score', file, ...TINY, '--format', 'json', '--crop', 'random', '--seed', '7']);
    const fromStdin = spawnSync(process.execPath, [BIN, 'score', '-', ...TINY, '--format', 'json', '--crop', 'random', '--seed', '7'], { input: readFileSync(file), encoding: 'utf8' });
    expect(fromStdin.status).toBe(0);
    const [a] = JSON.parse(fromFile.stdout);
    const [b] = JSON.parse(fromStdin.stdout);
    expect(b.file).toBe('-');
    expect({ ...b, file: a.file }).toEqual(a);
  });

  it('reads the concept from --concept-file -, and refuses two uses of standard input', () => {
    const concept = 'A song about forgetting the future';
    const inline = runRefractor(['score', file, ...TINY, '--format', 'json', '--concept', concept]);
    const piped = spawnSync(process.execPath, [BIN, 'score', file, ...TINY, '--format', 'json', '--concept-file', '-'], { input: `${concept}\n`, encoding: 'utf8' });
    expect(piped.status).toBe(0);
    expect(JSON.parse(piped.stdout)).toEqual(JSON.parse(inline.stdout));
    const both = spawnSync(process.execPath, [BIN, 'score', '-', ...TINY, '--concept-file', '-'], { input: 'x', encoding: 'utf8' });
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('standard input (-) can feed one thing only');
  });

  it('names standard input in a decode error record', () => {
    const run = spawnSync(process.execPath, [BIN, 'score', '-', ...TINY, '--format', 'jsonl'], { input: 'RIFF\x00\x00\x00\x00WAVEjunk', encoding: 'utf8' });
    expect(run.status).toBe(1);
    const record = JSON.parse(run.stdout);
    expect(record).toMatchObject({ file: '-', error: { code: 'decode' } });
    expect(run.stderr).toContain('refractor: <stdin>:');
  });
});

/** Runs a shell pipeline; resolves refractor's own exit status (first in the pipe) and its stderr. */
function pipeline(refractorArgs: string, reader: string): { status: number; stderr: string; stdout: string } {
  const quoted = `'${process.execPath}' '${BIN}' ${refractorArgs}`;
  const run = spawnSync('bash', ['-c', `${quoted} 2>"$ERR" | ${reader}; exit "\${PIPESTATUS[0]}"`], {
    encoding: 'utf8',
    env: { ...process.env, ERR: join(work, 'pipe-stderr.txt') },
  });
  return { status: run.status ?? -1, stderr: readFileSync(join(work, 'pipe-stderr.txt'), 'utf8'), stdout: run.stdout };
}

describe('closed pipes', { timeout: 120_000 }, () => {
  const commands = ['', 'score', 'validate', 'models', 'models list', 'models pull', 'models verify', 'models path', 'models concepts', 'extract', 'train', 'drift', 'info', 'features', 'piano-roll', 'queue', 'queue add', 'queue status', 'queue results', 'queue remove', 'worker', 'serve', 'completion'];

  it('the command list above is every command', () => {
    const bash = runRefractor(['completion', 'bash']).stdout;
    const paths = [...bash.matchAll(/^ {4}"([^"]*)"\) echo/gm)].map((m) => m[1]).filter((p, i, all) => all.indexOf(p) === i);
    expect(paths.slice(0, commands.length).sort()).toEqual([...commands].sort());
  });

  it('`refractor <command> --help | head -1` and a reader that never reads: status 0, nothing on stderr', () => {
    for (const command of commands) {
      const head = pipeline(`${command} --help`, 'head -1');
      expect({ command, status: head.status, stderr: head.stderr }).toEqual({ command, status: 0, stderr: '' });
      expect(head.stdout.split('\n').filter(Boolean)).toHaveLength(1);
      // `true` exits without reading, so the help is written into a closed pipe (EPIPE for sure).
      const closed = pipeline(`${command} --help`, 'true');
      expect({ command, status: closed.status, stderr: closed.stderr }).toEqual({ command, status: 0, stderr: '' });
    }
  });

  it('`score --format jsonl | head -1` ends quietly with status 0 after the first record', () => {
    const run = pipeline(`score '${songs}' ${TINY.join(' ')} --format jsonl --quiet`, 'head -1');
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout).file).toBe(`${songs}/song-0.wav`);
  });

  it('other commands writing into a closed pipe end quietly too', () => {
    for (const args of ['completion bash', `info '${songs}/song-0.wav' '${songs}/song-1.wav' --json`, 'models list']) {
      const run = pipeline(args, 'true');
      expect({ args, status: run.status, stderr: run.stderr }).toEqual({ args, status: 0, stderr: '' });
    }
  });
});

describe('jsonl and csv records, --jobs, --quiet, --verbose, colors', { timeout: 120_000 }, () => {
  it('writes one record per input in input order, errors with stable codes, the same with --jobs 3', () => {
    const dir = join(work, 'mixed');
    mkdirSync(dir);
    song(join(dir, 'a.wav'), 8, 300);
    writeFileSync(join(dir, 'b.wav'), 'RIFF\x00\x00\x00\x00WAVEjunkjunk');
    song(join(dir, 'c.wav'), 12, 500);
    const args = ['score', dir, join(work, 'absent.wav'), join(songs, 'song-1.wav'), ...TINY, '--format', 'jsonl'];
    const one = runRefractor(args);
    expect(one.status).toBe(1);
    const records = one.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(records.map((r) => [r.file.split('/').pop(), r.error?.code ?? r.predicted_color !== undefined])).toEqual([
      ['a.wav', true],
      ['b.wav', 'decode'],
      ['c.wav', true],
      ['absent.wav', 'not-found'],
      ['song-1.wav', true],
    ]);
    expect(records[1].error.message).toContain('b.wav');
    expect(records[0].input).toEqual({ size: readFileSync(join(dir, 'a.wav')).length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const three = runRefractor([...args, '--jobs', '3']);
    expect(three.stdout).toBe(one.stdout);

    const csv = runRefractor(['score', dir, ...TINY, '--format', 'csv']);
    const rows = parseCsv(csv.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.file.split('/').pop(), r['error.code']])).toEqual([
      ['a.wav', ''],
      ['b.wav', 'decode'],
      ['c.wav', ''],
    ]);
  });

  it('--quiet drops notes, --verbose prints per-stage timings per input', () => {
    const file = join(songs, 'song-0.wav');
    const quiet = runRefractor(['score', file, ...TINY, '--quiet', '--format', 'json']);
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe('');
    const loud = runRefractor(['--verbose', 'score', file, join(songs, 'song-1.wav'), ...TINY, '--format', 'json']);
    expect(loud.stderr).toContain('test set');
    const timings = loud.stderr.split('\n').filter((line) => line.startsWith('refractor: timings:'));
    expect(timings).toHaveLength(2);
    expect(timings[0]).toMatch(/song-0\.wav: decode \d+ ms, features [\d.]+ m?s \(waited\), encoder [\d.]+ m?s, CDM [\d.]+ m?s, total [\d.]+ m?s/);
  });

  it('NO_COLOR wins over FORCE_COLOR; FORCE_COLOR paints through a pipe', () => {
    const file = join(songs, 'song-0.wav');
    expect(runRefractor(['score', file, ...TINY], { env: { FORCE_COLOR: '1' } }).stdout).toContain('\x1b[48;2;');
    expect(runRefractor(['score', file, ...TINY], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout).not.toContain('\x1b[');
  });

  it('writes --out x.jsonl without --resume whole at the end, leaving no temporary file', () => {
    const out = join(work, 'plain.jsonl');
    writeFileSync(out, 'old\n');
    expect(runRefractor(['score', join(songs, 'song-0.wav'), ...TINY, '--out', out]).status).toBe(0);
    expect(lines(out)).toHaveLength(1);
    expect(JSON.parse(lines(out)[0]!).file).toBe(join(songs, 'song-0.wav'));
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    appendFileSync(out, '');
  });
});

describe('refractor completion', { timeout: 60_000 }, () => {
  const shells = { bash: ['bash', '-n'], zsh: ['zsh', '-n'], fish: ['fish', '-n'] } as const;
  const help = (args: string[]) => runRefractor([...args, '--help']).stdout;
  const commandNames = ['score', 'validate', 'models', 'extract', 'train', 'info', 'features', 'piano-roll', 'completion', 'list', 'pull', 'verify', 'path'];

  for (const [shell, check] of Object.entries(shells)) {
    it(`${shell}: names every command and every flag of --help, and the shell parses it`, (context) => {
      const run = runRefractor(['completion', shell]);
      expect(run.status).toBe(0);
      for (const name of commandNames) expect(run.stdout).toMatch(new RegExp(`\\b${name}\\b`));
      for (const args of [[], ['score'], ['validate'], ['extract'], ['models', 'pull'], ['train']]) {
        for (const flag of help(args).match(/(?<=^ {2}(?:-\w, )?)--[\w-]+/gm) ?? []) {
          const word = shell === 'fish' ? `-l ${flag.slice(2)}` : flag;
          const found = new RegExp(`(^|[\\s"'])${word}([\\s"']|$)`, 'm').test(run.stdout);
          expect({ args, flag, found }).toEqual({ args, flag, found: true });
        }
      }
      expect(run.stdout).toContain('table json yaml csv jsonl');
      const checker = spawnSync('which', [check[0]]);
      if (checker.status !== 0) return context.skip(`${check[0]} is not installed`);
      const file = join(work, `completion.${shell}`);
      writeFileSync(file, run.stdout);
      const parsed = spawnSync(check[0], [check[1], file], { encoding: 'utf8' });
      expect(parsed.stderr).toBe('');
      expect(parsed.status).toBe(0);
    });
  }
});

describe('MIDI candidates through the same output', { timeout: 120_000 }, () => {
  const dir = join(work, 'midi');
  mkdirSync(dir);
  const melody = (name: string, pitches: number[]) => {
    const path = join(dir, name);
    writeFileSync(path, smf(0, 480, [[...pitches.flatMap((p, i) => [on(i ? 120 : 0, p, 40 + p), off(240, p)]), endOfTrack()]]));
    return path;
  };
  const one = melody('one.mid', [60, 62, 64]);
  const two = melody('two.mid', [48, 55, 52, 50]);
  const bad = join(dir, 'bad.mid');
  writeFileSync(bad, smf(0, 480, [[on(0, 60), off(480, 60), endOfTrack()]]).subarray(0, 20));
  const CONCEPT = ['--concept', 'A song about forgetting the future'];

  it('streams MIDI results and error records as JSON Lines and resumes them like songs', () => {
    const full = join(work, 'midi-full.jsonl');
    const reference = runRefractor(['score', one, bad, two, ...TINY, ...CONCEPT, '--out', full]);
    expect(reference.status).toBe(1);
    const expected = lines(full);
    expect(expected.map((line) => JSON.parse(line)).map((r) => [r.file, r.model ?? r.error.code])).toEqual([
      [one, 'base'],
      [bad, 'midi'],
      [two, 'base'],
    ]);
    const partial = join(work, 'midi-partial.jsonl');
    writeFileSync(partial, `${expected[0]}
${expected[1]!.slice(0, 25)}`);
    const resumed = runRefractor(['score', one, bad, two, ...TINY, ...CONCEPT, '--out', partial, '--resume']);
    expect(resumed.stderr).toContain('resuming: 1 of 3 inputs');
    expect(readFileSync(partial, 'utf8')).toBe(readFileSync(full, 'utf8'));
    expect(runRefractor(['score', one, two, ...TINY, ...CONCEPT, '--rank', '--out', partial, '--resume']).status).toBe(2);
  });

  it('scores MIDI from standard input as the same bytes from a file', () => {
    const fromFile = JSON.parse(runRefractor(['score', one, ...TINY, ...CONCEPT, '--format', 'json']).stdout);
    const fromStdin = spawnSync(process.execPath, [BIN, 'score', '-', ...TINY, ...CONCEPT, '--format', 'json'], { input: readFileSync(one), encoding: 'utf8' });
    expect(fromStdin.status).toBe(0);
    const [record] = JSON.parse(fromStdin.stdout);
    expect(record.file).toBe('-');
    expect({ ...record, file: one }).toEqual(fromFile[0]);
  });
});
