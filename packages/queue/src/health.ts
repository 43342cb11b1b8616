import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a worker says of itself, as `GET /healthz` returns it (JSON). */
export interface WorkerHealth {
  /** Redis answered a PING within `readyWithinMs`: the worker can take and finish jobs. */
  ready: boolean;
  /** The worker loop made progress within `liveWithinMs` (see {@link HealthTracker}). */
  live: boolean;
  /** Milliseconds since Redis last answered a PING (null: never). */
  redisAnsweredMsAgo: number | null;
  /** Milliseconds since the worker loop last made progress. */
  progressMsAgo: number;
  /** Jobs in progress. */
  active: number;
  /** Jobs finished (completed or failed) by this process. */
  finished: number;
  /** The worker is closing or closed. */
  closing: boolean;
}

/** Time windows of {@link HealthTracker}. */
export interface HealthWindows {
  /**
   * Ready while Redis answered a PING within this window (default 5000 ms).
   * @defaultValue `5000`
   */
  readyWithinMs?: number;
  /**
   * Live while the worker loop made progress within this window (default 60 000 ms).
   * @defaultValue `60_000`
   */
  liveWithinMs?: number;
}

/**
 * Keeps a worker's health from what it does. Progress is a job started or
 * finished, a job's lock renewed (a long job is alive and still connected),
 * the queue found empty, or, while no job runs, Redis answering a PING. So a
 * worker is not live when it has been cut off from Redis for longer than
 * `liveWithinMs`, or when its jobs stopped renewing their locks; and when its
 * event loop is blocked, the health server does not answer at all.
 */
export class HealthTracker {
  private lastPong: number | undefined;
  private lastProgress = performance.now();
  private activeJobs = 0;
  private finishedJobs = 0;
  private closing = false;
  readonly readyWithinMs: number;
  readonly liveWithinMs: number;

  constructor(windows: HealthWindows = {}) {
    this.readyWithinMs = windows.readyWithinMs ?? 5000;
    this.liveWithinMs = windows.liveWithinMs ?? 60_000;
  }

  /** Redis answered a PING. */
  pong(): void {
    this.lastPong = performance.now();
    if (this.activeJobs === 0) this.progress();
  }
  /** The worker loop did something. */
  progress(): void {
    this.lastProgress = performance.now();
  }
  jobStarted(): void {
    this.activeJobs += 1;
    this.progress();
  }
  jobFinished(): void {
    this.activeJobs = Math.max(0, this.activeJobs - 1);
    this.finishedJobs += 1;
    this.progress();
  }
  close(): void {
    this.closing = true;
  }

  /** The worker's health now. */
  health(): WorkerHealth {
    const now = performance.now();
    const pongAgo = this.lastPong === undefined ? null : Math.round(now - this.lastPong);
    const progressAgo = Math.round(now - this.lastProgress);
    return {
      ready: !this.closing && pongAgo !== null && pongAgo <= this.readyWithinMs,
      live: !this.closing && progressAgo <= this.liveWithinMs,
      redisAnsweredMsAgo: pongAgo,
      progressMsAgo: progressAgo,
      active: this.activeJobs,
      finished: this.finishedJobs,
      closing: this.closing,
    };
  }
}

/** A running health endpoint. */
export interface HealthServer {
  /** The port it listens on (the one asked for, or the one the system chose for 0). */
  port: number;
  host: string;
  close(): Promise<void>;
}

/**
 * A tiny HTTP endpoint for an orchestrator's probes:
 * - `GET /readyz`: 200 when the worker is ready (Redis answered lately), else 503;
 * - `GET /livez`: 200 when the worker loop made progress lately, else 503 (restart it);
 * - `GET /healthz`: 200 when both, else 503;
 * each with the {@link WorkerHealth} as JSON. Anything else is 404.
 *
 * @example
 * ```ts
 * const server = await startHealthServer(() => worker.health(), { port: 9464, host: '0.0.0.0' });
 * // curl -fsS http://127.0.0.1:9464/readyz
 * await server.close();
 * ```
 */
export async function startHealthServer(health: () => WorkerHealth, options: { port: number; host?: string }): Promise<HealthServer> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const state = health();
    const ok = path === '/readyz' ? state.ready : path === '/livez' ? state.live : path === '/healthz' ? state.ready && state.live : undefined;
    if (ok === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /readyz, /livez or /healthz\n');
      return;
    }
    response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(request.method === 'HEAD' ? undefined : `${JSON.stringify(state)}\n`);
  });
  // Probes must not keep a worker alive that is otherwise done.
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
