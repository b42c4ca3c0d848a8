// t1 password reset: the definition; the verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, supportFlags, withSupportFlags, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const password = program
    .command('password')
    .description('password resets')
    .addHelpText('after', examples('t1 password reset hiroshi.tanaka@contoso.example --send', 't1 password reset hiroshi.tanaka@contoso.example --print-link'));
  withSupportFlags(
    password
      .command('reset')
      .description('a password reset link valid for one hour, emailed (default) or printed')
      .argument('<email>', "the person's email")
      .option('--send', 'email the link to the person (the default)')
      .option('--print-link', 'print the link instead of emailing it')
      .option('--event <event>', 'event whose password rules apply'),
  )
    .addHelpText('after', examples('t1 password reset hiroshi.tanaka@contoso.example --send --ticket SUP-1234', 't1 password reset hiroshi.tanaka@contoso.example --print-link'))
    .action(
      action(() => import('./reset.ts'), ([email], o) => ({
        email,
        event: o.event,
        send: Boolean(o.send),
        printLink: Boolean(o.printLink),
        ...supportFlags(o),
      })),
    );
}
