/**
 * torch.optim.Adam (amsgrad=False, maximize=False) with its L2-style
 * weight_decay: the decay is ADDED TO THE GRADIENT before the moments
 * (unlike AdamW, which decays the weights directly). Moments are float32,
 * as torch keeps them for float32 parameters.
 */

/** Adam's hyper-parameters (torch's defaults except lr). */
export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

/**
 * One tensor's update, in place. Written as plain JS with no outside
 * references so the parallel variant can ship its source to a worker.
 * torch: g += wd·p; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 * p −= step_size · m / (√v / √(1−β2^t) + eps), step_size = lr / (1−β1^t).
 */
export function adamKernel(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  stepSize: number,
  invSqrtBc2: number,
  wd: number,
  b1: number,
  b2: number,
  eps: number,
): void {
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    // fround: the float32 values torch holds between its ops.
    const gi = Math.fround(g[i]! + wd * p[i]!);
    const mi = Math.fround(b1 * m[i]! + c1 * gi);
    m[i] = mi;
    const vi = Math.fround(b2 * v[i]! + c2 * gi * gi);
    v[i] = vi;
    p[i] = p[i]! - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
  }
}

/** {@link adamKernel}'s source, for a worker (esbuild/tsup keep function bodies as written, minus types). */
export const ADAM_KERNEL_SOURCE = adamKernel.toString();

/** Adam over a fixed list of parameter tensors, updated in place. */
export class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;

  /**
   * @example
   * ```ts
   * const adam = new Adam(params, { lr: 3e-4, weightDecay: 1e-3 });
   * adam.step(grads); // params updated in place
   * ```
   */
  constructor(
    private readonly params: Float32Array[],
    private readonly options: AdamOptions,
    allocate: (n: number) => Float32Array = (n) => new Float32Array(n),
  ) {
    this.m = params.map((p) => allocate(p.length));
    this.v = params.map((p) => allocate(p.length));
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
  }

  /** One update with these gradients (same order and sizes as the parameters). */
  step(grads: readonly Float32Array[]): void {
    this.t += 1;
    this.update(grads, this.options.lr / (1 - this.beta1 ** this.t), 1 / Math.sqrt(1 - this.beta2 ** this.t));
  }

  protected update(grads: readonly Float32Array[], stepSize: number, invSqrtBc2: number): void {
    for (let k = 0; k < this.params.length; k++) {
      adamKernel(this.params[k]!, grads[k]!, this.m[k]!, this.v[k]!, stepSize, invSqrtBc2, this.weightDecay, this.beta1, this.beta2, this.eps);
    }
  }

  protected parameter(k: number): Float32Array {
    return this.params[k]!;
  }

  protected moments(k: number): [Float32Array, Float32Array] {
    return [this.m[k]!, this.v[k]!];
  }

  protected hyper(): [number, number, number, number] {
    return [this.weightDecay, this.beta1, this.beta2, this.eps];
  }

  /** Releases resources (none here). */
  async close(): Promise<void> {}
}
