/** How long aborted work may take to notice its abort before its scoring slot is taken back anyway. */
export const ABANDON_GRACE_MS = 5000;

/**
 * Settles as `work` does, unless `signal` aborts and `work` is still running
 * `graceMs` later: then it rejects with the abort reason and calls
 * `onAbandon`. Every wait inside a request is meant to end on the abort; this
 * bound is what guarantees that a request which ended (deadline, client gone)
 * gives its scoring slot back even if some wait was missed.
 *
 * @example
 * ```ts
 * const release = await admission.acquire(signal);
 * try {
 *   return await settleWithin(score(), signal, ABANDON_GRACE_MS, () => log.error('scoring ignored its abort'));
 * } finally {
 *   release();
 * }
 * ```
 */
export function settleWithin<T>(work: Promise<T>, signal: AbortSignal, graceMs: number, onAbandon: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => {
        onAbandon();
        reject(signal.reason);
      }, graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  });
}
