import { Command, Option } from 'commander';
import { redact } from '@refractor/queue';
import { startWorker, DEFAULT_FETCH_LIMITS } from '@refractor/queue/worker';
import type { CommandContext } from '../context.js';
import { batchingOptions, loadRefractor, modelOptions, type ModelFlags } from '../load-models.js';
import { integerParser } from '../options.js';
import { queueOptions, type QueueFlags } from '../queue/flags.js';

interface WorkerFlags extends ModelFlags, QueueFlags {
  concurrency: number;
  lockDuration: number;
  stalledInterval: number;
  maxStalled: number;
  fetchMaxBytes: number;
  fetchTimeout: number;
  healthPort?: number;
  healthHost: string;
  healthReadyWithin: number;
  healthLiveWithin: number;
}

/**
 * Test hook: the worker SIGKILLs itself when its n-th job has started (the
 * job active, its lock held), which is what a machine dying mid-job looks like.
 */
const CRASH_AFTER_START_ENV = 'REFRACTOR_WORKER_CRASH_AFTER_START';

/**
 * `refractor worker`: processes the jobs of a queue with one loaded model
 * set until SIGTERM/SIGINT, which let the jobs in progress finish first
 * (a second signal stops at once; those jobs go to another worker).
 *
 * @example
 * ```sh
 * refractor worker --redis redis://10.0.0.5:6379 --models default --concurrency 2
 * ```
 */
export function workerCommand(context: CommandContext): Command {
  const command = new Command('worker')
    .description(
      'process queued jobs (see `refractor queue`) with one loaded model set, on as many machines as you like; ' +
        'logs one line per job on stderr; SIGTERM or SIGINT finishes the jobs in progress, then exits',
    )
    .addOption(new Option('--concurrency <n>', 'jobs processed at once by this process (they share the models; each decodes on its own thread). Also the most songs whose chunks can share a CLAP run with --batching: raise it on a GPU').argParser(integerParser(1)).default(1))
    .addOption(new Option('--lock-duration <ms>', 'how long a job stays locked without renewal: a dead worker\'s jobs are taken over after this').argParser(integerParser(100)).default(30_000))
    .addOption(new Option('--stalled-interval <ms>', 'how often to look for jobs of dead workers').argParser(integerParser(100)).default(30_000))
    .addOption(new Option('--max-stalled <n>', 'how often a job may lose its worker before it fails for good').argParser(integerParser(0)).default(2))
    .addOption(new Option('--fetch-max-bytes <n>', 'URL inputs: largest download accepted').argParser(integerParser(1)).default(DEFAULT_FETCH_LIMITS.maxBytes))
    .addOption(new Option('--fetch-timeout <ms>', 'URL inputs: time limit per download').argParser(integerParser(1)).default(DEFAULT_FETCH_LIMITS.timeoutMs))
    .addOption(
      new Option('--health-port <port>', 'serve GET /readyz (Redis answers), /livez (the worker makes progress) and /healthz (both) on this port: 200, or 503 for an orchestrator to act on (0: any free port, logged)').argParser(
        integerParser(0),
      ),
    )
    .addOption(new Option('--health-host <address>', 'the health endpoint\'s address (0.0.0.0 for probes from other hosts)').default('127.0.0.1'))
    .addOption(new Option('--health-ready-within <ms>', 'ready while Redis answered a PING within this time').argParser(integerParser(100)).default(5000))
    .addOption(new Option('--health-live-within <ms>', 'live while the worker made progress within this time (a job started, finished or renewed its lock; or, idle, Redis answered)').argParser(integerParser(100)).default(60_000))
    .addOption(new Option('--base-model <path>', 'the base Refractor model (refractor.onnx) for MIDI candidates (default: refractor.onnx in the model directory, if there)'))
    .addHelpText('after', '\nExit status: 0 after a clean shutdown; 1 when the models cannot be loaded or the queue serves another model set.\nA worker started before Redis waits for it (and logs that it is retrying).');
  for (const option of [...queueOptions(), ...modelOptions(), ...batchingOptions('--concurrency')]) command.addOption(option);
  return command.action(async (flags: WorkerFlags) => {
    const refractor = await loadRefractor(flags, context);
    const log = (line: string) => context.err(`${new Date().toISOString()} ${line}`);
    const crashAfter = Number(process.env[CRASH_AFTER_START_ENV] ?? 0);
    let startedJobs = 0;
    let worker;
    try {
      worker = await startWorker(refractor, {
        redis: flags.redis,
        queue: flags.queue,
        concurrency: flags.concurrency,
        redisTimeoutMs: flags.redisTimeout,
        ...(flags.healthPort !== undefined ? { healthPort: flags.healthPort } : {}),
        healthHost: flags.healthHost,
        healthReadyWithinMs: flags.healthReadyWithin,
        healthLiveWithinMs: flags.healthLiveWithin,
        lockDurationMs: flags.lockDuration,
        stalledIntervalMs: flags.stalledInterval,
        maxStalledCount: flags.maxStalled,
        fetch: { maxBytes: flags.fetchMaxBytes, timeoutMs: flags.fetchTimeout },
        log,
        // -v: after each job, the CLAP runs since the last job and their sizes (is batching filling its runs?).
        ...(context.verbose ? { debug: log } : {}),
        onJobStart: () => {
          startedJobs += 1;
          if (crashAfter > 0 && startedJobs >= crashAfter) process.kill(process.pid, 'SIGKILL');
        },
      });
    } catch (error) {
      await refractor.close();
      throw error;
    }
    const health = worker.health();
    log(
      `ready: queue ${flags.queue} on ${redact(flags.redis)}, models ${refractor.modelSet.name}, concurrency ${flags.concurrency}, ` +
        `cross-request batching ${refractor.crossRequestBatching ? `on (max ${refractor.crossRequestBatching.maxBatch} chunks, ${refractor.crossRequestBatching.maxWaitMs} ms)` : 'off'}` +
        (health.port !== undefined ? `, health on http://${flags.healthHost}:${health.port}/healthz` : ''),
    );
    const running = worker;
    await new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        log(`${signal}: finishing the jobs in progress (send it again to stop at once)`);
        process.once(signal, () => process.exit(130));
        void running
          .close()
          .then(() => refractor.close())
          .then(resolve);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    log('stopped');
  });
}
