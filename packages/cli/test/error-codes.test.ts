import { describe, expect, it } from 'vitest';
import { AudioDecodeError, MidiParseError } from '@refractor/audio';
import { BaseModelMissingError, InvalidValueError, lookupColor } from '@refractor/node';
import { classifyError } from '@refractor/queue/worker';
import { toApiError } from '@refractor/server';
import { isExpectedError } from '../src/context.js';
import { errorInfo } from '../src/output/error-codes.js';

const unknownColor: unknown = (() => {
  try {
    lookupColor('teal');
  } catch (error) {
    return error;
  }
  return undefined;
})();

describe('the CLI door of the one error table', () => {
  it('records each error with the code written here; a bad MIDI file and a decode error read the same at all three doors', () => {
    const cases: Array<[unknown, string, string?]> = [
      [new AudioDecodeError('a.wav', 'truncated', 'ends early'), 'decode', 'truncated'],
      [new MidiParseError('a.mid', 'truncated', 'ends early'), 'midi', 'truncated'],
      [new AudioDecodeError('a.wav', 'empty', 'the file holds 0 bytes'), 'empty', 'empty'],
      [new InvalidValueError('seed', -1, 'an integer >= 0'), 'invalid-value'],
      [unknownColor, 'unknown-color'],
      [new BaseModelMissingError('no base model'), 'no-base-model'],
    ];
    for (const [error, code, reason] of cases) {
      expect(errorInfo(error), String(error)).toMatchObject({ code, ...(reason ? { reason } : {}) });
      expect(isExpectedError(error)).toBe(true);
      // One vocabulary: the server's `error` and the queue's record code are the CLI's.
      expect(toApiError(error).code).toBe(code);
      expect(classifyError(error, 'a').code).toBe(code);
    }
  });

  it('file system errors are not-found/unreadable with the errno; anything else is failed and not "expected"', () => {
    expect(errorInfo(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toEqual({ code: 'not-found', reason: 'ENOENT', message: 'gone' });
    expect(errorInfo(Object.assign(new Error('no'), { code: 'EACCES' }))).toEqual({ code: 'unreadable', reason: 'EACCES', message: 'no' });
    expect(errorInfo(new TypeError('bug'))).toEqual({ code: 'failed', message: 'bug' });
    expect(isExpectedError(new TypeError('bug'))).toBe(false);
  });
});
