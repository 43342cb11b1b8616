import { unzipSync, zipSync, type Zippable } from 'fflate';
import { NpzFormatError } from './errors.js';
import { encodeNpy, parseNpy, type NpyArray } from './npy.js';

/** Options for {@link writeNpz}. */
export interface WriteNpzOptions {
  /** Deflate the members, as `np.savez_compressed` (default false: stored, as `np.savez`). */
  compress?: boolean;
}

// A fixed timestamp (the earliest a zip can hold) makes equal arrays give equal bytes.
const ZIP_EPOCH = new Date(1980, 0, 1);

/**
 * Reads a NumPy .npz (a zip of .npy files, stored or deflated, as
 * `np.savez` / `np.savez_compressed` write them, ZIP64 included) into its
 * arrays by name (`clap_embs.npy` → `clap_embs`). Members that are not .npy
 * files are ignored, as `numpy.load` lists but never parses them. `source`
 * names the file in error messages.
 *
 * @example
 * ```ts
 * const arrays = readNpz(readFileSync('embeddings.npz'), 'embeddings.npz');
 * console.log(Object.keys(arrays), arrays.clap_embs?.shape);
 * ```
 */
export function readNpz(bytes: Uint8Array, source = '.npz'): Record<string, NpyArray> {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (error) {
    throw new NpzFormatError(`${source}: not a readable .npz (zip) file: ${(error as Error).message}`);
  }
  const arrays: Record<string, NpyArray> = {};
  for (const [member, content] of Object.entries(members)) {
    if (!member.endsWith('.npy')) continue;
    const name = member.slice(0, -'.npy'.length);
    arrays[name] = parseNpy(content, `${source}: ${name}`);
  }
  return arrays;
}

/**
 * Writes arrays as a NumPy .npz that `numpy.load` opens: one `<name>.npy`
 * member per array (float32 as `<f4`, strings as `<U{n}`), stored or deflated.
 *
 * @example
 * ```ts
 * const bytes = writeNpz({ x: { dtype: 'float32', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) } }, { compress: true });
 * writeFileSync('x.npz', bytes); // python: np.load('x.npz')['x']
 * ```
 */
export function writeNpz(arrays: Record<string, NpyArray>, options: WriteNpzOptions = {}): Uint8Array {
  const level = options.compress ? 6 : 0;
  const members: Zippable = {};
  for (const [name, array] of Object.entries(arrays)) {
    if (name === '' || name.includes('/')) throw new NpzFormatError(`array name ${JSON.stringify(name)}: expected a non-empty name without '/'`);
    members[`${name}.npy`] = [encodeNpy(array, name), { level, mtime: ZIP_EPOCH }];
  }
  return zipSync(members);
}
