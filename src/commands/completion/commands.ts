// t1 completion <shell> and the hidden t1 __complete the scripts call: the definitions.
import { Argument, type Command as Commander } from 'commander';
import { examples, type Action } from '../define.ts';
import { SHELLS } from './shells.ts';

export function register(program: Commander, action: Action): void {
  program
    .command('completion')
    .description('print the shell completion script for bash, zsh or fish (commands, options, choices, event slugs)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      examples(
        'source <(t1 completion bash)',
        't1 completion bash > ~/.local/share/bash-completion/completions/t1',
        't1 completion zsh > "${fpath[1]}/_t1"',
        't1 completion fish > ~/.config/fish/completions/t1.fish',
      ),
    )
    .action(action(() => import('./script.ts'), ([shell]) => ({ shell })));
  program
    .command('__complete', { hidden: true })
    .description('the candidates for the last word of a command line (used by the completion scripts)')
    .argument('[words...]', 'the words after "t1", the last one being completed')
    .action(action(() => import('./complete.ts'), ([words]) => ({ words: words ?? [], root: program })));
}
