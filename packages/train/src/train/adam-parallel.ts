/**
 * {@link Adam} with the largest tensor (W1, 90% of the parameters) updated by
 * two threads: the main thread and one worker, over SharedArrayBuffers. The
 * update is elementwise, so splitting it changes no bit of the result; it
 * halves the optimizer's share of a step (onnxruntime's threads are idle
 * while it runs). onnxruntime-node rejects SharedArrayBuffer-backed inputs,
 * so the worker's half of W1 lives in shared memory and is copied back into
 * the (ordinary) parameter after each step.
 */
import { Worker } from 'node:worker_threads';
import { ADAM_KERNEL_SOURCE, Adam, adamKernel, type AdamOptions } from './adam.js';

function sharedCopy(values: Float32Array): Float32Array {
  const out = new Float32Array(new SharedArrayBuffer(values.byteLength));
  out.set(values);
  return out;
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const adamKernel = ${ADAM_KERNEL_SOURCE};
const { p, m, v, g, ctl, consts } = workerData;
let seen = 0;
for (;;) {
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  if (seen < 0) break;
  adamKernel(p, g, m, v, consts[0], consts[1], consts[2], consts[3], consts[4], consts[5]);
  Atomics.store(ctl, 1, seen);
  Atomics.notify(ctl, 1);
}
`;

/**
 * Adam that shares its first (largest) tensor's update with a worker thread;
 * call {@link ParallelAdam.close} when done.
 *
 * @example
 * ```ts
 * const adam = new ParallelAdam(parameterTensors(weights), { lr: 3e-4, weightDecay: 1e-3 });
 * try { adam.step(grads); } finally { await adam.close(); }
 * ```
 */
export class ParallelAdam extends Adam {
  private readonly worker: Worker;
  private readonly ctl = new Int32Array(new SharedArrayBuffer(8));
  private readonly consts = new Float64Array(new SharedArrayBuffer(6 * 8));
  private readonly g: Float32Array;
  private readonly p: Float32Array;
  private readonly split: number;
  private generation = 0;

  constructor(params: Float32Array[], options: AdamOptions) {
    super(params, options, (n) => new Float32Array(new SharedArrayBuffer(n * 4)));
    const big = params[0]!;
    this.split = big.length >> 1;
    this.p = sharedCopy(big.subarray(this.split));
    this.g = new Float32Array(new SharedArrayBuffer(this.p.byteLength));
    const [m, v] = this.moments(0);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { p: this.p, m: m.subarray(this.split), v: v.subarray(this.split), g: this.g, ctl: this.ctl, consts: this.consts },
    });
    this.worker.unref();
  }

  protected override update(grads: readonly Float32Array[], stepSize: number, invSqrtBc2: number): void {
    const [wd, b1, b2, eps] = this.hyper();
    const c = this.consts;
    c[0] = stepSize; c[1] = invSqrtBc2; c[2] = wd; c[3] = b1; c[4] = b2; c[5] = eps;
    const big = this.parameter(0);
    const n = big.length;
    // The worker's half of W1's gradient goes to shared memory; then start it.
    this.g.set(grads[0]!.subarray(this.split, n));
    this.generation += 1;
    Atomics.store(this.ctl, 0, this.generation);
    Atomics.notify(this.ctl, 0);
    const [m, v] = this.moments(0);
    const h = this.split;
    adamKernel(big.subarray(0, h), grads[0]!.subarray(0, h), m.subarray(0, h), v.subarray(0, h), stepSize, invSqrtBc2, wd, b1, b2, eps);
    for (let k = 1; k < grads.length; k++) {
      const [mk, vk] = this.moments(k);
      adamKernel(this.parameter(k), grads[k]!, mk, vk, stepSize, invSqrtBc2, wd, b1, b2, eps);
    }
    while (Atomics.load(this.ctl, 1) !== this.generation) Atomics.wait(this.ctl, 1, Atomics.load(this.ctl, 1));
    big.set(this.p, this.split);
  }

  /** Stops the worker. */
  override async close(): Promise<void> {
    Atomics.store(this.ctl, 0, -1);
    Atomics.notify(this.ctl, 0);
    await this.worker.terminate();
  }
}
