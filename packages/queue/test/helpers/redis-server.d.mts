/** Debian's redis-server, if installed. */
export declare const REDIS_SERVER: string | undefined;
/** Why Redis tests are skipped, or undefined when they can run. */
export declare const REDIS_SKIP_REASON: string | undefined;

/** A real Redis on a free loopback port, in its own temporary directory. */
export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** Stops it (SIGTERM: with AOF on, Redis writes everything out first) and waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (with AOF on, with the same data). */
  start(): Promise<void>;
  /** Stops it and deletes its directory. */
  dispose(): Promise<void>;
}

/** Starts `redis-server` on 127.0.0.1 with a free port and a temporary directory (AOF with fsync always when `appendonly`). */
export declare function startRedisServer(options?: { appendonly?: boolean }): Promise<RedisServer>;
