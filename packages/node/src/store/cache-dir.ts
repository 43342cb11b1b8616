import { homedir } from 'node:os';
import { join, posix, resolve, win32 } from 'node:path';
import { InvalidValueError, type ModelFileSource } from '@refractor/core';

/** The environment variables the cache location depends on. */
export type CacheEnv = Readonly<Record<string, string | undefined>>;

/**
 * Where Refractor keeps downloaded models when nobody says otherwise:
 * `$REFRACTOR_CACHE` if set, else the platform's per-user cache directory —
 * `$XDG_CACHE_HOME/refractor` or `~/.cache/refractor` on Linux and other
 * Unixes, `~/Library/Caches/refractor` on macOS,
 * `%LOCALAPPDATA%\refractor\Cache` on Windows.
 *
 * `env`, `platform` and `home` are parameters (defaulting to this process's)
 * so the rules can be tested for every platform on any machine.
 *
 * @example
 * ```ts
 * defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }, 'linux', '/home/me'); // '/var/cache/me/refractor'
 * defaultCacheDir({}, 'darwin', '/Users/me'); // '/Users/me/Library/Caches/refractor'
 * ```
 */
export function defaultCacheDir(
  env: CacheEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env.REFRACTOR_CACHE) return env.REFRACTOR_CACHE;
  if (platform === 'win32') {
    // LOCALAPPDATA, not APPDATA: models are big and must not roam with the profile.
    const localAppData = env.LOCALAPPDATA || win32.join(home, 'AppData', 'Local');
    return win32.join(localAppData, 'refractor', 'Cache');
  }
  if (platform === 'darwin') return posix.join(home, 'Library', 'Caches', 'refractor');
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdgCacheHome = env.XDG_CACHE_HOME;
  if (xdgCacheHome && posix.isAbsolute(xdgCacheHome)) return posix.join(xdgCacheHome, 'refractor');
  return posix.join(home, '.cache', 'refractor');
}

/**
 * Where one hub file lives in the cache:
 * `<cacheDir>/hub/<owner>/<name>/<revision>/<path>`, so files from different
 * repositories and revisions never collide and a cache is easy to inspect.
 * Rejects names that would escape the cache (`..`, absolute parts), since the
 * manifest may come from a user.
 *
 * @example
 * ```ts
 * cachedPath('/home/me/.cache/refractor', { repo: 'refractor-test/tiny-clap', revision: 'main', path: 'onnx/audio_model.onnx' });
 * // '/home/me/.cache/refractor/hub/refractor-test/tiny-clap/main/onnx/audio_model.onnx'
 * ```
 */
export function cachedPath(cacheDir: string, file: Pick<ModelFileSource, 'repo' | 'revision' | 'path'>): string {
  const segments = [...file.repo.split('/'), ...file.revision.split('/'), ...file.path.split('/')];
  const unsafe = segments.find((segment) => segment === '' || segment === '.' || segment === '..' || /[\\:\0]/.test(segment));
  if (unsafe !== undefined) {
    throw new InvalidValueError(
      `the cache path of ${file.repo}@${file.revision}:${file.path}`,
      unsafe,
      'plain names separated by "/" (no "", ".", "..", "\\", ":"), so the file stays inside the cache',
    );
  }
  return resolve(join(cacheDir, 'hub', ...segments));
}
