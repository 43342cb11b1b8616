import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EncoderBatcher, ObservedEncoder, resolveEncoderBatching, type RowEncoder } from '../src/index.js';

const IN = 3;
const OUT = 2;

/**
 * A row-wise encoder (each output row depends on its own input row only, as
 * CLAP's) that records the size of every run and throws on a NaN input row,
 * as a model would on input it cannot take.
 */
function fakeEncoder(delayMs = 2) {
  const runs: number[] = [];
  const encoder: RowEncoder = {
    async encode(input, count) {
      runs.push(count);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (input.some(Number.isNaN)) throw new Error('NaN in the input');
      const output = new Float32Array(count * OUT);
      for (let r = 0; r < count; r++) {
        const row = input.subarray(r * IN, (r + 1) * IN);
        output[r * OUT] = row[0]! + 2 * row[1]! + 3 * row[2]!;
        output[r * OUT + 1] = row[0]! * row[2]!;
      }
      return output;
    },
  };
  return { encoder, runs };
}

/** `count` rows whose values start at `seed`. */
const rows = (count: number, seed: number) => Float32Array.from({ length: count * IN }, (_, i) => seed + i * 0.25);
const shape = { inputSize: IN, outputSize: OUT };

describe('EncoderBatcher', () => {
  it('gathers concurrent submissions into one run, and each caller gets exactly its own rows', async () => {
    const { encoder: reference } = fakeEncoder(0);
    const { encoder, runs } = fakeEncoder();
    const batcher = new EncoderBatcher(encoder, shape, { maxBatch: 16, maxWaitMs: 50 });
    const inputs = [rows(1, 1), rows(3, 10), rows(2, -4)];
    const outputs = await Promise.all(inputs.map((input, i) => batcher.encode(input, input.length / IN).then((out) => ({ out, i }))));
    expect(runs).toEqual([6]);
    for (const { out, i } of outputs) {
      expect(Array.from(out)).toEqual(Array.from(await reference.encode(inputs[i]!, inputs[i]!.length / IN)));
    }
    expect(batcher.stats()).toEqual({ runs: 1, rows: 6, failedRuns: 0, runsBySize: [0, 0, 0, 0, 0, 0, 1] });
  });

  it('starts a run as soon as maxBatch rows wait, and splits a submission larger than maxBatch over runs', async () => {
    const { encoder: reference } = fakeEncoder(0);
    const { encoder, runs } = fakeEncoder();
    const batcher = new EncoderBatcher(encoder, shape, { maxBatch: 4, maxWaitMs: 60_000 });
    const big = rows(7, 0.5);
    const small = rows(1, 9);
    const started = performance.now();
    const [a, b] = await Promise.all([batcher.encode(big, 7), batcher.encode(small, 1)]);
    // Full runs never wait for the (minute-long) timer; the last, partial one waited for the run before it only.
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(runs).toEqual([4, 4]);
    expect(Array.from(a)).toEqual(Array.from(await reference.encode(big, 7)));
    expect(Array.from(b)).toEqual(Array.from(await reference.encode(small, 1)));
  });

  it('runs rows that queued during a run as soon as it ends, without waiting again', async () => {
    const { encoder, runs } = fakeEncoder(30);
    const batcher = new EncoderBatcher(encoder, shape, { maxBatch: 8, maxWaitMs: 10 });
    const first = batcher.encode(rows(1, 0), 1);
    await new Promise((resolve) => setTimeout(resolve, 15)); // the first run is in flight now
    const rest = [batcher.encode(rows(1, 1), 1), batcher.encode(rows(2, 2), 2)];
    await Promise.all([first, ...rest]);
    expect(runs).toEqual([1, 3]);
  });

  it('fails only the submission whose rows the encoder rejects; the rest of its run still succeed', async () => {
    const { encoder: reference } = fakeEncoder(0);
    const { encoder, runs } = fakeEncoder();
    const batcher = new EncoderBatcher(encoder, shape, { maxBatch: 16, maxWaitMs: 50 });
    const bad = rows(2, 0);
    bad[4] = Number.NaN;
    const good = [rows(1, 3), rows(3, 7)];
    const results = await Promise.allSettled([batcher.encode(good[0]!, 1), batcher.encode(bad, 2), batcher.encode(good[1]!, 3)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((results[1] as PromiseRejectedResult).reason as Error).message).toBe('NaN in the input');
    expect(Array.from((results[0] as PromiseFulfilledResult<Float32Array>).value)).toEqual(Array.from(await reference.encode(good[0]!, 1)));
    expect(Array.from((results[2] as PromiseFulfilledResult<Float32Array>).value)).toEqual(Array.from(await reference.encode(good[1]!, 3)));
    // The shared run, then each piece alone.
    expect(runs).toEqual([6, 1, 2, 3]);
    expect(batcher.stats().failedRuns).toBe(2);
  });

  it('close() runs what is queued at once and refuses new rows with a clear error', async () => {
    const { encoder, runs } = fakeEncoder();
    const batcher = new EncoderBatcher(encoder, shape, { maxBatch: 16, maxWaitMs: 60_000 });
    const pending = batcher.encode(rows(2, 1), 2);
    const started = performance.now();
    await batcher.close();
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(runs).toEqual([2]);
    expect((await pending).length).toBe(2 * OUT);
    await expect(batcher.encode(rows(1, 1), 1)).rejects.toThrow(/encoder batcher is closed/);
  });

  it('refuses input of the wrong size, and bad settings, naming the field', async () => {
    const batcher = new EncoderBatcher(fakeEncoder().encoder, shape);
    await expect(batcher.encode(new Float32Array(4), 1)).rejects.toThrow(/encoder input is .*4 values for 1 rows.*expected 3 values per row/);
    expect(() => resolveEncoderBatching({ maxBatch: 0 })).toThrow(/maxBatch is 0; expected an integer >= 1/);
    expect(() => resolveEncoderBatching({ maxWaitMs: -1 })).toThrow(/maxWaitMs is -1; expected a number of milliseconds >= 0/);
    expect(resolveEncoderBatching()).toEqual({ maxBatch: 16, maxWaitMs: 5 });
  });

  it('its wait timer does not keep a process alive', () => {
    // A process with a row waiting on a minute-long timer and nothing else to do exits at once.
    const core = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `import { EncoderBatcher } from ${JSON.stringify(core)};
      const b = new EncoderBatcher({ encode: async (x, n) => new Float32Array(n) }, { inputSize: 1, outputSize: 1 }, { maxBatch: 8, maxWaitMs: 60000 });
      b.encode(new Float32Array(1), 1);`;
    const started = performance.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 50_000 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(performance.now() - started).toBeLessThan(45_000);
  }, 60_000);
});

describe('ObservedEncoder', () => {
  it('passes runs through unchanged and reports their sizes to listeners', async () => {
    const { encoder, runs } = fakeEncoder(0);
    const observed = new ObservedEncoder(encoder);
    const seen: number[] = [];
    const stop = observed.onRun(({ rows: n }) => seen.push(n));
    const input = rows(2, 1);
    expect(Array.from(await observed.encode(input, 2))).toEqual(Array.from(await encoder.encode(input, 2)));
    stop();
    await observed.encode(rows(1, 1), 1);
    expect(seen).toEqual([2]);
    expect(runs).toEqual([2, 2, 1]);
    expect(observed.stats()).toEqual({ runs: 2, rows: 3, failedRuns: 0, runsBySize: [0, 1, 1] });
  });
});
