// Preloaded into a measured child (`node --import`): on exit, writes the process's peak RSS (kB)
// and CPU time (µs, all threads) as JSON to $REFRACTOR_BENCH_RSS_FILE. resourceUsage() covers
// every thread of the process, the featurize worker included.
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env.REFRACTOR_BENCH_RSS_FILE;
if (file && isMainThread) {
  process.on('exit', () => {
    const { maxRSS, userCPUTime, systemCPUTime } = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRSS, cpuUs: userCPUTime + systemCPUTime }));
  });
}
