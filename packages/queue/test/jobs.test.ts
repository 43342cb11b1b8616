import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@refractor/core';
import { decodeFloat32, encodeFloat32, jobIdFor, parseFailedReason, type JobData, type SongJobSettings } from '../src/index.js';

const settings: SongJobSettings = { chunk_size_s: 30, chunk_stride_s: 5, crop: 'start', seed: 0, concept: null, target: null };
const sha = createHash('sha256').update('song bytes').digest('hex');
const job = (over: Partial<JobData> = {}): JobData => ({ v: 1, task: 'score', input: { path: '/music/a.wav', sha256: sha }, settings, ...over }) as JobData;

describe('job ids', () => {
  it('follow the content and settings, not the path or the key order', () => {
    const id = jobIdFor(job());
    expect(id).toMatch(/^score-[0-9a-f]{64}$/);
    // The same bytes under another path are the same work.
    expect(jobIdFor(job({ input: { path: '/elsewhere/b.wav', sha256: sha } }))).toBe(id);
    const reordered = Object.fromEntries(Object.entries(settings).reverse()) as unknown as SongJobSettings;
    expect(jobIdFor(job({ settings: reordered }))).toBe(id);
    // Any setting, the content or the task changes it.
    for (const change of [{ seed: 1 }, { crop: 'center' }, { concept: 'x' }, { target: 'Red' }, { chunk_size_s: 10 }]) {
      expect(jobIdFor(job({ settings: { ...settings, ...change } as SongJobSettings })), JSON.stringify(change)).not.toBe(id);
    }
    expect(jobIdFor(job({ input: { path: '/music/a.wav', sha256: sha.replace(/^./, 'f') } }))).not.toBe(id);
    expect(jobIdFor({ v: 1, task: 'embed', input: { path: '/music/a.wav', sha256: sha }, settings: { ...settings } })).toMatch(/^embed-/);
  });

  it('name URL jobs by the URL (the worker records the content hash)', () => {
    const a = jobIdFor(job({ input: { url: 'https://example.org/a.ogg' } }));
    expect(a).not.toBe(jobIdFor(job({ input: { url: 'https://example.org/b.ogg' } })));
    expect(a).toBe(jobIdFor(job({ input: { url: 'https://example.org/a.ogg' } })));
  });

  it('keep their ids across releases: sha256 of the canonical JSON written out by hand', () => {
    // Written out, not computed with canonicalJson: queued work keeps its id whatever the code does.
    const text = `{"input":{"sha256":"${sha}"},"settings":{"chunk_size_s":30,"chunk_stride_s":5,"concept":null,"crop":"start","seed":0,"target":null},"task":"score","v":1}`;
    expect(jobIdFor(job())).toBe(`score-${createHash('sha256').update(text).digest('hex')}`);
  });

  it('hash a canonical JSON with sorted keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});

describe('float32 as base64', () => {
  it('round-trips every bit, including odd values', () => {
    const values = new Float32Array([0, -0, 1.5, -3.4028234663852886e38, 1e-45, Math.PI, Number.NaN, Number.POSITIVE_INFINITY]);
    const back = decodeFloat32(encodeFloat32(values));
    expect(new Uint32Array(back.buffer)).toEqual(new Uint32Array(values.buffer));
    // A view into a larger buffer encodes only its own values.
    const view = new Float32Array([9, 1, 2, 9]).subarray(1, 3);
    expect(Array.from(decodeFloat32(encodeFloat32(view)))).toEqual([1, 2]);
    expect(() => decodeFloat32(Buffer.from([1, 2, 3]).toString('base64'))).toThrow(/multiple of 4/);
  });
});

describe('failed reasons', () => {
  it('read back the code the worker wrote, and name BullMQ\'s own failures', () => {
    expect(parseFailedReason('decode/empty: a.wav: empty: the input holds 0 bytes')).toEqual({ code: 'decode', reason: 'empty', message: 'a.wav: empty: the input holds 0 bytes' });
    expect(parseFailedReason('too-large: a.wav: larger')).toEqual({ code: 'too-large', message: 'a.wav: larger' });
    expect(parseFailedReason('job stalled more than allowable limit').code).toBe('stalled');
    expect(parseFailedReason('Something odd')).toEqual({ code: 'failed', message: 'Something odd' });
  });
});
