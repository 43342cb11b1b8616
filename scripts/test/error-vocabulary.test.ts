import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Guards #19's one error vocabulary: every error class extends RefractorError
// (its `code` goes through core's one table), and no door classifies an error
// by its `name` or by a pattern on its message.

const root = join(import.meta.dirname, '..', '..');
const packagesDir = join(root, 'packages');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|tsx)$/.test(entry) && !entry.endsWith('.d.ts') ? [path] : [];
  });
}

const sources = readdirSync(packagesDir)
  .map((name) => join(packagesDir, name, 'src'))
  .filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory())
  .flatMap(sourceFiles)
  .map((path) => ({
    file: relative(root, path),
    // Comments may show other code (TSDoc examples); only code counts.
    code: readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\/|(^|[^:])\/\/.*$/gm, '$1'),
  }));

/** Classification by name or message: the patterns no door may use. */
const FORBIDDEN: Array<[string, RegExp]> = [
  ['compares an error name', /\b(?:e|err|error|cause|caught|failure)\??\.name\s*[!=]==?/],
  ['tests a pattern on an error name', /\.test\(\s*\(?\s*(?:e|err|error|cause|caught|failure)\b[^)]*\.name\b/],
  ['tests a pattern on a message', /\.test\(\s*(?:\w+\.)?(?:message|failedReason)\b/],
  ['matches text in a message', /\b(?:e|err|error|cause|caught|failure)\??\.message\.(?:includes|match|startsWith|endsWith|search)\(/],
  ['declares an error class outside the vocabulary', /class\s+\w+\s+extends\s+Error\b/],
];

/**
 * The only exceptions, each with its reason. Third-party failures that carry
 * no code are recognised where they enter, and turned into a code at once.
 */
const ALLOWED: Array<{ file: string; rule: string; why: string }> = [
  { file: 'packages/core/src/errors.ts', rule: 'declares an error class outside the vocabulary', why: 'RefractorError itself, the root of the vocabulary' },
  { file: 'packages/queue/src/errors.ts', rule: 'tests a pattern on a message', why: "BullMQ records a stalled job's failure as plain text only; it becomes the code `stalled`" },
  { file: 'packages/cli/src/score/run-candidates.ts', rule: 'matches text in a message', why: "display only: drops the input's name that the message already starts with" },
  { file: 'packages/node/src/runtime.ts', rule: 'tests a pattern on a message', why: "onnxruntime-node's missing CUDA provider has no code; it becomes a `device` error" },
  {
    file: 'packages/queue/src/connection.ts',
    rule: 'tests a pattern on a message',
    why: "ioredis's timeouts and closed connections ('Command timed out', 'Connection is closed.') carry no code; they become `queue-unreachable`",
  },
];

describe('one error vocabulary', () => {
  it('finds the sources it scans (a guard that scans nothing proves nothing)', () => {
    expect(sources.length).toBeGreaterThan(100);
    expect(sources.some((s) => s.file === 'packages/server/src/errors.ts')).toBe(true);
  });

  it('no door classifies an error by its name or message, and every error class extends RefractorError', () => {
    const found: string[] = [];
    for (const { file, code } of sources) {
      for (const [rule, pattern] of FORBIDDEN) {
        if (!pattern.test(code)) continue;
        if (ALLOWED.some((allowed) => allowed.file === file && allowed.rule === rule)) continue;
        found.push(`${file}: ${rule}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('the patterns catch what they are meant to (checked on samples, so a typo cannot make the guard pass)', () => {
    const hits = (sample: string) => FORBIDDEN.filter(([, pattern]) => pattern.test(sample)).map(([rule]) => rule);
    expect(hits("if (error.name === 'BaseModelMissingError') return 501;")).toEqual(['compares an error name']);
    expect(hits('if (error instanceof Error && /midi/i.test(error.name)) {')).toEqual(['tests a pattern on an error name']);
    expect(hits('if (/cuda/i.test(message)) {')).toEqual(['tests a pattern on a message']);
    expect(hits("if (error.message.includes('truncated')) {")).toEqual(['matches text in a message']);
    expect(hits('export class DatasetError extends Error {')).toEqual(['declares an error class outside the vocabulary']);
    expect(hits("if (entry.name === named) return [named];")).toEqual([]);
    expect(hits('export class DatasetError extends RefractorError {')).toEqual([]);
  });

  it('every allowed exception still exists (a stale allowance would hide a new one)', () => {
    for (const allowed of ALLOWED) {
      const source = sources.find((s) => s.file === allowed.file);
      const pattern = FORBIDDEN.find(([rule]) => rule === allowed.rule)![1];
      expect(source && pattern.test(source.code), `${allowed.file}: ${allowed.rule}`).toBe(true);
    }
  });
});
