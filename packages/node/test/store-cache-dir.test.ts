import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedPath, defaultCacheDir } from '../src/store/cache-dir.js';
import { hubFileUrl } from '../src/store/hub-download.js';
import { resolveStoreOptions } from '../src/store/options.js';

describe('defaultCacheDir', () => {
  it('prefers REFRACTOR_CACHE on every platform', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(defaultCacheDir({ REFRACTOR_CACHE: '/data/models', XDG_CACHE_HOME: '/xdg', LOCALAPPDATA: 'C:\\L' }, platform, '/home/me')).toBe(
        '/data/models',
      );
    }
  });

  it('uses $XDG_CACHE_HOME/refractor on Linux, else ~/.cache/refractor', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }, 'linux', '/home/me')).toBe('/var/cache/me/refractor');
    expect(defaultCacheDir({}, 'linux', '/home/me')).toBe('/home/me/.cache/refractor');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '' }, 'linux', '/home/me')).toBe('/home/me/.cache/refractor');
    // The XDG spec: a relative value is invalid and ignored.
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative/cache' }, 'linux', '/home/me')).toBe('/home/me/.cache/refractor');
    expect(defaultCacheDir({}, 'freebsd', '/home/me')).toBe('/home/me/.cache/refractor');
  });

  it('uses ~/Library/Caches/refractor on macOS, ignoring XDG', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/xdg' }, 'darwin', '/Users/me')).toBe('/Users/me/Library/Caches/refractor');
  });

  it('uses %LOCALAPPDATA%\\refractor\\Cache on Windows, with a fallback under the profile', () => {
    expect(defaultCacheDir({ LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local' }, 'win32', 'C:\\Users\\me')).toBe(
      'C:\\Users\\me\\AppData\\Local\\refractor\\Cache',
    );
    expect(defaultCacheDir({}, 'win32', 'C:\\Users\\me')).toBe('C:\\Users\\me\\AppData\\Local\\refractor\\Cache');
  });
});

describe('cachedPath', () => {
  it('lays files out as <cacheDir>/hub/<repo>/<revision>/<path>', () => {
    expect(cachedPath('/cache', { repo: 'refractor-test/tiny-clap', revision: 'main', path: 'onnx/audio_model.onnx' })).toBe(
      join('/cache', 'hub', 'refractor-test', 'tiny-clap', 'main', 'onnx', 'audio_model.onnx'),
    );
  });

  it('refuses parts that could escape the cache', () => {
    expect(() => cachedPath('/cache', { repo: 'a/b', revision: '..', path: 'x' })).toThrow(/cache path of a\/b@\.\.:x/);
    expect(() => cachedPath('/cache', { repo: '../..', revision: 'main', path: 'x' })).toThrow(/stays inside the cache/);
    expect(() => cachedPath('/cache', { repo: 'a/b', revision: 'main', path: 'x//y' })).toThrow(/stays inside the cache/);
    expect(() => cachedPath('/cache', { repo: 'a/b', revision: 'main', path: 'x\\..\\..\\y' })).toThrow(/stays inside the cache/);
  });
});

describe('resolveStoreOptions', () => {
  it('reads REFRACTOR_CACHE, HF_ENDPOINT, HF_TOKEN and the offline switches from the environment', () => {
    const resolved = resolveStoreOptions({}, { REFRACTOR_CACHE: '/data/models', HF_ENDPOINT: 'https://mirror.example/hf//', HF_TOKEN: 'hf_x' });
    expect(resolved).toMatchObject({ cacheDir: '/data/models', endpoint: 'https://mirror.example/hf', token: 'hf_x', offline: false });
    expect(resolveStoreOptions({}, { REFRACTOR_OFFLINE: '1' }).offline).toBe(true);
    expect(resolveStoreOptions({}, { HF_HUB_OFFLINE: '1' }).offline).toBe(true);
    expect(resolveStoreOptions({}, { HF_HUB_OFFLINE: '0' }).offline).toBe(false);
  });

  it('lets options override the environment, and defaults to huggingface.co without a token', () => {
    const env = { HF_ENDPOINT: 'https://mirror.example', HF_TOKEN: 'hf_env', REFRACTOR_OFFLINE: '1', REFRACTOR_CACHE: '/env-cache' };
    const resolved = resolveStoreOptions({ endpoint: 'http://127.0.0.1:9/', token: 'hf_opt', offline: false, cacheDir: '/opt-cache' }, env);
    expect(resolved).toMatchObject({ endpoint: 'http://127.0.0.1:9', token: 'hf_opt', offline: false, cacheDir: '/opt-cache' });
    expect(resolveStoreOptions({}, { HOME: '/home/me' })).toMatchObject({ endpoint: 'https://huggingface.co', token: undefined });
    expect(resolveStoreOptions({}, { HF_TOKEN: '' }).token).toBeUndefined();
  });
});

describe('hubFileUrl', () => {
  it('builds {endpoint}/{repo}/resolve/{revision}/{path}, tolerating a trailing slash', () => {
    expect(hubFileUrl('https://huggingface.co/', { repo: 'org/repo', revision: 'main', path: 'onnx/model.onnx' })).toBe(
      'https://huggingface.co/org/repo/resolve/main/onnx/model.onnx',
    );
    expect(hubFileUrl('https://hf.example', { repo: 'org/repo', revision: 'refs/pr/1', path: 'a b.json' })).toBe(
      'https://hf.example/org/repo/resolve/refs%2Fpr%2F1/a%20b.json',
    );
  });
});
