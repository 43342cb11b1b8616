import { Refractor } from '@refractor/node';
import { ApiError } from './errors.js';
import { loadOptionsOf, type ServerOptions } from './options.js';

/**
 * The models behind the server, loading in the background from the start:
 * requests that need them get `503` with `Retry-After` until they are ready
 * (and a clear `503` if loading failed); `/readyz` says which.
 */
export class ModelHolder {
  private refractor: Refractor | undefined;
  private failure: Error | undefined;
  /** Seconds the models took to load (once ready). */
  loadSeconds: number | undefined;
  /** Resolves when the models are ready; rejects if they cannot be loaded. */
  readonly ready: Promise<Refractor>;
  /** Whether the server owns (and so closes) the models. */
  private readonly owned: boolean;

  constructor(options: ServerOptions) {
    const started = performance.now();
    this.owned = typeof options.models !== 'object';
    this.ready = (
      typeof options.models === 'object'
        ? Promise.resolve(options.models)
        : Refractor.load(loadOptionsOf({ ...options, models: options.models as string | undefined }))
    ).then(
      (refractor) => {
        this.refractor = refractor;
        this.loadSeconds = (performance.now() - started) / 1000;
        return refractor;
      },
      (error: Error) => {
        this.failure = error;
        throw error;
      },
    );
    // Rejections are reported through /readyz and 503s; awaiting `ready` still sees them.
    this.ready.catch(() => undefined);
  }

  /** `loading`, `ready` or `failed`. */
  get state(): 'loading' | 'ready' | 'failed' {
    return this.refractor ? 'ready' : this.failure ? 'failed' : 'loading';
  }

  /** Why loading failed, if it did. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** The loaded models, or a `503` saying they are not there yet (or will not be). */
  get(): Refractor {
    if (this.refractor) return this.refractor;
    if (this.failure) throw new ApiError('models-unavailable', `the models failed to load: ${this.failure.message.split('\n')[0]}`);
    throw new ApiError('not-ready', 'the models are still loading; retry shortly (GET /readyz says when they are ready)', undefined, { 'retry-after': '2' });
  }

  /** Releases the models once loading has settled (only those the server loaded itself). */
  async close(): Promise<void> {
    const refractor = await this.ready.catch(() => undefined);
    if (refractor && this.owned) await refractor.close();
  }
}
