/**
 * Test helper: launches the system's Chromium (Debian's `chromium` package,
 * installed by scripts/install-system-deps.sh) through playwright-core.
 * Never downloads a browser.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.REFRACTOR_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM_PATH)
    ? null
    : `no Chromium at ${CHROMIUM_PATH}: run scripts/install-system-deps.sh (as root) to install Debian's chromium package`;
}

const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * WebGPU on the CPU: with --enable-unsafe-webgpu, Debian's Chromium offers a
 * SwiftShader (Vulkan-on-CPU) adapter even under --disable-gpu.
 */
const WEBGPU_ARGS = [...BASE_ARGS, '--enable-unsafe-webgpu'];

/** A fresh headless Chromium; `webgpu` adds the flags for a SwiftShader WebGPU adapter. */
export async function launchChromium(options: { webgpu?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: options.webgpu ? WEBGPU_ARGS : BASE_ARGS,
    timeout: 30_000,
  });
}

/**
 * A headless Chromium on a profile directory (`userDataDir`, fresh when empty):
 * Cache Storage and IndexedDB on disk, as for a real visitor. Contexts of
 * {@link launchChromium} are incognito: their storage lives in memory (and in
 * Chromium's RSS) under a small quota, so big model files are never cached there.
 */
export async function launchChromiumProfile(userDataDir: string, options: { webgpu?: boolean } = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: options.webgpu ? WEBGPU_ARGS : BASE_ARGS,
    timeout: 30_000,
  });
}
