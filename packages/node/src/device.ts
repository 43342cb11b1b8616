import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InvalidValueError } from '@refractor/core';
import { probeExecutionProvider, type ProbeResult } from './device-probe.js';
import { isSoftwareIcd, providerSays, THIS_HOST, vulkanIcds, vulkanMissing, type VulkanHost } from './webgpu-diagnosis.js';

/** Where inference runs: onnxruntime-node's CPU, CUDA or WebGPU execution provider. */
export type NodeDevice = 'cpu' | 'cuda' | 'webgpu';

/** A device, or `auto`: the first of cuda, webgpu, cpu that works here. */
export type NodeDeviceRequest = NodeDevice | 'auto';

/** Every accepted device name, for validation and command-line choices. */
export const NODE_DEVICES: readonly NodeDeviceRequest[] = Object.freeze(['cpu', 'cuda', 'webgpu', 'auto']);

/** How a device was chosen: the device, and for `auto`, each device tried and why it was or was not taken. */
export interface DeviceChoice {
  requested: NodeDeviceRequest;
  device: NodeDevice;
  tried: { device: NodeDevice; taken: boolean; why: string }[];
}

/**
 * The file onnxruntime-node's install script adds for CUDA (`ONNXRUNTIME_NODE_INSTALL=cuda12`);
 * without it the CUDA provider cannot load, and trying it only prints an error.
 */
export function cudaProviderInstalled(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    // entry: <pkg>/dist/index.js; the native libraries sit in <pkg>/bin/napi-v6/linux/x64.
    return existsSync(join(dirname(entry), '..', 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

/** What {@link chooseNodeDevice} consults; tests replace it. */
export interface DeviceProbes {
  cudaInstalled(): boolean;
  probe(provider: 'cuda' | 'webgpu'): Promise<ProbeResult>;
  host: VulkanHost;
}

const REAL_PROBES: DeviceProbes = { cudaInstalled: cudaProviderInstalled, probe: probeExecutionProvider, host: THIS_HOST };

/**
 * Why WebGPU is not worth probing for `auto`, from files alone: no Vulkan
 * loader or driver (probing would only print Dawn's warnings), or only
 * software drivers (SwiftShader, lavapipe: slower than the CPU provider).
 */
function webGpuSkipReason(host: VulkanHost): string | undefined {
  const missing = vulkanMissing(host);
  if (missing) return missing;
  if (host.platform !== 'linux') return undefined;
  const { found } = vulkanIcds(host);
  if (found.every(isSoftwareIcd)) return `only software Vulkan drivers (${found.join(', ')}), slower than the CPU provider`;
  return undefined;
}

/**
 * Resolves a device request. A named device is returned as is (its errors
 * surface when a session opens, with advice). `auto` tries, in order:
 * - `cuda`, when onnxruntime-node's CUDA provider library is installed and a
 *   session opens on it;
 * - `webgpu`, when a Vulkan loader and a hardware driver are present (Linux)
 *   and onnxruntime finds an adapter;
 * - `cpu`, always.
 *
 * Each probe opens a session on a one-node in-memory model (tens of ms) once
 * per process; the answers are cached.
 *
 * @example
 * ```ts
 * const choice = await chooseNodeDevice('auto');
 * console.error(`device: ${choice.device}`, choice.tried.map((t) => `${t.device}: ${t.why}`));
 * const backend = createNodeBackend({ device: choice.device });
 * ```
 */
export async function chooseNodeDevice(requested: NodeDeviceRequest = 'cpu', probes: DeviceProbes = REAL_PROBES): Promise<DeviceChoice> {
  if (!NODE_DEVICES.includes(requested)) {
    throw new InvalidValueError('device', requested, `one of ${NODE_DEVICES.map((d) => `"${d}"`).join(', ')}`);
  }
  if (requested !== 'auto') return { requested, device: requested, tried: [] };
  const tried: DeviceChoice['tried'] = [];
  if (!probes.cudaInstalled()) {
    tried.push({ device: 'cuda', taken: false, why: "onnxruntime-node's CUDA provider is not installed" });
  } else {
    const cuda = await probes.probe('cuda');
    tried.push({ device: 'cuda', taken: cuda.available, why: cuda.available ? 'a session opened on it' : `it failed: ${firstLine(cuda.error)}` });
    if (cuda.available) return { requested, device: 'cuda', tried };
  }
  const skip = webGpuSkipReason(probes.host);
  if (skip) {
    tried.push({ device: 'webgpu', taken: false, why: skip });
  } else {
    const webgpu = await probes.probe('webgpu');
    tried.push({ device: 'webgpu', taken: webgpu.available, why: webgpu.available ? 'an adapter was found' : `no adapter: ${firstLine(webgpu.error)}` });
    if (webgpu.available) return { requested, device: 'webgpu', tried };
  }
  tried.push({ device: 'cpu', taken: true, why: 'always available' });
  return { requested, device: 'cpu', tried };
}

function firstLine(error: Error): string {
  return providerSays(error.message);
}

/**
 * One line for people: "webgpu (auto: cuda: …; webgpu: an adapter was found)".
 *
 * @example
 * ```ts
 * describeDeviceChoice({ requested: 'cpu', device: 'cpu', tried: [] }); // 'cpu'
 * ```
 */
export function describeDeviceChoice(choice: DeviceChoice): string {
  if (choice.requested !== 'auto') return choice.device;
  return `${choice.device} (auto: ${choice.tried.map((t) => `${t.device}: ${t.why}`).join('; ')})`;
}
