/**
 * `pnpm bench:gpu`'s command line (the benchmark itself needs a GPU, or minutes on SwiftShader:
 * `node scripts/bench-gpu.mjs --smoke` is run by hand, see its header): --help explains every
 * option, and a bad value is a usage error naming the option, before any package is loaded.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../lib/workspace-packages.mjs';

const run = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'scripts', 'bench-gpu.mjs'), ...args], { encoding: 'utf8', timeout: 30_000 });

describe('scripts/bench-gpu.mjs', () => {
  it('--help lists the sections, the time limit and every option', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const option of ['--smoke', '--out', '--device', '--only', '--budget-s', '--models', '--batches', '--clients', '--concurrency', '--song-seconds', '--server-seconds', '--max-batch', '--modes']) {
      expect(help.stdout).toContain(option);
    }
    expect(help.stdout).toMatch(/within\s+8 minutes/);
    expect(help.stdout).toContain('encoder, score, server');
  });

  it('refuses a bad value, naming the option (exit 2)', () => {
    for (const [args, message] of [
      [['--only', 'encoder,gpu'], /--only is "encoder,gpu"; expected a comma-separated list of encoder, score, server/],
      [['--device', 'tpu'], /--device is "tpu"; expected a comma-separated list of cpu, cuda, webgpu/],
      [['--clients', '0'], /--clients is "0"; expected an integer >= 1/],
    ] as const) {
      const bad = run([...args]);
      expect(bad.status, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(message);
    }
  });
});
