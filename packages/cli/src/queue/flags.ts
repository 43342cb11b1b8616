import { Option } from 'commander';
import { DEFAULT_QUEUE, DEFAULT_REDIS_URL } from '@refractor/queue';

/** Where the queue lives, as every queue command takes it. */
export interface QueueFlags {
  redis: string;
  queue: string;
}

/** `--redis <url>` (default $REFRACTOR_REDIS_URL, then the local server) and `--queue <name>`. */
export function queueOptions(): Option[] {
  return [
    new Option('--redis <url>', 'the Redis server holding the queue (redis://[user:password@]host:port[/db], rediss:// for TLS)')
      .env('REFRACTOR_REDIS_URL')
      .default(DEFAULT_REDIS_URL),
    new Option('--queue <name>', 'queue name; one queue serves one model set').default(DEFAULT_QUEUE),
  ];
}

