// t1 set-password-link send: the definition; the verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, supportFlags, withSupportFlags, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const setPasswordLink = program
    .command('set-password-link')
    .description('set-password emails for people created without a password')
    .addHelpText('after', examples('t1 set-password-link send benjamin.cohen@wideworldimporters.example --event product-summit-2027'));
  withSupportFlags(
    setPasswordLink
      .command('send')
      .description('email a new set-password link (the older one stops working)')
      .argument('<email>', "the person's email")
      .requiredOption('--event <event>', 'event slug or id (required)'),
  )
    .addHelpText('after', examples('t1 set-password-link send benjamin.cohen@wideworldimporters.example --event product-summit-2027'))
    .action(action(() => import('./send.ts'), ([email], o) => ({ email, event: o.event, ...supportFlags(o) })));
}
