import type { Command } from 'commander';

/** One flag of a command, as completion needs it. */
export interface FlagSpec {
  long?: string;
  short?: string;
  /** Whether the flag takes a value. */
  takesValue: boolean;
  /** The allowed values, when the flag has a fixed set. */
  choices: string[];
  description: string;
  /** A program-wide flag repeated here because it is accepted after this command too. */
  inherited?: boolean;
}

/** A command and what can follow it. */
export interface CommandSpec {
  /** Names from the root, e.g. `['models', 'pull']`; `[]` for the program. */
  path: string[];
  description: string;
  flags: FlagSpec[];
  subcommands: CommandSpec[];
}

/**
 * The command tree as commander knows it (names, flags, choices), so the
 * completion scripts are generated from the same definitions as `--help`
 * and cannot drift from it. Help and version flags are included.
 *
 * @example
 * ```ts
 * commandTree(program).subcommands.map((c) => c.path.join(' ')); // ['score', 'validate', 'models', …]
 * ```
 */
export function commandTree(command: Command, path: string[] = [], globals: FlagSpec[] = []): CommandSpec {
  const own: FlagSpec[] = command.options.map((option) => ({
    ...(option.long ? { long: option.long } : {}),
    ...(option.short ? { short: option.short } : {}),
    takesValue: option.required || option.optional,
    choices: [...(option.argChoices ?? [])],
    description: option.description,
  }));
  // The program's flags (--quiet, --verbose) are accepted after any subcommand too; --version is not.
  const flags = [...own, ...globals.filter((flag) => !own.some((o) => o.long === flag.long)).map((flag) => ({ ...flag, inherited: true }))];
  if (!flags.some((flag) => flag.long === '--help')) flags.push({ long: '--help', short: '-h', takesValue: false, choices: [], description: 'show help' });
  return {
    path,
    description: command.description(),
    flags,
    subcommands: command.commands
      .filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden)
      .map((sub) => commandTree(sub, [...path, sub.name()], path.length === 0 ? own.filter((flag) => flag.long !== '--version') : globals)),
  };
}

/** Every command in the tree, the program first. */
export function allCommands(tree: CommandSpec): CommandSpec[] {
  return [tree, ...tree.subcommands.flatMap(allCommands)];
}

/** A description cut to its first clause, for shells that show one line per candidate. */
export function shortDescription(text: string, max = 70): string {
  const first = text.split(/[:;(]|\. /)[0]!.trim();
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}
