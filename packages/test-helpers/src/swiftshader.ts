/**
 * SwiftShader, the CPU implementation of Vulkan that Debian's `chromium`
 * ships, as the GPU for webgpu tests: with it, onnxruntime-node's WebGPU
 * provider finds an adapter on a machine without a GPU. Slow (software), so
 * tests that use it stay small. Tests set these variables only for their own
 * processes (a child's `env`, or `process.env` of a forked vitest worker
 * before its first webgpu session: the Vulkan loader reads them when Dawn
 * creates its instance).
 */
import { existsSync } from 'node:fs';

/** The ICD (driver manifest) file of Chromium's SwiftShader on Debian. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Where the Vulkan loader is looked for (Debian, Fedora). */
const LOADERS = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1'];

/** The environment that points the Vulkan loader at SwiftShader (XDG_RUNTIME_DIR quiets Dawn's warning about it). */
export const SWIFTSHADER_ENV: Readonly<Record<string, string>> = Object.freeze({ VK_ICD_FILENAMES: SWIFTSHADER_ICD, XDG_RUNTIME_DIR: '/tmp' });

/** Why webgpu tests are skipped here, or undefined when they can run. */
export const WEBGPU_SKIP_REASON: string | undefined =
  process.platform !== 'linux' || process.arch !== 'x64'
    ? `webgpu tests run on Linux x64 with SwiftShader; this is ${process.platform} ${process.arch}: skipping them`
    : !LOADERS.some((path) => existsSync(path))
      ? 'the Vulkan loader libvulkan.so.1 is not installed (apt-get install libvulkan1, or run scripts/install-system-deps.sh): skipping the webgpu tests'
      : !existsSync(SWIFTSHADER_ICD)
        ? `SwiftShader's Vulkan driver ${SWIFTSHADER_ICD} is absent (apt-get install chromium, or run scripts/install-system-deps.sh): skipping the webgpu tests`
        : undefined;
