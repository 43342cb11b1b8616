import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What the diagnosis reads; tests pass a fake machine. */
export interface VulkanHost {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  exists(path: string): boolean;
  /** File names in a directory; empty when it does not exist. */
  list(dir: string): string[];
  home: string;
}

/** This machine. */
export const THIS_HOST: VulkanHost = {
  platform: process.platform,
  env: process.env,
  exists: existsSync,
  list: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
  home: homedir(),
};

/**
 * Where the Vulkan loader (libvulkan.so.1) is looked for: the directories the
 * dynamic linker searches on Debian/Ubuntu, Fedora/RHEL and Arch, plus
 * LD_LIBRARY_PATH (which the linker reads first).
 */
export function vulkanLoaderDirs(host: VulkanHost): string[] {
  const fromEnv = (host.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  return [...fromEnv, '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib'];
}

/**
 * The ICD (driver manifest) files the Vulkan loader would read, and where it
 * looked: the files named by `VK_DRIVER_FILES` / `VK_ICD_FILENAMES` when set
 * (the loader then reads only those), else every `*.json` in the standard
 * `vulkan/icd.d` directories (XDG config and data directories, /etc, /usr/share).
 */
export function vulkanIcds(host: VulkanHost): { variable?: string; named: string[]; found: string[]; searched: string[] } {
  const variable = ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES'].find((name) => (host.env[name] ?? '') !== '');
  if (variable) {
    const named = host.env[variable]!.split(':').filter(Boolean);
    return { variable, named, found: named.filter((file) => host.exists(file)), searched: named };
  }
  const configDirs = (host.env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const dataDirs = [host.env.XDG_DATA_HOME || join(host.home, '.local/share'), ...(host.env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':')];
  const searched = [...new Set([...configDirs, '/etc', ...dataDirs].filter(Boolean).map((dir) => join(dir, 'vulkan', 'icd.d')))];
  const found = searched.flatMap((dir) => host.list(dir).filter((name) => name.endsWith('.json')).map((name) => join(dir, name)));
  return { named: [], found, searched };
}

/**
 * Software rasterizers that present themselves as Vulkan GPUs: Google's
 * SwiftShader (shipped with Chromium) and Mesa's lavapipe. They run shaders on
 * the CPU, far slower than onnxruntime's CPU provider, so `device: 'auto'`
 * never picks WebGPU on them (an explicit `device: 'webgpu'` still may, which
 * is how the tests check correctness without a GPU).
 */
export function isSoftwareIcd(file: string): boolean {
  return /swiftshader|lvp_icd|lavapipe/i.test(file);
}

/**
 * What stands between this machine and a WebGPU adapter, as far as files
 * tell: `undefined` when nothing is visibly missing (a loader and a driver
 * manifest exist; the driver itself may still refuse), else one sentence
 * naming the missing piece and how to get it. Only Linux is diagnosed: on
 * macOS (Metal) and Windows (D3D12) the graphics stack is part of the system.
 *
 * @example
 * ```ts
 * const missing = vulkanMissing(THIS_HOST);
 * // 'the Vulkan loader libvulkan.so.1 is not installed (looked in /lib/x86_64-linux-gnu, …); on Debian/Ubuntu: apt-get install libvulkan1'
 * ```
 */
export function vulkanMissing(host: VulkanHost): string | undefined {
  if (host.platform !== 'linux') return undefined;
  const loaderDirs = vulkanLoaderDirs(host);
  if (!loaderDirs.some((dir) => host.exists(join(dir, 'libvulkan.so.1')))) {
    return `the Vulkan loader libvulkan.so.1 is not installed (looked in ${loaderDirs.join(', ')}); on Debian/Ubuntu: apt-get install libvulkan1, on Fedora: dnf install vulkan-loader`;
  }
  const icds = vulkanIcds(host);
  if (icds.variable && icds.found.length === 0) {
    return `${icds.variable} names ${icds.named.join(', ')}, which does not exist: point it at your driver's ICD file, or unset it to use the installed drivers`;
  }
  if (icds.found.length === 0) {
    return (
      `no Vulkan driver is installed (no ICD file in ${icds.searched.join(', ')}): install your GPU's Vulkan driver ` +
      '(NVIDIA: the proprietary driver, which ships nvidia_icd.json; AMD/Intel: mesa-vulkan-drivers), or set VK_ICD_FILENAMES to an ICD file'
    );
  }
  return undefined;
}

/**
 * The message for "onnxruntime's WebGPU provider found no adapter": what is
 * missing ({@link vulkanMissing}) or, when every piece is there, which driver
 * files were tried, and that a software one (lavapipe) may fail Dawn's checks.
 *
 * @example
 * ```ts
 * throw new DeviceUnavailableError(webGpuUnavailableMessage(THIS_HOST, error.message));
 * ```
 */
export function webGpuUnavailableMessage(host: VulkanHost, providerMessage: string): string {
  const head = 'device "webgpu": onnxruntime-node found no WebGPU adapter';
  const said = ` (onnxruntime said: ${providerSays(providerMessage)})`;
  const tail = '; use device "cpu", or see the "Devices" table in @refractor/node\'s README';
  if (host.platform === 'linux') {
    const missing = vulkanMissing(host);
    if (missing) return `${head}: ${missing}${tail}${said}`;
    const icds = vulkanIcds(host);
    return (
      `${head}: the Vulkan driver${icds.found.length > 1 ? 's' : ''} ${icds.found.join(', ')} gave none that Dawn accepts ` +
      "(is the GPU's kernel driver loaded and /dev/dri or /dev/nvidia* readable? Mesa's lavapipe fails Dawn's feature checks)" +
      `${tail}${said}`
    );
  }
  const stack = host.platform === 'darwin' ? 'Metal' : host.platform === 'win32' ? 'Direct3D 12' : 'the graphics stack';
  return `${head} through ${stack}: is there a GPU and an up-to-date driver?${tail}${said}`;
}

/**
 * The part of an onnxruntime error people can read: its last line, without
 * the source location and failed assertion it starts with
 * ("…/webgpu_context.cc:136 … was false. Failed to get a WebGPU adapter: …").
 */
export function providerSays(message: string): string {
  return (message.trim().split('\n').at(-1) ?? '').replace(/^.*?\bwas false\. /, '');
}
