import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import { checkCandidates, featureSettings } from '@refractor/node';
import { isUrl, queueError, QueueUnreachableError, RefractorQueue, type AddReport, type Batch, type BatchInfo, type CandidateJobSettings, type JobFeatureSettings, type SongJobSettings } from '@refractor/queue';
import type { CommandContext } from '../context.js';
import { chunkingOptions, colorRuleOption, cropOptions, featureOptionsOf, integerParser, targetsOption, type ChunkingFlags, type ColorFlags, type CropFlags } from '../options.js';
import { createProgress } from '../progress.js';
import { candidatesBatch, datasetBatch, readInputList, scoreBatch } from '../queue/add-jobs.js';
import { queueOptions, type QueueFlags } from '../queue/flags.js';
import { outName } from '../atomic.js';
import { writeJsonl, writeNpz, type WrittenResults } from '../queue/write-results.js';
import { readCandidatesFile } from '@refractor/node/io';
import { CANDIDATE_HINTS, candidateOptions, wantsCandidates, type CandidateFlags } from '../score/run-candidates.js';
import { parseTarget } from './score.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const FLEET_HELP = `
A fleet: start Redis (with persistence: redis-server --appendonly yes), then on
every machine that sees the same files (or for URL inputs, any machine)
  refractor worker --redis redis://HOST:6379 --models default
and from anywhere
  batch=$(refractor queue add songs/ --redis redis://HOST:6379)
  refractor queue status --redis redis://HOST:6379 --batch "$batch"
  refractor queue results --redis redis://HOST:6379 --batch "$batch" --wait --out results.jsonl`;

/**
 * `refractor queue add | status | results | remove`: the job client of a
 * Redis/BullMQ queue that `refractor worker` processes on any number of machines.
 *
 * @example
 * ```sh
 * refractor queue add songs/ https://example.org/a.ogg --redis redis://10.0.0.5:6379 --concept "A song about the past"
 * refractor queue results --out results.jsonl --wait
 * ```
 */
export function queueCommand(context: CommandContext): Command {
  const queue = new Command('queue')
    .description('score a catalog on many machines: add jobs to a Redis queue that `refractor worker` processes, follow them, collect the results in input order')
    .addHelpText('after', FLEET_HELP);
  for (const subcommand of [addCommand(context), statusCommand(context), resultsCommand(context), removeCommand(context)]) {
    queue.addCommand(subcommand.exitOverride().showHelpAfterError('(run with --help for usage)'));
  }
  return queue;
}

/**
 * Opens the queue; the connection error is the command's error. Redis not
 * answering (down, cut off, slower than --redis-timeout) is
 * `queue-unreachable`: exit status 3, the URL's password hidden.
 */
async function withQueue<T>(flags: QueueFlags, work: (queue: RefractorQueue) => Promise<T>): Promise<T> {
  const queue = await RefractorQueue.open(flags.redis, { queue: flags.queue, timeoutMs: flags.redisTimeout });
  try {
    return await work(queue);
  } catch (error) {
    const mapped = queueError(error, flags.redis);
    // No goodbye to a Redis that does not answer: close() would wait for it.
    if (mapped instanceof QueueUnreachableError) queue.redis.disconnect();
    throw mapped;
  } finally {
    await queue.close();
  }
}

/** The batch a command is about: the one named, else the newest. */
async function pickBatch(queue: RefractorQueue, id: string | undefined, context: CommandContext): Promise<BatchInfo> {
  if (id !== undefined) {
    const batch = await queue.batch(id);
    if (!batch) throw new Error(`queue "${queue.name}" holds no batch ${id} (\`refractor queue status\` lists them)`);
    return batch;
  }
  const batches = await queue.batches();
  const newest = batches.at(-1);
  if (!newest) throw new Error(`queue "${queue.name}" holds no batches; add one with \`refractor queue add\``);
  if (batches.length > 1) context.err(`using the newest batch ${newest.id} of ${batches.length} (pick one with --batch)`);
  return newest;
}

interface AddFlags extends QueueFlags, ChunkingFlags, CropFlags, ColorFlags, Omit<CandidateFlags, 'baseModel'> {
  inputList?: string;
  extract?: string;
  concept?: string;
  conceptFile?: string;
  target?: string;
  attempts: number;
  backoff: number;
  retryFailed: boolean;
}

function addCommand(context: CommandContext): Command {
  const command = new Command('add')
    .summary('add one job per input (or per song of a dataset with --extract)')
    .description(
      'add one scoring job per input: files, directories and globs (paths every worker can read, e.g. a shared file system) ' +
        'or http(s) URLs that workers download. A job is named by the sha256 of the file and the settings, so work already ' +
        'queued or done is not repeated. Prints the batch id (stdout); `queue results` returns the results in this order.',
    )
    .argument('[inputs...]', 'audio files, directories, glob patterns or http(s) URLs')
    .option('--input-list <file>', 'read more inputs from a file: one path or URL per line (# comments), or a JSON array of strings (for catalogs too long for a command line)')
    .option('--extract <dataset>', '`refractor extract` on the queue: one embedding job per song of a labeled dataset (folder or CSV, as extract reads it); `queue results --out x.npz` merges them')
    .option('--concept <text>', "the songs' concept text (default: none, i.e. zeros as the original)")
    .option('--concept-file <file>', 'read the concept text from a file')
    .addOption(new Option('--target <color>', 'a target color (name or letter): adds chromatic match and drift').argParser(parseTarget))
    .addOption(new Option('--attempts <n>', 'tries per job for transient failures (fetch, I/O); bad audio fails at once').argParser(integerParser(1)).default(5))
    .addOption(new Option('--backoff <ms>', 'first retry delay, doubled on each further try').argParser(integerParser(0)).default(2000))
    .option('--retry-failed', "put this batch's jobs that failed for good back in the queue (e.g. after an outage outlasted their attempts)", false)
    .addHelpText(
      'after',
      '\nExit status: 0 all inputs queued; 1 some could not be read (recorded in the batch as errors); 2 usage error; ' +
        '3 Redis did not answer (nothing or part of the batch was added: run the same command again, it adds only what is missing).',
    );
  // The candidate options of `refractor score` (the base model itself is the workers' --base-model).
  const candidates = candidateOptions().filter((option) => option.long !== '--base-model');
  for (const option of [...queueOptions(), ...chunkingOptions(), ...cropOptions(), targetsOption(), colorRuleOption(), ...candidates]) command.addOption(option);
  return command.action(async (inputs: string[], flags: AddFlags) => {
    if (flags.concept !== undefined && flags.conceptFile !== undefined) {
      command.error('error: use either --concept or --concept-file, not both', { exitCode: 2, code: 'refractor.conflict' });
    }
    const listed = flags.inputList !== undefined ? await readInputList(flags.inputList) : [];
    const all = [...inputs, ...listed];
    if (flags.extract !== undefined && (all.length > 0 || flags.concept !== undefined || flags.conceptFile !== undefined || flags.target !== undefined)) {
      command.error('error: --extract takes the songs, concepts and colors from the dataset; give no inputs, --concept or --target with it', { exitCode: 2, code: 'refractor.conflict' });
    }
    if (flags.extract === undefined && all.length === 0 && flags.candidates === undefined) {
      command.error('error: give inputs, --input-list <file>, --candidates <file> or --extract <dataset>', { exitCode: 2, code: 'refractor.usage' });
    }
    if (flags.lyric !== undefined && flags.lyricFile !== undefined) {
      command.error('error: use either --lyric or --lyric-file, not both', { exitCode: 2, code: 'refractor.conflict' });
    }
    const features: JobFeatureSettings = { ...featureSettings(featureOptionsOf(flags)), crop: flags.crop };
    let batch: Batch;
    if (flags.extract !== undefined) {
      batch = await datasetBatch(flags.extract, features);
    } else if (await wantsCandidates(all.filter((input) => !isUrl(input)), flags)) {
      // As `refractor score`: any MIDI input or a candidate flag makes every input a candidate.
      const concept = flags.conceptFile !== undefined ? (await readFile(flags.conceptFile, 'utf8')).trim() : flags.concept;
      const lyric = flags.lyricFile !== undefined ? (await readFile(flags.lyricFile, 'utf8')).trim() : flags.lyric;
      const settings: CandidateJobSettings = { concept: concept ?? null, sounds_like: flags.soundsLike, crop: flags.crop, seed: flags.seed, targets: flags.targets };
      const fromFile = flags.candidates !== undefined ? await readCandidatesFile(flags.candidates) : [];
      batch = await candidatesBatch(all, fromFile, lyric, { ...settings, rank: flags.rank });
      // The check `refractor score` runs, with its words: such a job could only fail on a worker. The workers'
      // models are not known here, so only the concept can be missing.
      const queued = batch.entries.flatMap((entry) => (entry.data?.task === 'candidate' ? [entry.data.input] : []));
      const problem = checkCandidates(queued, { concept, baseLoaded: true, ...CANDIDATE_HINTS });
      if (problem) {
        context.fail(problem.field, problem.message);
        return;
      }
    } else {
      const concept = flags.conceptFile !== undefined ? (await readFile(flags.conceptFile, 'utf8')).trim() : flags.concept;
      const settings: SongJobSettings = { ...features, concept: concept ?? null, target: flags.target ?? null, targets: flags.targets, color_rule: flags.colorRule };
      batch = await scoreBatch(all, settings);
    }
    const report: AddReport = await withQueue(flags, (queue) => queue.addBatch(batch, { attempts: flags.attempts, backoffMs: flags.backoff, retryFailed: flags.retryFailed }));
    for (const entry of batch.entries) if (!entry.data && entry.item.error) context.fail('not queued', entry.item.error.message);
    context.out(report.batch);
    context.err(
      `${report.existing ? 'batch already queued' : 'queued batch'} ${report.batch}: ${plural(report.inputs, 'input')}, ${plural(report.jobs, 'job')} ` +
        `(${report.added} new, ${report.jobs - report.added} already queued or done)${report.failed ? `, ${report.failed} not queued` : ''}` +
        `${report.retried ? `; ${report.retried} failed jobs queued again` : ''}`,
    );
  });
}

function statusCommand(context: CommandContext): Command {
  const command = new Command('status')
    .summary('job counts, workers and throughput')
    .description('show the waiting, active, delayed (retrying), completed and failed job counts, live workers, jobs per second, and the batches with their progress')
    .option('--batch <id>', 'only this batch')
    .option('--json', 'print one JSON document instead of text', false);
  for (const option of queueOptions()) command.addOption(option);
  return command.action(async (flags: QueueFlags & { batch?: string; json: boolean }) => {
    await withQueue(flags, async (queue) => {
      const status = await queue.status();
      const batches = flags.batch !== undefined ? [await pickBatch(queue, flags.batch, context)] : await queue.batches();
      const progress = await Promise.all(batches.map((batch) => queue.progress(batch.id)));
      if (flags.json) {
        context.out(JSON.stringify({ ...status, batches: progress }, null, 2));
        return;
      }
      const c = status.counts;
      context.out(`queue ${status.queue} (models ${status.models ?? 'not set yet'}), ${plural(status.workers, 'worker')}`);
      context.out(`  waiting ${c.waiting}  active ${c.active}  delayed ${c.delayed}  completed ${c.completed}  failed ${c.failed}`);
      context.out(`  throughput ${status.throughput.last_1m.toFixed(2)} jobs/s (last minute), ${status.throughput.last_5m.toFixed(2)} jobs/s (last 5 minutes)`);
      for (const entry of progress) {
        if (!entry) continue;
        const done = entry.completed + entry.failed;
        context.out(
          `  batch ${entry.batch.id} (${entry.batch.task}, ${new Date(entry.batch.created).toISOString()}): ${done}/${entry.batch.count} done ` +
            `(${entry.completed} results, ${entry.failed} errors), ${entry.pending} pending` +
            (entry.missing ? `, ${entry.missing} missing (their jobs are gone from Redis: run the same \`refractor queue add\` again to queue exactly these)` : ''),
        );
        for (const file of entry.missingInputs) context.out(`    missing: ${file}`);
        if (entry.missing > entry.missingInputs.length) context.out(`    … and ${entry.missing - entry.missingInputs.length} more`);
      }
    });
  });
}

interface ResultsFlags extends QueueFlags {
  out?: string;
  batch?: string;
  wait: boolean;
  remove: boolean;
  compress: boolean;
  pollMs: number;
}

function resultsCommand(context: CommandContext): Command {
  const command = new Command('results')
    .summary('write one result or error per input, in input order')
    .description(
      'write a batch\'s results (to stdout, or atomically to --out): for a scoring batch one JSON line per input in input order (a song\'s record as `refractor score --format jsonl` ' +
        'writes it, byte for byte; a candidate\'s plus content_sha256; or { file, error: { code, message } }; candidates ranked with --rank carry their rank); ' +
        'for an --extract batch the .npz that `refractor extract` writes. ' +
        'Results stay in Redis until --remove.',
    )
    .option(
      '-o, --out <file>',
      'where to write (JSONL, or .npz for an extract batch): a file (written beside its target and renamed into place; a link is kept and its target replaced), ' +
        '- for stdout, or a device or FIFO (written in place) (default: stdout)',
    )
    .option('--batch <id>', 'the batch (default: the newest)')
    .option('--wait', 'wait until every job of the batch has finished (default: fail when some are pending)', false)
    .option('--remove', 'after writing, delete the batch and its jobs (those no other batch names) from Redis', false)
    .option('--compress', 'extract batches: deflate the arrays, as np.savez_compressed', false)
    .addOption(new Option('--poll-ms <ms>', 'with --wait: how often to look').argParser(integerParser(50)).default(1000).hideHelp())
    .addHelpText('after', '\nExit status: 0 every input has a result; 1 some inputs failed (errors in the file and on stderr), or jobs are pending without --wait; 2 usage error; 3 Redis did not answer (with --wait: only when connecting).');
  for (const option of queueOptions()) command.addOption(option);
  return command.action(async (flags: ResultsFlags) => {
    const out = flags.out ?? '-';
    const where = outName(out);
    await withQueue(flags, async (queue) => {
      // With --wait, a Redis that stops answering (restart, partition) is waited out, at any step before writing:
      // the connection comes back by itself, so keep asking.
      let outage = false;
      const patiently = async <T>(read: () => Promise<T>): Promise<T> => {
        for (;;) {
          try {
            const value = await read();
            outage = false;
            return value;
          } catch (error) {
            if (!flags.wait || !(queueError(error, flags.redis) instanceof QueueUnreachableError)) throw error;
            if (!outage) context.err(`refractor: redis: ${(error as Error).message}; still waiting`);
            outage = true;
            await sleep(flags.pollMs);
          }
        }
      };
      const batch = await patiently(() => pickBatch(queue, flags.batch, context));
      if (batch.task === 'embed' && flags.out === undefined && process.stdout.isTTY) {
        command.error('error: an extract batch is a binary .npz: pass --out <file.npz> (or --out - to send it to a terminal anyway)', { exitCode: 2, code: 'refractor.usage' });
      }
      let progress = await patiently(() => queue.progress(batch.id));
      if (progress!.pending > 0 && flags.wait) {
        const bar = createProgress(`batch ${batch.id}`, batch.count);
        while (progress!.pending > 0) {
          bar.update(progress!.completed + progress!.failed);
          await sleep(flags.pollMs);
          progress = await patiently(() => queue.progress(batch.id));
        }
        bar.stop();
      }
      if (progress!.pending > 0) {
        context.fail(batch.id, `${progress!.pending} of ${plural(batch.count, 'input')} still pending; nothing written (wait with --wait, or see \`refractor queue status\`)`);
        return;
      }
      let written: WrittenResults;
      if (batch.task === 'embed') {
        const npz = await writeNpz(queue, batch.id, out, { compress: flags.compress });
        for (const skip of npz.skipped) context.fail(skip.id, skip.message);
        if (npz.results === 0) {
          context.fail(batch.id, 'no song could be extracted; nothing written');
          return;
        }
        written = npz;
        context.err(`wrote ${where} (${plural(npz.rows!, 'row')} from ${plural(npz.results, 'song')}${npz.skipped.length ? `; ${npz.skipped.length} skipped` : ''})`);
      } else {
        written = await writeJsonl(queue, batch.id, out);
        for (const { error } of written.errors) context.fail(error.code, error.message);
        context.err(`wrote ${where} (${plural(written.results, 'result')}, ${plural(written.errors.length, 'error')}, batch ${batch.id})`);
      }
      if (flags.remove) {
        const { jobsRemoved } = await queue.removeBatch(batch.id);
        context.err(`removed batch ${batch.id} and ${plural(jobsRemoved, 'job')} from Redis`);
      }
    });
  });
}

function removeCommand(context: CommandContext): Command {
  const command = new Command('remove')
    .summary('delete a batch and its results from Redis')
    .description('delete a batch and the jobs (with their results) that no other batch names')
    .requiredOption('--batch <id>', 'the batch');
  for (const option of queueOptions()) command.addOption(option);
  return command.action(async (flags: QueueFlags & { batch: string }) => {
    await withQueue(flags, async (queue) => {
      const batch = await pickBatch(queue, flags.batch, context);
      const { jobsRemoved } = await queue.removeBatch(batch.id);
      context.err(`removed batch ${batch.id} and ${plural(jobsRemoved, 'job')}`);
    });
  });
}
