import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { AudioDecodeError, MidiParseError } from '@refractor/audio';
import { BaseModelMissingError, InvalidValueError } from '@refractor/node';
import { JobError, classifyError, parseFailedReason, toBullError } from '../src/errors.js';

describe('the queue door of the one error table', () => {
  it('retries or fails each error as written here, and names the queued input', () => {
    const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    const cases: Array<[unknown, string, boolean, string?]> = [
      [new AudioDecodeError('<bytes>', 'truncated', 'ends early'), 'decode', true, 'truncated'],
      [new MidiParseError('<bytes>', 'corrupt', 'not MThd'), 'midi', true, 'corrupt'],
      [new AudioDecodeError('<bytes>', 'empty', 'the input holds 0 bytes'), 'empty', true, 'empty'],
      [new AudioDecodeError('/shared/a.wav', 'unreadable', 'no such file', { cause: enoent }), 'not-found', false, 'ENOENT'],
      [enoent, 'not-found', false, 'ENOENT'],
      [new InvalidValueError('seed', -1, 'an integer >= 0'), 'invalid-value', true],
      [new BaseModelMissingError('no base model'), 'no-base-model', true],
      [new JobError('fetch-failed', 'https://x/a.wav: HTTP 503'), 'fetch-failed', false],
      [new JobError('http-status', 'https://x/a.wav: HTTP 404'), 'http-status', true],
      [new TypeError('x is undefined'), 'failed', false],
    ];
    for (const [error, code, permanent, reason] of cases) {
      const job = classifyError(error, 'a.wav');
      expect({ code: job.code, permanent: job.permanent, reason: job.reason }, String(error)).toEqual({ code, permanent, reason });
      expect(toBullError(job) instanceof UnrecoverableError).toBe(permanent);
      expect(job.message.startsWith('a.wav') || job.message.startsWith('https://') || job.message.startsWith('/shared/')).toBe(true);
      // What BullMQ stores reads back as the same code and reason.
      expect(parseFailedReason(toBullError(job).message)).toMatchObject({ code, ...(reason ? { reason } : {}) });
    }
  });
});
