// t1 magic-link create: the definition; the verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, supportFlags, withSupportFlags, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const magicLink = program
    .command('magic-link')
    .description('single-use login links')
    .addHelpText('after', examples('t1 magic-link create arjun.patel@litware.example --event customer-day-live', 't1 magic-link create arjun.patel@litware.example --event customer-day-live --send'));
  withSupportFlags(
    magicLink
      .command('create')
      .description("print a single-use login link, or email it with --send (lifetime: the event's setting)")
      .argument('<email>', "the person's email")
      .requiredOption('--event <event>', 'event slug or id (required)')
      .option('--ttl <duration>', 'lifetime such as 15m, 2h or 7d (at most 7 days)')
      .option('--send', 'email the link instead of printing it'),
  )
    .addHelpText('after', examples('t1 magic-link create arjun.patel@litware.example --event customer-day-live', 't1 magic-link create arjun.patel@litware.example --event customer-day-live --ttl 2h --send'))
    .action(action(() => import('./create.ts'), ([email], o) => ({ email, event: o.event, ttl: o.ttl, send: Boolean(o.send), ...supportFlags(o) })));
}
