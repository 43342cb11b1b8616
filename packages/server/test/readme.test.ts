import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COLOR_NAMES } from '@refractor/node';
import { CLIP } from './helpers.js';

const README = new URL('../README.md', import.meta.url).pathname;
const SRC = new URL('../src/index.ts', import.meta.url).pathname;

afterEach(() => vi.restoreAllMocks());

describe('README', () => {
  it('runs the embedding example as written (against the source, on the example clip)', async () => {
    const block = /<!-- readme-test[^\n]*-->\n```ts\n([\s\S]*?)```/.exec(readFileSync(README, 'utf8'))![1]!;
    const code = block.replace("'@refractor/server'", JSON.stringify(SRC)).replace("'clip.ogg'", JSON.stringify(CLIP));
    const dir = mkdtempSync(join(new URL('.', import.meta.url).pathname, '.readme-'));
    const file = join(dir, 'example.ts');
    writeFileSync(file, code);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(log).toHaveBeenCalledTimes(1);
    const [name, color, confidence, drift, chunks] = log.mock.calls[0]!;
    expect(name).toBe('clip.ogg');
    expect(COLOR_NAMES).toContain(color);
    expect(Number(confidence)).toBeGreaterThan(0);
    expect(typeof drift).toBe('number');
    expect(chunks).toBe(8);
  });
});
