// t1 browser check: the definition; the verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const browser = program
    .command('browser')
    .description('browsers the event pages support')
    .addHelpText('after', examples('t1 browser check "$UA"'));
  browser
    .command('check')
    .description("is the caller's browser supported, and what to tell them (works offline: no platform needed)")
    .argument('<user-agent>', 'the User-Agent string, in quotes')
    .addHelpText(
      'after',
      examples(
        't1 browser check "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"',
        't1 browser check "$UA" --json',
      ),
    )
    .action(action(() => import('./check.ts'), ([userAgent]) => ({ userAgent })));
}
