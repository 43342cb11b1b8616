import { ApiError } from './errors.js';

interface Waiter {
  grant: () => void;
}

/**
 * Admission control for scorings: at most `concurrency` run at once, at most
 * `queue` wait (first come, first served), and the rest are refused at once
 * with `429` and a `Retry-After` estimated from recent scoring times. Waiting
 * costs nothing but a socket: the upload is not read until a slot is granted.
 *
 * @example
 * ```ts
 * const admission = new Admission(2, 32);
 * const release = await admission.acquire(requestSignal(request));
 * try { await work(); } finally { release(); }
 * ```
 */
export class Admission {
  private active = 0;
  private readonly waiters: Waiter[] = [];
  /** Exponentially weighted mean of recent scoring times, in seconds. */
  private meanSeconds = 1;
  private readonly idleWaiters: Array<() => void> = [];
  /** When each held slot was granted (performance.now()). */
  private readonly grantedAt = new Set<{ at: number }>();

  constructor(
    readonly concurrency: number,
    readonly queueLimit: number,
  ) {}

  /** Scorings running now. */
  get running(): number {
    return this.active;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Resolves once nothing runs or waits (at once if that is already so). */
  idle(): Promise<void> {
    if (this.active === 0 && this.waiters.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Slots held for longer than `ms` (for readiness: a request past its deadline still holding a slot). */
  heldLongerThan(ms: number): number {
    const now = performance.now();
    let count = 0;
    for (const slot of this.grantedAt) if (now - slot.at > ms) count += 1;
    return count;
  }

  /** Seconds a client refused now should wait before retrying (at least 1). */
  retryAfterSeconds(): number {
    const backlog = (this.waiters.length + 1) / this.concurrency;
    return Math.min(300, Math.max(1, Math.ceil(this.meanSeconds * backlog)));
  }

  /**
   * Waits for a slot and resolves to its release function (call it exactly
   * once). Rejects with a `429` {@link ApiError} when the queue is full, and
   * with the signal's reason when `signal` aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.concurrency) {
      this.active += 1;
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.queueLimit) {
      const seconds = this.retryAfterSeconds();
      return Promise.reject(
        new ApiError('busy', `the server is busy (${this.active} scoring, ${this.waiters.length} waiting); retry after ${seconds} s`, undefined, {
          'retry-after': String(seconds),
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** A one-shot release that hands the slot to the next waiter, and records how long the slot was held. */
  private releaser(): () => void {
    const slot = { at: performance.now() };
    this.grantedAt.add(slot);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.grantedAt.delete(slot);
      const seconds = (performance.now() - slot.at) / 1000;
      this.meanSeconds = 0.8 * this.meanSeconds + 0.2 * seconds;
      const next = this.waiters.shift();
      if (next) next.grant();
      else this.active -= 1;
      if (this.active === 0 && this.waiters.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
  }
}
