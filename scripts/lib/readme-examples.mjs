/**
 * The README examples the tests run: a fenced code block right after a line
 * `<!-- readme-test … -->` (the comment says how it is tested). Everything
 * else in a README is prose or a sketch and is not run.
 */
import { readFileSync } from 'node:fs';

const MARKER = /^<!--\s*readme-test\b.*-->\s*$/;
const FENCE = /^```(\w*)\s*$/;

/**
 * @param {string} markdown
 * @returns {{ lang: string, code: string, line: number }[]} the marked blocks, `line` 1-based (the fence's)
 */
export function readmeExamples(markdown) {
  const lines = markdown.split(/\r?\n/);
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    if (!MARKER.test(lines[i])) continue;
    const open = FENCE.exec(lines[i + 1] ?? '');
    if (!open) throw new Error(`line ${i + 1}: a readme-test marker must be followed by a fenced code block`);
    const end = lines.findIndex((line, j) => j > i + 1 && /^```\s*$/.test(line));
    if (end < 0) throw new Error(`line ${i + 2}: the code block never closes`);
    found.push({ lang: open[1] || 'text', code: lines.slice(i + 2, end).join('\n') + '\n', line: i + 2 });
    i = end;
  }
  return found;
}

/** The marked examples of a README file. */
export function readmeExamplesOf(path) {
  return readmeExamples(readFileSync(path, 'utf8'));
}
