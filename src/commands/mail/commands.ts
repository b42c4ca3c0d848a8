// t1 mail log: the definition; the verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const mail = program
    .command('mail')
    .description('emails the platform sent')
    .addHelpText('after', examples('t1 mail log priya.natarajan@fabrikam.example'));
  mail
    .command('log')
    .description("a person's emails: time, template, subject, delivery status, attempts, last error")
    .argument('<email>', "the person's email")
    .option('--event <event>', 'only emails about this event')
    .addHelpText('after', examples('t1 mail log priya.natarajan@fabrikam.example', 't1 mail log priya.natarajan@fabrikam.example --event product-summit-2027 --json'))
    .action(action(() => import('./log.ts'), ([email], o) => ({ email, event: o.event })));
}
