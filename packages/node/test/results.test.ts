import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ResumeFileError, fingerprint, openResultSink, recordsByKey, resumeKey, settingsDigest, sha256OfFile } from '@refractor/node/io';

const work = mkdtempSync(join(tmpdir(), 'refractor-results-'));

/** A stdout stand-in that keeps what was written. */
function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  stream.on('data', (part: Buffer) => parts.push(part));
  return { stream, text: () => Buffer.concat(parts).toString('utf8') };
}

describe('openResultSink', () => {
  it('streams CSV with the error columns, and writes JSON as one document at close', async () => {
    const out = capture();
    const csv = await openResultSink({ format: 'csv', csvColumns: ['file', 'color.name'], stdout: out.stream });
    await csv.write({ file: 'a,1.wav', color: { name: 'Red' } });
    await csv.write({ file: 'b.wav', error: { code: 'not-found', message: 'b.wav: no such file' } });
    expect(await csv.close()).toBe(2);
    expect(out.text()).toBe('file,color.name,error.code,error.message\n"a,1.wav",Red,,\nb.wav,,not-found,b.wav: no such file\n');

    const path = join(work, 'all.json');
    const json = await openResultSink({ format: 'json', out: path, stdout: out.stream });
    await json.write({ file: 'a.wav' });
    await json.close();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual([{ file: 'a.wav' }]);
  });

  it('resumes a JSON Lines file: reads its records back, cuts a torn last line, appends', async () => {
    const path = join(work, 'resume.jsonl');
    writeFileSync(path, '{"file":"a.wav","n":1}\n');
    appendFileSync(path, '{"file":"b.w'); // a run killed mid-line
    const sink = await openResultSink({ format: 'jsonl', out: path, resume: true, stdout: process.stdout });
    expect(sink.existing).toEqual([{ file: 'a.wav', n: 1 }]);
    expect(sink.repairedBytes).toBe('{"file":"b.w'.length);
    await sink.write({ file: 'b.wav', n: 2 });
    await sink.close();
    expect(readFileSync(path, 'utf8')).toBe('{"file":"a.wav","n":1}\n{"file":"b.wav","n":2}\n');
  });

  it('refuses to resume from a file of something else, naming the line', async () => {
    const path = join(work, 'other.jsonl');
    writeFileSync(path, '{"file":"a.wav"}\nnot json\n');
    await expect(openResultSink({ format: 'jsonl', out: path, resume: true, stdout: process.stdout })).rejects.toThrow(ResumeFileError);
    await expect(openResultSink({ format: 'jsonl', out: path, resume: true, stdout: process.stdout })).rejects.toThrow(/other\.jsonl line 2 is not a JSON Lines record/);
  });
});

describe('resume keys', () => {
  it('key a record by path, content and settings (key order does not matter)', async () => {
    const path = join(work, 'song.bin');
    writeFileSync(path, 'some bytes');
    const input = await fingerprint(path);
    expect(input).toEqual({ size: 10, sha256: await sha256OfFile(path) });
    expect(input).toEqual(await fingerprint(new TextEncoder().encode('some bytes')));
    const digest = settingsDigest({ models: 'tiny', crop: 'start' });
    expect(settingsDigest({ crop: 'start', models: 'tiny' })).toBe(digest);
    expect(settingsDigest({ crop: 'center', models: 'tiny' })).not.toBe(digest);
    const record = { file: path, input, settings_digest: digest };
    expect(recordsByKey([record]).get(resumeKey(path, input, digest))).toBe(record);
  });
});
