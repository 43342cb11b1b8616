/**
 * How many threads onnxruntime should run inside one operator when the caller does not say.
 *
 * Why not leave it to onnxruntime: its default is "one per physical core", counted from CPUID,
 * which some virtual machines misreport. On the 2-core VMs this project is measured on it counted
 * one core, so `refractor score` ran CLAP on one thread while the bare-encoder benchmark ran two:
 * one 4-minute song took 12.5 s instead of 10.0 s. Linux's /sys topology, which the kernel keeps
 * from the hypervisor's ACPI tables, counted both.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/**
 * Physical cores (distinct package + core id pairs) among the CPUs listed under `sysCpu`
 * (Linux's /sys/devices/system/cpu), or undefined where that tree is missing or unreadable
 * (macOS, Windows, some containers). Offline CPUs have no topology and are not counted.
 *
 * @example
 * ```ts
 * physicalCores(); // 8 on an 8-core, 16-thread Linux machine
 * ```
 */
export function physicalCores(sysCpu = '/sys/devices/system/cpu'): number | undefined {
  let names: string[];
  try {
    names = readdirSync(sysCpu).filter((name) => /^cpu\d+$/.test(name));
  } catch {
    return undefined;
  }
  const cores = new Set<string>();
  for (const name of names) {
    try {
      const topology = join(sysCpu, name, 'topology');
      const pkg = readFileSync(join(topology, 'physical_package_id'), 'utf8').trim();
      const core = readFileSync(join(topology, 'core_id'), 'utf8').trim();
      cores.add(`${pkg}:${core}`);
    } catch {
      // offline CPU (no topology directory)
    }
  }
  return cores.size > 0 ? cores.size : undefined;
}

/**
 * The intra-op thread count to give onnxruntime: `requested` when set (0 = onnxruntime's own
 * default, undefined), else Linux's physical core count capped by the CPUs this process may run
 * on, else undefined (onnxruntime's default).
 *
 * @example
 * ```ts
 * intraOpThreads(undefined); // 2 on a 2-core Linux VM
 * intraOpThreads(4);         // 4
 * ```
 */
export function intraOpThreads(requested: number | undefined, sysCpu?: string): number | undefined {
  if (requested !== undefined) return requested || undefined;
  const cores = physicalCores(sysCpu);
  return cores === undefined ? undefined : Math.max(1, Math.min(cores, availableParallelism()));
}
