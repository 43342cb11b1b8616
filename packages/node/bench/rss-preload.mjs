// Preloaded into a measured child (`node --import`): on exit, writes the process's peak RSS (kB)
// to $REFRACTOR_BENCH_RSS_FILE. resourceUsage().maxRSS covers every thread of the process.
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env.REFRACTOR_BENCH_RSS_FILE;
if (file && isMainThread) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
