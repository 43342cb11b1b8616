import type { Command } from 'commander';
import type { CommandContext } from './context.js';

/** Builds one top-level command; `program` is the root, for commands that describe it (completion). */
export type CommandFactory = (context: CommandContext, program: Command) => Command;

/** A top-level command as `refractor --help` lists it, and how to load its code. */
export interface CommandEntry {
  name: string;
  /** What follows the name in the help's command list, e.g. `[options] <dataset>`. */
  term: string;
  /** The command's description, exactly as its module sets it (a test keeps the two equal). */
  description: string;
  /** Imports the command's module; only the command that runs pays for its dependencies. */
  load: () => Promise<CommandFactory>;
}

/**
 * Every top-level command, in help order. Each module is imported only when
 * its command runs (or when help or completion needs its flags), so that
 * `refractor --version` loads no model runtime, and `refractor score` loads
 * no server, queue or training code.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'score',
    term: '[options] [inputs...]',
    description: 'score songs: predicted color, confidence, axis distributions, color probabilities and the per-chunk timeline',
    load: async () => (await import('./commands/score.js')).scoreCommand,
  },
  {
    name: 'validate',
    term: '[options] <dataset>',
    description:
      "score a labeled song set and print the model card's validation table (per color and overall) and a confusion matrix, for each color rule asked for (vote, probs, targets), then the songs skipped and why",
    load: async () => (await import('./commands/validate.js')).validateCommand,
  },
  {
    name: 'models',
    term: '',
    description: 'list, download, verify and locate the model sets (the real "default" set, the "tiny" test set); show or clear the concept-embedding cache',
    load: async () => (await import('./commands/models.js')).modelsCommand,
  },
  {
    name: 'extract',
    term: '[options] <dataset>',
    description:
      "compute a labeled song set's training cache: per-chunk CLAP embeddings with each song's concept embedding, color and id, as the original .npz (clap_embs, concept_embs, colors, song_ids); resumable song by song",
    load: async () => (await import('./commands/extract.js')).extractCommand,
  },
  {
    name: 'train',
    term: '[options] <embeddings.npz>',
    description:
      "train a CDM on extracted embeddings with the model card's recipe (song-level stratified split, weighted label-smoothed cross entropy, Adam with L2, dropout, best checkpoint by mean per-color validation accuracy) and export it as ONNX",
    load: async () => (await import('./commands/train.js')).trainCommand,
  },
  {
    name: 'drift',
    term: '[options] <inputs...>',
    description:
      'measure how q8 or fp16 encoder weights move the results away from fp32 (what the CDM was trained on) on a set of songs: CLAP embedding cosine, largest change in a color probability, and how often the predicted color flips, per chunk and per song',
    load: async () => (await import('./commands/drift.js')).driftCommand,
  },
  {
    name: 'info',
    term: '[options] <audio...>',
    description: 'show format, sample rate, channels, duration and chunk count of audio files; a cut-short Ogg file is reported as truncated',
    load: async () => (await import('./commands/info.js')).infoCommand,
  },
  {
    name: 'features',
    term: '[options] <audio>',
    description: 'compute the CLAP log-mel features of every chunk of a song and save them as a float32 .npy [chunks, 1, 1001, 64]',
    load: async () => (await import('./commands/features.js')).featuresCommand,
  },
  {
    name: 'piano-roll',
    term: '[options] <file.mid>',
    description:
      "convert a MIDI file into the base Refractor model's piano roll and save it as a float32 .npy [128, 256] (pitch × 100 ms step, velocity/127, the first 25.6 s; the original's semantics, quirks included)",
    load: async () => (await import('./commands/piano-roll.js')).pianoRollCommand,
  },
  {
    name: 'queue',
    term: '',
    description: 'score a catalog on many machines: add jobs to a Redis queue that `refractor worker` processes, follow them, collect the results in input order',
    load: async () => (await import('./commands/queue.js')).queueCommand,
  },
  {
    name: 'worker',
    term: '[options]',
    description:
      'process queued jobs (see `refractor queue`) with one loaded model set, on as many machines as you like; logs one line per job on stderr; SIGTERM or SIGINT finishes the jobs in progress, then exits',
    load: async () => (await import('./commands/worker.js')).workerCommand,
  },
  {
    name: 'serve',
    term: '[options]',
    description: 'run the HTTP scoring service (POST /v1/score, /v1/score/batch, /v1/embed; GET /healthz, /readyz, /metrics, /v1/models, /openapi.json)',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  {
    name: 'completion',
    term: '<shell>',
    description: 'print a shell completion script (commands, flags and flag values)',
    load: async () => {
      const { completionCommand } = await import('./commands/completion.js');
      return (_context, program) => completionCommand(program);
    },
  },
];

/**
 * The top-level commands whose code a run with `args` (the arguments after
 * `refractor`) needs: the command named by the first non-flag argument (the
 * program's own flags take no value), the one after `help`, or all of them
 * for `completion`, whose script lists every command's flags.
 *
 * @example
 * ```ts
 * commandsToLoad(['-q', 'score', 'a.ogg']); // ['score']
 * commandsToLoad(['--version']);            // []
 * ```
 */
export function commandsToLoad(args: readonly string[]): string[] {
  const words = args.filter((arg) => !arg.startsWith('-'));
  const [first, second] = words;
  if (first === 'completion') return COMMANDS.map((entry) => entry.name);
  const named = first === 'help' ? second : first;
  return COMMANDS.some((entry) => entry.name === named) ? [named!] : [];
}
