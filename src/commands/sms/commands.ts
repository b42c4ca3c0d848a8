// t1 sms log: the definition; the verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const sms = program
    .command('sms')
    .description('text messages (SMS codes) the platform sent')
    .addHelpText('after', examples('t1 sms log priya.sharma@contoso.example'));
  sms
    .command('log')
    .description("a person's text messages: time, purpose, masked number, delivery status, last error")
    .argument('<email>', "the person's email")
    .addHelpText('after', examples('t1 sms log priya.sharma@contoso.example', 't1 sms log priya.sharma@contoso.example --json'))
    .action(action(() => import('./log.ts'), ([email]) => ({ email })));
}
