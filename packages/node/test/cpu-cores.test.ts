import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { intraOpThreads, physicalCores } from '../src/cpu-cores.js';

const scratch = mkdtempSync(join(tmpdir(), 'refractor-cpu-cores-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A /sys/devices/system/cpu tree: `cpus[i]` = [package, core] of cpu<i>, or null for an offline CPU. */
function sysTree(name: string, cpus: Array<[number, number] | null>): string {
  const root = join(scratch, name);
  cpus.forEach((ids, i) => {
    const cpu = join(root, `cpu${i}`);
    mkdirSync(cpu, { recursive: true });
    if (!ids) return;
    mkdirSync(join(cpu, 'topology'));
    writeFileSync(join(cpu, 'topology', 'physical_package_id'), `${ids[0]}\n`);
    writeFileSync(join(cpu, 'topology', 'core_id'), `${ids[1]}\n`);
  });
  mkdirSync(join(root, 'cpufreq'), { recursive: true }); // not a cpuN entry
  return root;
}

describe('physicalCores', () => {
  it('counts distinct package + core pairs: hyperthread siblings once, same core ids on two packages twice', () => {
    expect(physicalCores(sysTree('smt', [[0, 0], [0, 1], [0, 0], [0, 1]]))).toBe(2);
    expect(physicalCores(sysTree('two-sockets', [[0, 0], [0, 1], [1, 0], [1, 1]]))).toBe(4);
    expect(physicalCores(sysTree('offline', [[0, 0], null, [0, 2]]))).toBe(2);
  });

  it('is undefined without a topology to read', () => {
    expect(physicalCores(join(scratch, 'missing'))).toBeUndefined();
    expect(physicalCores(sysTree('all-offline', [null, null]))).toBeUndefined();
  });

  it.skipIf(!existsSync('/proc/cpuinfo') || !existsSync('/sys/devices/system/cpu'))('agrees with /proc/cpuinfo on this machine', () => {
    const pairs = new Set<string>();
    let pkg = '0';
    for (const line of readFileSync('/proc/cpuinfo', 'utf8').split('\n')) {
      const [key, value] = line.split(':').map((part) => part.trim());
      if (key === 'physical id') pkg = value!;
      if (key === 'core id') pairs.add(`${pkg}:${value}`);
    }
    if (pairs.size === 0) return; // an architecture whose cpuinfo has no core ids (e.g. some arm64)
    expect(physicalCores()).toBe(pairs.size);
  });
});

describe('intraOpThreads', () => {
  it('keeps an explicit count, and 0 means onnxruntime default', () => {
    expect(intraOpThreads(3, sysTree('explicit', [[0, 0]]))).toBe(3);
    expect(intraOpThreads(0, sysTree('zero', [[0, 0], [0, 1]]))).toBeUndefined();
  });

  it('defaults to the physical cores, capped by the CPUs this process may use', () => {
    expect(intraOpThreads(undefined, sysTree('one-core', [[0, 0], [0, 0]]))).toBe(1);
    const many = sysTree('many', Array.from({ length: 64 }, (_, i) => [0, i] as [number, number]));
    expect(intraOpThreads(undefined, many)).toBe(Math.min(64, availableParallelism()));
    expect(intraOpThreads(undefined, join(scratch, 'missing'))).toBeUndefined();
  });
});
