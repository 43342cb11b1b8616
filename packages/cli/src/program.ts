import { Command, CommanderError, Help } from 'commander';
import { COMMANDS, commandsToLoad } from './command-table.js';
import { createContext } from './context.js';
import { isBrokenPipe } from './output/write-stream.js';
import { progressSettings } from './progress.js';
import { VERSION } from './version.js';
import { errorOutcome } from '@refractor/core';

/** Exit codes: the contract scripts rely on (3: the queue's Redis did not answer; try again later). */
export const EXIT = Object.freeze({ ok: 0, inputFailed: 1, usage: 2, queueUnreachable: 3 });

/** Where the CLI writes; injectable for tests. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * Runs the `refractor` command line and resolves to its exit code: 0 when
 * every input succeeded, 1 when some failed (the rest still processed), 2 on
 * a usage error, 3 when the queue's Redis could not be reached.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['node', 'refractor', 'info', 'song.ogg']);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const context = createContext(io.stdout, io.stderr);
  const program = new Command('refractor')
    .description('Refractor: which of nine rainbow colors is this song? (the Refractor CDM, in TypeScript)')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .option('-q, --quiet', 'no notes and no progress bars on stderr (errors still print)', false)
    .option('-v, --verbose', "more detail: per-input timings of decode, features, encoder and CDM on stderr (score); each file's cache path (models list)", false)
    .addHelpText('after', '\nColors: NO_COLOR=1 turns color off, FORCE_COLOR=1 forces it (e.g. through a pager).\nShell completion: refractor completion bash|zsh|fish (see refractor completion --help).')
    .hook('preAction', (_program, action) => {
      const { quiet, verbose } = action.optsWithGlobals<{ quiet?: boolean; verbose?: boolean }>();
      context.quiet = Boolean(quiet);
      context.verbose = Boolean(verbose);
      progressSettings.enabled = !quiet;
    })
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    })
    .exitOverride();
  // Only the commands this run needs are loaded; the others are listed by name,
  // arguments and description from the table, so `--help` and suggestions still
  // see every command while `--version` or `score` import no server, queue or
  // training code.
  const wanted = new Set(commandsToLoad(argv.slice(2)));
  const placeholderTerms = new Map<Command, string>();
  for (const entry of COMMANDS) {
    let command: Command;
    if (wanted.has(entry.name)) {
      command = (await entry.load())(context, program);
    } else {
      command = new Command(entry.name).description(entry.description);
      placeholderTerms.set(command, [entry.name, entry.term].filter(Boolean).join(' '));
    }
    program.addCommand(command.exitOverride().showHelpAfterError('(run with --help for usage)'));
  }
  program.configureHelp({
    subcommandTerm(this: Help, command: Command): string {
      return placeholderTerms.get(command) ?? Help.prototype.subcommandTerm.call(this, command);
    },
  });
  // Every command's --help also lists the global flags (--quiet, --verbose).
  const showGlobals = (command: Command): void => {
    command.configureHelp({ ...command.configureHelp(), showGlobalOptions: true });
    command.commands.forEach(showGlobals);
  };
  showGlobals(program);
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    // The reader of stdout went away (`| head`): nothing to report, and not a failure.
    if (isBrokenPipe(error)) return EXIT.ok;
    if (error instanceof CommanderError) {
      // --help and --version end through exitOverride with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    context.err(`refractor: ${(error as Error).message}`);
    if (process.env.REFRACTOR_DEBUG) context.err(String((error as Error).stack));
    // The error table's exit status: 2 for a usage-like mismatch (`resume-mismatch`), else 1.
    return errorOutcome(error).exit;
  }
  return context.failures > 0 ? EXIT.inputFailed : EXIT.ok;
}
