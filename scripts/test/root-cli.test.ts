/**
 * The README's way to run the CLI from a clone, `npx -y pnpm@10 -s refractor …`:
 * stdout holds only the CLI's output (no pnpm banner, no turbo lines), so
 * `--format json | jq` works, and relative paths are the user's (pnpm runs root
 * scripts in the root; scripts/refractor.mjs moves to INIT_CWD).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, pnpmCommand } from '../lib/workspace-packages.mjs';

function pnpmIn(cwd: string, args: string[]) {
  const [pnpm, ...pre] = pnpmCommand();
  // No settings inherited from an outer `pnpm test` (its INIT_CWD is the root, and pnpm replaces it anyway).
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_)/i.test(key)));
  return spawnSync(pnpm!, [...pre, ...args], { cwd, env: { ...env, NO_COLOR: '1' }, encoding: 'utf8', timeout: 240_000 });
}

describe('pnpm -s refractor from a subdirectory', () => {
  it('reads a path relative to the directory it is typed in, and stdout is the JSON alone', () => {
    const run = pnpmIn(join(ROOT, 'examples'), ['-s', 'refractor', 'score', 'clip.ogg', '--models', 'tiny', '--format', 'json', '--quiet']);
    expect(run.status, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout);
    const song = Array.isArray(parsed) ? parsed[0] : parsed;
    expect(song.file).toMatch(/(^|\/)clip\.ogg$/);
    expect(song.chunks).toHaveLength(8);
  }, 300_000);

  it('from inside a package directory with -w (workspace root script), a path relative to that directory', () => {
    const run = pnpmIn(join(ROOT, 'packages', 'cli'), ['-s', '-w', 'refractor', 'info', '../../examples/clip.ogg']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^file: +\.\.\/\.\.\/examples\/clip\.ogg$/m);
    expect(run.stdout).not.toMatch(/refractor-workspace@|turbo/);
  }, 300_000);

  it('a missing relative file is looked for in the user directory, not the root', () => {
    // examples/README.md does not exist, README.md does at the root: reading it from the root would not fail.
    const run = pnpmIn(join(ROOT, 'examples'), ['-s', 'refractor', 'info', 'README.md']);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
  }, 300_000);
});
