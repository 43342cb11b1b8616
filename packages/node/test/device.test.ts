import { describe, expect, it } from 'vitest';
import { RefractorError } from '@refractor/core';
import { chooseNodeDevice, describeDeviceChoice, type DeviceProbes } from '../src/device.js';
import type { ProbeResult } from '../src/device-probe.js';
import { vulkanMissing, webGpuUnavailableMessage, type VulkanHost } from '../src/webgpu-diagnosis.js';
import { createNodeBackend, PREFERRED_BATCH_SIZE } from '../src/runtime.js';

/** A fake Linux machine holding exactly `files`. */
function host(files: string[], env: Record<string, string> = {}, platform: NodeJS.Platform = 'linux'): VulkanHost {
  return {
    platform,
    env,
    home: '/home/u',
    exists: (path) => files.includes(path),
    list: (dir) => files.filter((file) => file.startsWith(`${dir}/`)).map((file) => file.slice(dir.length + 1)),
  };
}
const LOADER = '/usr/lib/x86_64-linux-gnu/libvulkan.so.1';
const NVIDIA = '/usr/share/vulkan/icd.d/nvidia_icd.json';
const LAVAPIPE = '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json';

describe('what stands between this machine and a WebGPU adapter', () => {
  it('no Vulkan loader: names libvulkan.so.1, where it was looked for, and the package', () => {
    const missing = vulkanMissing(host([NVIDIA]));
    expect(missing).toMatch(/the Vulkan loader libvulkan\.so\.1 is not installed \(looked in .*\/usr\/lib\/x86_64-linux-gnu.*\); on Debian\/Ubuntu: apt-get install libvulkan1/);
  });

  it('finds the loader through LD_LIBRARY_PATH too', () => {
    expect(vulkanMissing(host(['/opt/vk/libvulkan.so.1', NVIDIA], { LD_LIBRARY_PATH: '/opt/vk' }))).toBeUndefined();
  });

  it('no driver: names the icd.d directories searched (XDG ones included)', () => {
    const missing = vulkanMissing(host([LOADER], { XDG_DATA_HOME: '/xdg/data' }));
    expect(missing).toMatch(/no Vulkan driver is installed \(no ICD file in .*\/etc\/vulkan\/icd\.d.*\/xdg\/data\/vulkan\/icd\.d.*\/usr\/share\/vulkan\/icd\.d\)/);
    expect(missing).toMatch(/mesa-vulkan-drivers/);
  });

  it('an ICD named by VK_ICD_FILENAMES (or VK_DRIVER_FILES) that does not exist: names the variable and the file', () => {
    expect(vulkanMissing(host([LOADER, NVIDIA], { VK_ICD_FILENAMES: '/gone/icd.json' }))).toBe(
      'VK_ICD_FILENAMES names /gone/icd.json, which does not exist: point it at your driver\'s ICD file, or unset it to use the installed drivers',
    );
    expect(vulkanMissing(host([LOADER], { VK_DRIVER_FILES: '/a.json:/b.json' }))).toMatch(/^VK_DRIVER_FILES names \/a\.json, \/b\.json/);
  });

  it('loader and driver present: nothing visibly missing, and the message names the drivers that gave no adapter', () => {
    expect(vulkanMissing(host([LOADER, LAVAPIPE]))).toBeUndefined();
    const message = webGpuUnavailableMessage(host([LOADER, LAVAPIPE]), '/src/webgpu_context.cc:136 ... was false. Failed to get a WebGPU adapter: No supported adapters');
    expect(message).toMatch(/^device "webgpu": onnxruntime-node found no WebGPU adapter: the Vulkan driver \/usr\/share\/vulkan\/icd\.d\/lvp_icd\.x86_64\.json gave none that Dawn accepts/);
    expect(message).toMatch(/lavapipe/);
    expect(message).toMatch(/\(onnxruntime said: Failed to get a WebGPU adapter: No supported adapters\)$/);
  });

  it('macOS and Windows: no Vulkan diagnosis, the native API is named', () => {
    expect(vulkanMissing(host([], {}, 'darwin'))).toBeUndefined();
    expect(webGpuUnavailableMessage(host([], {}, 'darwin'), 'x')).toMatch(/through Metal/);
    expect(webGpuUnavailableMessage(host([], {}, 'win32'), 'x')).toMatch(/through Direct3D 12/);
  });
});

describe('device "auto"', () => {
  /** Probes that answer from a table and record what was asked. */
  function probes(options: { cudaInstalled: boolean; cuda?: boolean; webgpu?: boolean; files: string[]; env?: Record<string, string> }) {
    const asked: string[] = [];
    const answer = (ok: boolean | undefined): ProbeResult => (ok ? { available: true } : { available: false, error: new Error('a.cc:1 x was false. Failed to get a WebGPU adapter') });
    const fake: DeviceProbes = {
      cudaInstalled: () => options.cudaInstalled,
      probe: async (provider) => {
        asked.push(provider);
        return answer(provider === 'cuda' ? options.cuda : options.webgpu);
      },
      host: host(options.files, options.env),
    };
    return { fake, asked };
  }

  it('takes cuda first when its provider is installed and opens', async () => {
    const { fake, asked } = probes({ cudaInstalled: true, cuda: true, webgpu: true, files: [LOADER, NVIDIA] });
    expect((await chooseNodeDevice('auto', fake)).device).toBe('cuda');
    expect(asked).toEqual(['cuda']);
  });

  it('does not try cuda when its provider is not installed (trying would only print onnxruntime\'s error); then webgpu on a hardware driver', async () => {
    const { fake, asked } = probes({ cudaInstalled: false, webgpu: true, files: [LOADER, NVIDIA] });
    const choice = await chooseNodeDevice('auto', fake);
    expect(choice.device).toBe('webgpu');
    expect(asked).toEqual(['webgpu']);
    expect(describeDeviceChoice(choice)).toBe("webgpu (auto: cuda: onnxruntime-node's CUDA provider is not installed; webgpu: an adapter was found)");
  });

  it('falls to cpu when the adapter probe fails, saying why', async () => {
    const { fake } = probes({ cudaInstalled: true, cuda: false, webgpu: false, files: [LOADER, NVIDIA] });
    const choice = await chooseNodeDevice('auto', fake);
    expect(choice.device).toBe('cpu');
    expect(choice.tried.map((t) => [t.device, t.taken])).toEqual([['cuda', false], ['webgpu', false], ['cpu', true]]);
    expect(choice.tried[1]!.why).toBe('no adapter: Failed to get a WebGPU adapter');
  });

  it('does not probe webgpu without a loader or driver, nor on software drivers only (SwiftShader, lavapipe: slower than the CPU provider)', async () => {
    for (const files of [[NVIDIA], [LOADER], [LOADER, LAVAPIPE]]) {
      const { fake, asked } = probes({ cudaInstalled: false, webgpu: true, files });
      expect((await chooseNodeDevice('auto', fake)).device).toBe('cpu');
      expect(asked).toEqual([]);
    }
    const swiftshader = probes({ cudaInstalled: false, webgpu: true, files: [LOADER, '/usr/lib/chromium/vk_swiftshader_icd.json'], env: { VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' } });
    const choice = await chooseNodeDevice('auto', swiftshader.fake);
    expect(choice.device).toBe('cpu');
    expect(choice.tried[1]!.why).toMatch(/only software Vulkan drivers \(\/usr\/lib\/chromium\/vk_swiftshader_icd\.json\)/);
  });

  it('a named device is taken as is, without probing; an unknown one is an error naming the choices', async () => {
    const { fake, asked } = probes({ cudaInstalled: false, files: [] });
    expect(await chooseNodeDevice('webgpu', fake)).toEqual({ requested: 'webgpu', device: 'webgpu', tried: [] });
    expect(asked).toEqual([]);
    await expect(chooseNodeDevice('gpu' as 'cpu', fake)).rejects.toThrow(/device.*"gpu".*"cpu", "cuda", "webgpu", "auto"/);
  });
});

describe('createNodeBackend', () => {
  it('makes a webgpu backend with batch size 16 (a guess until measured on a GPU) and refuses an unresolved "auto"', () => {
    expect(createNodeBackend({ device: 'webgpu' })).toMatchObject({ device: 'webgpu', name: 'onnxruntime-node (webgpu)', preferredBatchSize: 16 });
    expect(PREFERRED_BATCH_SIZE).toEqual({ cpu: 1, cuda: 16, webgpu: 16 });
    expect(() => createNodeBackend({ device: 'auto' as 'cpu' })).toThrow(RefractorError);
    expect(() => createNodeBackend({ device: 'auto' as 'cpu' })).toThrow(/chooseNodeDevice/);
  });
});
