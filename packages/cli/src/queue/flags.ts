import { Option } from 'commander';
import { DEFAULT_QUEUE, DEFAULT_REDIS_TIMEOUT_MS, DEFAULT_REDIS_URL } from '@refractor/queue';
import { integerParser } from '../options.js';

/** Where the queue lives, as every queue command takes it. */
export interface QueueFlags {
  redis: string;
  queue: string;
  redisTimeout: number;
}

/** `--redis <url>` (default $REFRACTOR_REDIS_URL, then the local server), `--queue <name>` and `--redis-timeout <ms>`. */
export function queueOptions(): Option[] {
  return [
    new Option('--redis <url>', 'the Redis server holding the queue (redis://[user:password@]host:port[/db], rediss:// for TLS)')
      .env('REFRACTOR_REDIS_URL')
      .default(DEFAULT_REDIS_URL),
    new Option('--queue <name>', 'queue name; one queue serves one model set').default(DEFAULT_QUEUE),
    new Option(
      '--redis-timeout <ms>',
      'how long to wait for Redis (connecting, and each command) before giving up with exit status 3; a worker instead drops a connection silent this long (plus 10 s) and reconnects',
    )
      .argParser(integerParser(100))
      .default(DEFAULT_REDIS_TIMEOUT_MS),
  ];
}
