// t1 status: the definition; the verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  program
    .command('status')
    .description('registration status and stage for an event, what it means, and the next step')
    .argument('<email>', "the person's email (or user id)")
    .option('--event <event>', 'event slug or id (needed when the person has several registrations)')
    .addHelpText('after', examples('t1 status ngozi.okafor@litware.example', 't1 status priya.sharma@contoso.example --event customer-day-live --json'))
    .action(action(() => import('./status.ts'), ([email], o) => ({ email, event: o.event })));
}
