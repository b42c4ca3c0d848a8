// t1 audit: the definition; the verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, wholeNumber, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  program
    .command('audit')
    .description('the audit log of support actions, newest first')
    .option('--user <email>', 'actions on this person')
    .option('--agent <email>', 'actions by this agent')
    .option('--since <duration>', 'only the last 30m, 12h, 7d...')
    .option('--limit <n>', 'at most n entries (1-1000)', wholeNumber(1, 1000), 100)
    .addHelpText('after', examples('t1 audit --since 7d', 't1 audit --user hiroshi.tanaka@contoso.example --json'))
    .action(action(() => import('./list.ts'), (_args, o) => ({ user: o.user, agent: o.agent, since: o.since, limit: o.limit })));
}
