import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const dist = join(import.meta.dirname, '..', 'dist');

/** The shared libraries a fresh `node` holds after importing `entry` (from the built package, as a user loads it). */
async function sharedObjectsAfter(entry: string): Promise<string[]> {
  const script = `await import(${JSON.stringify(pathToFileURL(join(dist, entry)).href)}); console.log(JSON.stringify(process.report.getReport().sharedObjects));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '..') });
  return JSON.parse(stdout) as string[];
}

const onnxruntime = (objects: readonly string[]) => objects.filter((path) => /onnxruntime/i.test(path));

describe('the job client entry', () => {
  it('is built (run `pnpm build --filter @refractor/queue` first)', () => {
    expect(existsSync(join(dist, 'index.js')) && existsSync(join(dist, 'worker.js'))).toBe(true);
  });

  it('loads no onnxruntime library; the worker entry does', { timeout: 120_000 }, async () => {
    const [client, worker] = await Promise.all([sharedObjectsAfter('index.js'), sharedObjectsAfter('worker.js')]);
    expect(client.length).toBeGreaterThan(0);
    expect(onnxruntime(client)).toEqual([]);
    // The control: the same probe sees onnxruntime-node once the worker side is imported.
    expect(onnxruntime(worker).length).toBeGreaterThan(0);
  });
});
