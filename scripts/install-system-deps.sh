#!/usr/bin/env bash
# Installs the system packages the tests need, when missing (idempotent, quiet):
#   - Debian's `chromium`, for the real-browser test of @refractor/web
#     (packages/web/test/browser.test.ts skips without /usr/bin/chromium).
#   - Debian's `redis-server`, for the queue tests (packages/cli/test/queue.test.ts
#     starts its own servers on free loopback ports; they skip without it).
#   - Debian's `iproute2` (`ip netns`), for the queue's fault tests across test hosts
#     (packages/cli/test/queue-hosts.test.ts: network namespaces; they skip without it, or without root).
#   - Debian's `libvulkan1` (the Vulkan loader), for the webgpu tests: onnxruntime-node's
#     WebGPU provider runs on Vulkan, and the tests point it at SwiftShader, the CPU
#     Vulkan driver that `chromium` ships (packages/node/test/webgpu.test.ts and
#     packages/cli/test/webgpu.test.ts skip without either).
# Runs as root (CI) or through sudo when available; .ci/run calls it if executable.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || [ -x /usr/bin/ip ] || [ -x /bin/ip ] || missing+=(iproute2)
[ -e /usr/lib/x86_64-linux-gnu/libvulkan.so.1 ] || [ -e /usr/lib64/libvulkan.so.1 ] || [ "$(uname -m)" != x86_64 ] || missing+=(libvulkan1)

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo -n)
else
  echo "install-system-deps: need root to install: ${missing[*]} (skipping; the tests that need them will be skipped)" >&2
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: no apt-get here; install ${missing[*]} yourself (the tests that need them will be skipped)" >&2
  exit 0
fi

echo "install-system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
