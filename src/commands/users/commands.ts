// t1 users find|show|timeline|unlock: the definitions; each verb's module loads when it runs.
import { Option, type Command as Commander } from 'commander';
import { EVENT_ROLES, REGISTRATION_STATUSES } from '../../contract/vocabulary.ts';
import { examples, supportFlags, wholeNumber, withSupportFlags, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const users = program
    .command('users')
    .description('find and inspect people')
    .addHelpText('after', examples('t1 users find priya', 't1 users show priya.sharma@contoso.example', 't1 users timeline yuki.sato@proseware.example --since 7d', 't1 users unlock yuki.sato@proseware.example'));
  users
    .command('find')
    .description('find people by email (exact, then prefix) or by first, last or full name')
    .argument('<query>', 'email, email prefix, or the start of a name')
    .option('--event <event>', 'only people registered for this event (slug or id)')
    .addOption(new Option('--status <status>', 'only registrations with this status').choices(REGISTRATION_STATUSES))
    .addOption(new Option('--role <role>', 'only registrations with this role').choices(EVENT_ROLES))
    .option('--limit <n>', 'show at most n people (1-200)', wholeNumber(1, 200), 25)
    .option('--all', 'show every match, page after page')
    .addHelpText('after', examples('t1 users find priya', 't1 users find okafor --status registered', 't1 users find "priya s" --event customer-day-live --all --json'))
    .action(
      action(
        () => import('./find.ts'),
        ([query], o) => ({ query, event: o.event, status: o.status, role: o.role, limit: o.limit, all: Boolean(o.all) }),
      ),
    );
  users
    .command('show')
    .description("a person's profile, account state (lock, 2FA) and registrations")
    .argument('<person>', 'email or user id')
    .addHelpText('after', examples('t1 users show ngozi.okafor@litware.example', 't1 users show usr_8f2k1 --json'))
    .action(action(() => import('./show.ts'), ([ref]) => ({ ref })));

  users
    .command('timeline')
    .description('what happened to a person, newest first: sign-ins, links, emails, registrations, agent actions')
    .argument('<email>', "the person's email (or an address with no account, for its refused attempts)")
    .option('--event <event>', 'only what concerns this event')
    .option('--since <duration>', 'only the last 30m, 12h, 7d...')
    .option('--kind <kinds>', 'only these groups, comma-separated: registration, link, sign_in, account, password, mfa, webhook, mail, visit, agent')
    .option('--limit <n>', 'show at most n entries (1-1000)', wholeNumber(1, 1000), 50)
    .option('--all', 'show every entry')
    .option('--reverse', 'oldest first')
    .addHelpText(
      'after',
      examples('t1 users timeline yuki.sato@proseware.example', 't1 users timeline yuki.sato@proseware.example --kind sign_in,link --since 7d', 't1 users timeline someone@gmail.example --json'),
    )
    .action(
      action(
        () => import('./timeline.ts'),
        ([email], o) => ({ email, event: o.event, since: o.since, kind: o.kind, limit: o.limit, all: Boolean(o.all), reverse: Boolean(o.reverse) }),
      ),
    );

  withSupportFlags(
    users
      .command('unlock')
      .description('clear a sign-in lock left by repeated failed attempts')
      .argument('<email>', "the person's email"),
  )
    .addHelpText('after', examples('t1 users unlock yuki.sato@proseware.example --ticket SUP-1234'))
    .action(action(() => import('./unlock.ts'), ([email], o) => ({ email, ...supportFlags(o) })));
}
