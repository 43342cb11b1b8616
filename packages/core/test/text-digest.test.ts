import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Text } from '../src/index.js';

describe('sha256Text', () => {
  it('matches node:crypto on empty, ASCII, multi-block and non-ASCII text', () => {
    const texts = ['', 'abc', 'A song about forgetting the future', 'x'.repeat(55), 'y'.repeat(56), 'z'.repeat(64), 'w'.repeat(1000), 'café — 雨 🌧️'];
    for (const text of texts) expect(sha256Text(text), JSON.stringify(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });

  it('gives the FIPS 180-4 test vector for "abc"', () => {
    expect(sha256Text('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
