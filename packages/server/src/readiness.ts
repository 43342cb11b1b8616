import type { Admission } from './admission.js';
import type { ModelHolder } from './models.js';

/** What `/readyz` answers. */
export interface Readiness {
  statusCode: 200 | 503;
  body: { status: 'ready' | 'loading' | 'failed' | 'stalled'; models?: string; message?: string };
  /** Seconds for `Retry-After`, when retrying soon may help. */
  retryAfter?: number;
}

/**
 * Ready means a scoring request sent now can be served: the models are
 * loaded, and not every scoring slot is held by a request already past the
 * time limit (work that stopped making progress). A load balancer then sends
 * traffic elsewhere instead of to a server that would only answer 503.
 *
 * @example
 * ```ts
 * const { statusCode, body } = readiness(models, admission, limits.timeoutMs);
 * ```
 */
export function readiness(models: ModelHolder, admission: Admission, timeoutMs: number): Readiness {
  const state = models.state;
  if (state === 'loading') return { statusCode: 503, body: { status: 'loading' }, retryAfter: 2 };
  if (state === 'failed') return { statusCode: 503, body: { status: 'failed', message: models.error!.message.split('\n')[0]! } };
  const stuck = admission.heldLongerThan(timeoutMs);
  if (stuck >= admission.concurrency) {
    return {
      statusCode: 503,
      body: { status: 'stalled', message: `all ${admission.concurrency} scoring slots are held by requests past the ${timeoutMs / 1000} s limit` },
      retryAfter: 5,
    };
  }
  return { statusCode: 200, body: { status: 'ready', models: models.get().modelSet.name } };
}
