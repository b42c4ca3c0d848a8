// t1 diagnose: the definition; the verb's module (and the checks) load when it runs.
import type { Command as Commander } from 'commander';
import { examples, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  program
    .command('diagnose')
    .description('every check that applies to a person at once: ✓ fine, ! worth knowing, ✗ wrong, with the command that fixes it')
    .argument('<email>', "the person's email (or an address with no account)")
    .option('--event <event>', 'only this event (default: each of their registrations)')
    .addHelpText('after', examples('t1 diagnose kwame.mensah@fourthcoffee.example', 't1 diagnose priya.sharma@contoso.example --event product-summit-2027 --json'))
    .action(action(() => import('./diagnose.ts'), ([email], o) => ({ email, event: o.event })));
}
