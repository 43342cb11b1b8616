import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { temporaryPathFor } from '../atomic-file.js';
import { moveInitializersOut, type ExternalPlacement } from '@refractor/core';

const DATA_FILE = 'model.onnx_data';
const LAYOUT_FILE = 'layout.json';
/** Offsets of external tensors are multiples of this (the largest mmap granularity, Windows'), so onnxruntime can map them. */
const ALIGNMENT = 65536;

/** Options for {@link externalWeightsCopy}. */
export interface ExternalWeightsOptions {
  /** Models smaller than this are used as they are (default 64 MB: only big encoders gain). */
  minModelBytes?: number;
  /** Tensors smaller than this stay inside the graph (default 1024 bytes). */
  minTensorBytes?: number;
}

/** What `layout.json` records, so a copy is only reused when complete. */
interface LayoutRecord {
  sha256: string;
  dataBytes: number;
}

/**
 * A copy of an ONNX model with its weights moved out of the graph into
 * `model.onnx_data` (onnxruntime's external-data layout), kept in
 * `<root>/<sha256>/` and reused on later calls; the path of the model to
 * open. The graph, the weights' bytes and so the results are unchanged, but
 * onnxruntime maps external weights from the file instead of parsing a
 * 735 MB protobuf and copying every tensor out of it: for the real-size
 * DeBERTa that took session creation from ~8 s and 1.17 GB peak RSS to
 * ~3.6 s and 0.49 GB on a 2-core machine (see the concept bench).
 *
 * Models below `minModelBytes`, or that already keep weights outside, are
 * returned as they are. The copy is written to a temporary directory and
 * renamed into place, so concurrent processes never see half of one.
 *
 * @example
 * ```ts
 * const path = await externalWeightsCopy('/cache/hub/…/model.onnx', sha256, '/home/me/.cache/refractor/external-weights');
 * const session = await ort.InferenceSession.create(path);
 * ```
 */
export async function externalWeightsCopy(modelPath: string, sha256: string, root: string, options: ExternalWeightsOptions = {}): Promise<string> {
  const directory = join(root, sha256);
  if (await isComplete(directory, sha256)) return join(directory, 'model.onnx');
  if ((await stat(modelPath)).size < (options.minModelBytes ?? 64e6)) return modelPath;
  const minTensorBytes = options.minTensorBytes ?? 1024;
  let end = 0;
  const { model, moved, alreadyExternal } = moveInitializersOut(await readFile(modelPath), (length): ExternalPlacement | undefined => {
    if (length < minTensorBytes) return undefined;
    const offset = Math.ceil(end / ALIGNMENT) * ALIGNMENT;
    end = offset + length;
    return { location: DATA_FILE, offset, length };
  });
  if (alreadyExternal) return modelPath;
  const parts = moved.map(({ placement, bytes }) => ({ offset: placement.offset, bytes }));
  if (parts.length === 0) return modelPath;

  await mkdir(root, { recursive: true });
  const temporary = temporaryPathFor(directory);
  try {
    await mkdir(temporary);
    const data = await open(join(temporary, DATA_FILE), 'w');
    try {
      for (const { offset, bytes } of parts) await data.write(bytes, 0, bytes.length, offset);
      await data.truncate(end);
    } finally {
      await data.close();
    }
    await writeFile(join(temporary, 'model.onnx'), Buffer.concat(model));
    const record: LayoutRecord = { sha256, dataBytes: end };
    await writeFile(join(temporary, LAYOUT_FILE), `${JSON.stringify(record)}\n`);
    await rename(temporary, directory).catch(async () => {
      // Another process finished the same copy first: use theirs. A damaged one is moved aside (one atomic rename) and replaced.
      if (await isComplete(directory, sha256)) return;
      await rename(directory, `${temporary}.damaged`);
      await rename(temporary, directory);
    });
  } finally {
    await Promise.all([rm(temporary, { recursive: true, force: true }), rm(`${temporary}.damaged`, { recursive: true, force: true })]);
  }
  return join(directory, 'model.onnx');
}

async function isComplete(directory: string, sha256: string): Promise<boolean> {
  try {
    const record = JSON.parse(await readFile(join(directory, LAYOUT_FILE), 'utf8')) as LayoutRecord;
    const [data] = await Promise.all([stat(join(directory, DATA_FILE)), stat(join(directory, 'model.onnx'))]);
    return record.sha256 === sha256 && data.size === record.dataBytes;
  } catch {
    return false;
  }
}

/** What {@link externalWeightsStats} finds. */
export interface ExternalWeightsStats {
  location: string;
  /** Complete copies. */
  count: number;
  bytes: number;
}

/**
 * The external-weights copies under `root` (see {@link externalWeightsCopy}): how many, how big.
 *
 * @example
 * ```ts
 * const { count, bytes } = await externalWeightsStats('/home/me/.cache/refractor/external-weights');
 * ```
 */
export async function externalWeightsStats(root: string): Promise<ExternalWeightsStats> {
  let count = 0;
  let bytes = 0;
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{64}$/.test(name) || !(await isComplete(join(root, name), name))) continue;
    count += 1;
    for (const file of ['model.onnx', DATA_FILE, LAYOUT_FILE]) bytes += (await stat(join(root, name, file))).size;
  }
  return { location: root, count, bytes };
}

/**
 * Deletes the external-weights copies under `root` (only directories named
 * by a SHA-256, so nothing else is touched); the next opening of a big text
 * encoder makes its copy again. Returns what was there.
 */
export async function clearExternalWeights(root: string): Promise<ExternalWeightsStats> {
  const before = await externalWeightsStats(root);
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (/^[0-9a-f]{64}$/.test(name)) await rm(join(root, name), { recursive: true, force: true });
  }
  return before;
}
