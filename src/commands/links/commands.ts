// t1 links: the definition; the verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  program
    .command('links')
    .description('every link issued to a person: kind, issued by, expiry, state, opens, and where it was used')
    .argument('<email>', "the person's email (or user id)")
    .option('--event <event>', 'only links for this event')
    .addHelpText('after', examples('t1 links yuki.sato@proseware.example', 't1 links yuki.sato@proseware.example --event customer-day-live --json'))
    .action(action(() => import('./list.ts'), ([email], o) => ({ email, event: o.event })));
}
