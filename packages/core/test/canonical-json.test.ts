import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/index.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth, whatever the insertion order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('sorts integer-like keys as strings (JS objects would enumerate them numerically first)', () => {
    expect(canonicalJson({ 10: 'x', 9: 'y', a: 'z' })).toBe('{"10":"x","9":"y","a":"z"}');
  });

  it('leaves out what JSON leaves out, as JSON.stringify does', () => {
    const value = { keep: 1, gone: undefined, fn: () => 1, list: [1, undefined, () => 2, Number.NaN], when: new Date(0) };
    // The reference: JSON.stringify on an object already in sorted key order.
    const sorted = { fn: value.fn, gone: undefined, keep: 1, list: value.list, when: value.when };
    expect(canonicalJson(value)).toBe(JSON.stringify(sorted));
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
  });
});
