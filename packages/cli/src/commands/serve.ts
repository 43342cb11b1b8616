import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LIMITS, createServer, type ServerLimits } from '@refractor/server';
import type { CommandContext } from '../context.js';
import { batchingOptions, loadOptionsFromFlags, modelOptions, type ModelFlags } from '../load-models.js';
import { integerParser, parseSeconds } from '../options.js';

interface ServeFlags extends ModelFlags {
  host: string;
  port: number;
  token?: string;
  cors?: string[];
  logLevel: string;
  shutdownGrace: number;
  maxBodyMb: number;
  maxAudio: number;
  concurrency: number;
  queue: number;
  timeout: number;
  maxCandidates: number;
  maxTextChars: number;
  maxSoundsLike: number;
  maxFields: number;
  maxFieldBytes: number;
  maxHeaderBytes: number;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535) throw new InvalidArgumentError('expected a port number in 0–65535 (0: any free port)');
  return port;
}

function parseMegabytes(value: string): number {
  const mb = Number(value);
  if (value.trim() === '' || !Number.isFinite(mb) || mb <= 0) throw new InvalidArgumentError('expected a number of MiB > 0 (e.g. 200 or 0.5)');
  return mb;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), ...value.split(',').map((origin) => origin.trim()).filter(Boolean)];

/** The limit flags, each defaulting to the server's default. */
function limitOptions(): Option[] {
  const d = DEFAULT_LIMITS;
  return [
    new Option('--max-body-mb <MiB>', 'largest upload (raw body or whole form); beyond it 413').argParser(parseMegabytes).default(d.bodyBytes / 1024 / 1024),
    new Option('--max-audio <seconds>', 'longest audio per file, checked while decoding; beyond it 413').argParser(parseSeconds).default(d.audioSeconds),
    new Option('--concurrency <n>', 'scorings that run at once; the rest wait in the queue. Also the most songs whose chunks can share a CLAP run with --batching: raise it on a GPU (e.g. 16–32)').argParser(integerParser(1)).default(d.concurrency),
    new Option('--queue <n>', 'requests that may wait for a scoring slot; beyond it 429 with Retry-After').argParser(integerParser(0)).default(d.queue),
    new Option('--timeout <seconds>', 'per-request limit, from arrival to answer (queueing included); beyond it 503').argParser(parseSeconds).default(d.timeoutMs / 1000),
    new Option('--max-candidates <n>', 'file parts in one /v1/score/batch request').argParser(integerParser(1)).default(d.candidates),
    new Option('--max-text-chars <n>', 'characters in a concept, lyric or sounds-like text').argParser(integerParser(1)).default(d.textChars),
    new Option('--max-sounds-like <n>', 'entries in sounds_like').argParser(integerParser(1)).default(d.soundsLike),
    new Option('--max-fields <n>', 'non-file form fields in a multipart request').argParser(integerParser(1)).default(d.fields),
    new Option('--max-field-bytes <n>', 'bytes in one form field (and in a JSON body)').argParser(integerParser(1)).default(d.fieldBytes),
    new Option('--max-header-bytes <n>', 'bytes of HTTP request headers').argParser(integerParser(1024)).default(d.headerBytes),
  ];
}

function limitsFrom(flags: ServeFlags): Partial<ServerLimits> {
  return {
    bodyBytes: Math.round(flags.maxBodyMb * 1024 * 1024),
    audioSeconds: flags.maxAudio,
    concurrency: flags.concurrency,
    queue: flags.queue,
    timeoutMs: Math.round(flags.timeout * 1000),
    candidates: flags.maxCandidates,
    textChars: flags.maxTextChars,
    soundsLike: flags.maxSoundsLike,
    fields: flags.maxFields,
    fieldBytes: flags.maxFieldBytes,
    headerBytes: flags.maxHeaderBytes,
  };
}

/** Resolves on the first SIGTERM or SIGINT (and stops listening for them). */
function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

/**
 * `refractor serve`: the HTTP scoring service. Logs are JSON lines (pino) on
 * stdout; the address and lifecycle go to stderr. SIGTERM/SIGINT stop
 * accepting, let in-flight requests finish (up to --shutdown-grace) and exit 0.
 */
export function serveCommand(context: CommandContext): Command {
  const command = new Command('serve')
    .description('run the HTTP scoring service (POST /v1/score, /v1/score/batch, /v1/embed; GET /healthz, /readyz, /metrics, /v1/models, /openapi.json)')
    .option('--host <address>', 'address to bind (use 0.0.0.0 to accept connections from other machines)', '127.0.0.1')
    .addOption(new Option('--port <n>', 'port to listen on (0: any free port, printed on stderr)').argParser(parsePort).default(8080))
    .addOption(new Option('--token <token>', 'require "Authorization: Bearer <token>" on every route except /healthz and /readyz').env('REFRACTOR_TOKEN'))
    .addOption(new Option('--cors <origin>', 'allow browsers from this origin (repeat or comma-separate; "*" for any); off by default').argParser(collect))
    .addOption(new Option('--log-level <level>', 'pino log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .addOption(new Option('--base-model <path>', 'the base Refractor model (refractor.onnx) for MIDI uploads (default: refractor.onnx in the model directory, if there)'))
    .addOption(new Option('--shutdown-grace <seconds>', 'on SIGTERM, how long in-flight requests may take to finish before the process exits 1').argParser(parseSeconds).default(30));
  for (const option of [...modelOptions(), ...batchingOptions('--concurrency'), ...limitOptions()]) command.addOption(option);
  command.addHelpText('after', '\nMetrics: GET /metrics shows the chunks per CLAP run as the histogram refractor_encoder_batch_size; /v1/models says whether cross-request batching is on.');
  return command.action(async (flags: ServeFlags) => {
    const { app, ready } = createServer({
      ...loadOptionsFromFlags(flags),
      ...(flags.token ? { token: flags.token } : {}),
      ...(flags.cors?.length ? { cors: flags.cors } : {}),
      limits: limitsFrom(flags),
      logger: { level: flags.logLevel },
    });
    const address = await app.listen({ host: flags.host, port: flags.port });
    context.err(`refractor: serving on ${address} (models "${flags.models}" loading; GET /readyz says when ready)`);
    const failed = ready.then(
      () => {
        context.err('refractor: models ready');
        return new Promise<never>(() => undefined);
      },
      (error: Error) => error,
    );
    const outcome = await Promise.race([shutdownSignal(), failed]);
    if (outcome instanceof Error) {
      context.fail('models', outcome.message);
    } else {
      context.err(`refractor: ${outcome}: finishing in-flight requests (up to ${flags.shutdownGrace} s), then exiting`);
    }
    const deadline = setTimeout(() => {
      context.err('refractor: shutdown deadline passed with requests unfinished; exiting 1');
      process.exit(1);
    }, flags.shutdownGrace * 1000);
    await app.close();
    clearTimeout(deadline);
    context.err('refractor: stopped');
  });
}
