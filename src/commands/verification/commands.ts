// t1 verification resend: the definition; the verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, supportFlags, withSupportFlags, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const verification = program
    .command('verification')
    .description('verification emails')
    .addHelpText('after', examples('t1 verification resend priya.natarajan@fabrikam.example --event product-summit-2027'));
  withSupportFlags(
    verification
      .command('resend')
      .description('send "verify your account" (not verified yet) or "registration complete" (verified)')
      .argument('<email>', "the person's email")
      .requiredOption('--event <event>', 'event slug or id (required)')
      .option('--force', 'send even if one went out in the last minute'),
  )
    .addHelpText('after', examples('t1 verification resend priya.natarajan@fabrikam.example --event product-summit-2027 --ticket SUP-1234'))
    .action(action(() => import('./resend.ts'), ([email], o) => ({ email, event: o.event, force: Boolean(o.force), ...supportFlags(o) })));
}
