import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const srcDir = join(import.meta.dirname, '..', 'src');
const sources = readdirSync(srcDir)
  .filter((f) => f.endsWith('.ts'))
  .map((file) => ({
    file,
    // TSDoc examples may show other packages; only code counts.
    code: readFileSync(join(srcDir, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''),
  }));

describe('@refractor/core stays runtime-free', () => {
  it('imports nothing but its own modules and onnxruntime-common', () => {
    const offending: string[] = [];
    for (const { file, code } of sources) {
      for (const [, specifier] of code.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        if (!specifier!.startsWith('./') && specifier !== 'onnxruntime-common') offending.push(`${file}: ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('touches no Node or browser globals', () => {
    // Not inside a kebab-case string such as the error code 'fetch-failed'.
    const globals = /(?<![-'"])\b(process|Buffer|require|window|document|navigator|fetch|globalThis)\b(?![-'"])/;
    for (const { file, code } of sources) {
      expect(code, file).not.toMatch(globals);
    }
  });
});
