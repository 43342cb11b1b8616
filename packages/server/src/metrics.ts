import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Admission } from './admission.js';

/** The server's Prometheus metrics, on a registry of its own (several servers can live in one process). */
export interface ServerMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  latency: Histogram<'route'>;
  chunks: Counter<'endpoint'>;
  songs: Counter<'endpoint'>;
  modelLoadSeconds: Gauge;
  /** Chunks per CLAP run (shared runs when cross-request batching is on), fed by `Refractor.onEncoderRun`. */
  encoderBatchSize: Histogram;
}

/** Buckets of `refractor_encoder_batch_size`: powers of two up to 64, the largest batch `pnpm bench:gpu` measures. */
export const ENCODER_BATCH_BUCKETS: readonly number[] = Object.freeze([1, 2, 4, 8, 16, 32, 64]);

/**
 * Creates the metrics: requests by route and status, latency, chunks and
 * songs scored, in-flight and queued scorings, model load time, CLAP run
 * sizes (`refractor_encoder_batch_size`), and the
 * process defaults (RSS, heap, event loop lag, GC).
 *
 * @example
 * ```ts
 * const metrics = createMetrics(admission);
 * reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
 * ```
 */
export function createMetrics(admission: Admission): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({
    name: 'refractor_scorings_in_flight',
    help: 'Scorings running now',
    registers,
    collect() {
      this.set(admission.running);
    },
  });
  new Gauge({
    name: 'refractor_scorings_queued',
    help: 'Requests waiting for a scoring slot',
    registers,
    collect() {
      this.set(admission.queued);
    },
  });
  return {
    registry,
    requests: new Counter({ name: 'refractor_http_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['route', 'method', 'status'], registers }),
    latency: new Histogram({
      name: 'refractor_http_request_duration_seconds',
      help: 'Time from request to response, by route',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    chunks: new Counter({ name: 'refractor_chunks_scored_total', help: 'Song chunks run through CLAP (and the CDM when scoring)', labelNames: ['endpoint'], registers }),
    songs: new Counter({ name: 'refractor_songs_scored_total', help: 'Files scored or embedded successfully', labelNames: ['endpoint'], registers }),
    modelLoadSeconds: new Gauge({ name: 'refractor_model_load_seconds', help: 'Seconds it took to load the models at start', registers }),
    encoderBatchSize: new Histogram({
      name: 'refractor_encoder_batch_size',
      help: 'Chunks per CLAP encoder run; above 1 when cross-request batching puts chunks of concurrent requests (or a batch size above 1) in one run',
      buckets: [...ENCODER_BATCH_BUCKETS],
      registers,
    }),
  };
}
