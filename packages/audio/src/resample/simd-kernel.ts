import type { KernelRun } from './kernels.js';
import type { PolyphaseTable } from './polyphase.js';
import { SIMD_KERNEL_BASE64 } from './simd-kernel-bytes.js';
import { decodeBase64, instantiateWasm, reserveMemory, type WasmMemory } from '../wasm.js';

/**
 * The resampler's dot products in WebAssembly SIMD (simd-kernel.wat): 0.30 → ~0.10 s of CPU for
 * a 4-minute 44.1 kHz song. Bit-identical to kernels.ts: it widens samples and coefficients to
 * float64 (exact) and keeps JS's float64 accumulators as f64x2 lanes, summed in JS's order.
 *
 * One instance per JS realm (thread), created on first use and shared by every resampler in it:
 * calls are synchronous, so they never interleave. Its memory holds the float64 copy of the last
 * table used (23 KiB × 2 for 44.1 kHz, at most ~5 MiB for an awkward rate), the history window
 * and one call's outputs; it grows as needed and is never returned (a few MiB at worst).
 */
interface KernelExports {
  memory: WasmMemory;
  exact(
    coef: number, hist: number, out: number, taps: number,
    phases: number, stepWhole: number, stepPhase: number, firstTap: number, phase: number, count: number,
  ): void;
  interpolated(
    coef: number, hist: number, out: number, taps: number, rowsPerSample: number,
    phases: number, stepWhole: number, stepPhase: number, firstTap: number, phase: number, count: number,
  ): void;
}

/** Runs one call of the kernels in WebAssembly memory; see {@link simdKernel}. */
export class SimdKernel {
  private loadedTable: PolyphaseTable | null = null;
  private f64: Float64Array;
  private f32: Float32Array;

  constructor(private readonly exports: KernelExports) {
    this.f64 = new Float64Array(exports.memory.buffer);
    this.f32 = new Float32Array(exports.memory.buffer);
  }

  /**
   * Writes `count` outputs to `out[outStart…]` exactly as convolveExact / convolveExactPairs /
   * convolveInterpolated would, reading `history[0 … historyLength)`.
   */
  convolve(
    table: PolyphaseTable,
    history: Float32Array,
    historyLength: number,
    run: KernelRun,
    out: Float32Array,
    outStart: number,
    count: number,
  ): void {
    if (count === 0) return;
    const taps = table.tapsPerPhase;
    // Layout, in float64 slots: [table][history from the first tap][outputs (float32)].
    const coefficientSlots = table.coefficients.length;
    const first = run.firstTap;
    const historySlots = historyLength - first;
    const histSlot = coefficientSlots;
    const outByte = (histSlot + historySlots) * 8;
    this.reserve(outByte + count * 4);
    if (this.loadedTable !== table) {
      this.f64.set(table.coefficients, 0); // float32 → float64, exact
      this.loadedTable = table;
    }
    this.f64.set(history.subarray(first, historyLength), histSlot);
    const { exports } = this;
    if (table.interpolated) {
      exports.interpolated(0, histSlot * 8, outByte, taps, table.rowsPerSample, run.phases, run.stepWhole, run.stepPhase, 0, run.phase, count);
    } else {
      exports.exact(0, histSlot * 8, outByte, taps, run.phases, run.stepWhole, run.stepPhase, 0, run.phase, count);
    }
    out.set(this.f32.subarray(outByte / 4, outByte / 4 + count), outStart);
  }

  /** Grows the memory to at least `bytes`, remaking the views if it grew. */
  private reserve(bytes: number): void {
    if (!reserveMemory(this.exports.memory, bytes)) return;
    this.f64 = new Float64Array(this.exports.memory.buffer);
    this.f32 = new Float32Array(this.exports.memory.buffer);
  }
}

let shared: SimdKernel | null | undefined;

/**
 * Instantiates the kernel from `bytes` (the checked-in module by default), or returns null where
 * this runtime cannot run it. Not cached: {@link simdKernel} is the shared instance.
 *
 * @example
 * createSimdKernel() !== null; // true on Node ≥ 16.4 and current browsers
 */
export function createSimdKernel(bytes: Uint8Array = decodeBase64(SIMD_KERNEL_BASE64)): SimdKernel | null {
  const exports = instantiateWasm(bytes);
  return exports ? new SimdKernel(exports as unknown as KernelExports) : null;
}

/**
 * This realm's SIMD kernel, or null where WebAssembly or its SIMD proposal is unavailable (old
 * browsers, Node < 16.4, a CSP that forbids compiling WebAssembly): callers then use the JS kernels,
 * which give the same bits.
 *
 * @example
 * const kernel = simdKernel(); // null → use kernels.ts
 */
export function simdKernel(): SimdKernel | null {
  if (shared === undefined) shared = createSimdKernel();
  return shared;
}
