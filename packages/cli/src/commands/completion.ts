import { Argument, Command } from 'commander';
import { bashCompletion } from '../completion/bash.js';
import { fishCompletion } from '../completion/fish.js';
import { commandTree } from '../completion/tree.js';
import { zshCompletion } from '../completion/zsh.js';

const SHELLS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion } as const;

/**
 * `refractor completion bash|zsh|fish`: prints a completion script generated
 * from `program`'s command tree, so it always lists the current commands and flags.
 */
export function completionCommand(program: Command): Command {
  return new Command('completion')
    .description('print a shell completion script (commands, flags and flag values)')
    .addArgument(new Argument('<shell>', 'the shell').choices(Object.keys(SHELLS)))
    .addHelpText(
      'after',
      [
        '',
        'Load it:',
        '  bash: source <(refractor completion bash)     (e.g. in ~/.bashrc)',
        '  zsh:  source <(refractor completion zsh)      (after compinit, e.g. in ~/.zshrc)',
        '  fish: refractor completion fish | source      (or save it as ~/.config/fish/completions/refractor.fish)',
      ].join('\n'),
    )
    .action((shell: keyof typeof SHELLS) => {
      process.stdout.write(SHELLS[shell](commandTree(program)));
    });
}
