import { describe, expect, it } from 'vitest';
import { AudioDecodeError, MidiParseError } from '@refractor/audio';
import { BaseModelMissingError, ERROR_TABLE, InvalidValueError, RefractorError, lookupColor, type RefractorErrorCode } from '@refractor/node';
import { ApiError, toApiError } from '../src/errors.js';

const thrown = (work: () => unknown): unknown => {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

describe('the server door of the one error table', () => {
  it('answers each library error with its code and the HTTP status written here (not read from the table)', () => {
    const cases: Array<[unknown, RefractorErrorCode, number, string?]> = [
      [new AudioDecodeError('part "file" (a.mp3)', 'unsupported', 'not audio'), 'decode', 422, 'file'],
      [new AudioDecodeError('part "song" (a.wav)', 'truncated', 'ends early'), 'decode', 422, 'song'],
      [new MidiParseError('upload', 'truncated', 'ends early'), 'midi', 422],
      [new AudioDecodeError('upload', 'empty', 'the input holds 0 bytes'), 'empty', 400],
      [new MidiParseError('upload', 'empty', 'the file holds no bytes'), 'empty', 400],
      [new InvalidValueError('seed', -1, 'an integer >= 0'), 'invalid-value', 400],
      [thrown(() => lookupColor('teal')), 'unknown-color', 400, 'target'],
      [new BaseModelMissingError('no base model'), 'no-base-model', 501],
      [new RefractorError('a candidate needs MIDI, audio or lyric text'), 'invalid-input', 400],
      [new TypeError('x is undefined'), 'failed', 500],
    ];
    for (const [error, code, status, field] of cases) {
      const api = toApiError(error);
      expect({ code: api.code, status: api.statusCode, field: api.field }, String(error)).toEqual({ code, status, field });
    }
    // A 500 says nothing about the failure.
    expect(toApiError(new TypeError('secret detail')).message).not.toContain('secret');
  });

  it('every code has the status the table gives, and an error named like another is still a 500', () => {
    for (const code of Object.keys(ERROR_TABLE) as RefractorErrorCode[]) expect(new ApiError(code, 'm').statusCode).toBe(ERROR_TABLE[code].http);
    expect(toApiError(Object.assign(new Error('x'), { name: 'BaseModelMissingError' })).statusCode).toBe(500);
  });
});
