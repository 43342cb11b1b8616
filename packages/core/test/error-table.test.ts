import { describe, expect, it } from 'vitest';
import { BaseModelMissingError, ERROR_TABLE, InvalidValueError, ModelContractError, RefractorError, UnknownColorError, errorOutcome, isErrorCode, lookupColor } from '../src/index.js';

describe('the one error table', () => {
  it('classifies by code: each core error, an errno error and anything else (written out, not computed)', () => {
    const unknownColor = (() => {
      try {
        lookupColor('teal');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(unknownColor).toBeInstanceOf(UnknownColorError);
    const cases: Array<[unknown, { code: string; exit: number; http: number; retry: boolean; reason?: string }]> = [
      [new InvalidValueError('seed', -1, 'an integer >= 0'), { code: 'invalid-value', exit: 1, http: 400, retry: false }],
      [unknownColor, { code: 'unknown-color', exit: 1, http: 400, retry: false }],
      [new BaseModelMissingError('no base model'), { code: 'no-base-model', exit: 1, http: 501, retry: false }],
      [new ModelContractError('m.onnx', ['no input x']), { code: 'model-contract', exit: 1, http: 500, retry: false }],
      [new RefractorError('a candidate needs MIDI, audio or lyric text'), { code: 'invalid-input', exit: 1, http: 400, retry: false }],
      [new RefractorError('resumed with other settings', { code: 'resume-mismatch' }), { code: 'resume-mismatch', exit: 2, http: 409, retry: false }],
      [Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }), { code: 'not-found', reason: 'ENOENT', exit: 1, http: 404, retry: true }],
      [Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }), { code: 'unreadable', reason: 'EACCES', exit: 1, http: 500, retry: true }],
      [new TypeError('x is undefined'), { code: 'failed', exit: 1, http: 500, retry: true }],
      ['a thrown string', { code: 'failed', exit: 1, http: 500, retry: true }],
    ];
    for (const [error, expected] of cases) expect(errorOutcome(error), String(error)).toMatchObject(expected);
  });

  it("a name or message that looks like another error's changes nothing", () => {
    const impostor = Object.assign(new Error('midi: truncated'), { name: 'MidiParseError' });
    expect(errorOutcome(impostor).code).toBe('failed');
  });

  it('has a row for every code: HTTP statuses are 4xx/5xx, input errors are not retried', () => {
    for (const [code, doors] of Object.entries(ERROR_TABLE)) {
      expect(isErrorCode(code)).toBe(true);
      expect(doors.http, code).toBeGreaterThanOrEqual(400);
      expect(doors.http, code).toBeLessThan(600);
      if (doors.http >= 400 && doors.http < 500 && !['not-found', 'busy'].includes(code)) expect(doors.retry, code).toBe(false);
    }
    expect(isErrorCode('unreadable-audio')).toBe(false);
  });
});
