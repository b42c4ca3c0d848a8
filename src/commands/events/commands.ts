// t1 events list|show|create|set|check-email|webhook-secret: the definitions; each verb's module loads when it runs.
import { Argument, type Command as Commander } from 'commander';
import { examples, supportFlags, withSupportFlags, type Action } from '../define.ts';

/**
 * The settings of `t1 events set` (EVENT_SETTINGS in contract/event-settings.ts), named
 * here so help and completion list them without loading the contract.
 */
export const EVENT_SETTING_WORDS = [
  'title',
  'starts',
  'ends',
  'timezone',
  'registration',
  'login-method',
  'email-verification',
  'form-fields',
  'approved-domains',
  'public-domains',
  'password-length',
  'verification-link-lifetime',
  'login-link-lifetime',
  'set-password-link-lifetime',
];

export function register(program: Commander, action: Action): void {
  const events = program
    .command('events')
    .description('list, inspect, create and change events')
    .addHelpText(
      'after',
      examples(
        't1 events list',
        't1 events show product-summit-2027',
        't1 events create spring-forum-2027 --title "Spring Forum 2027" --starts 2027-04-20T09:00 --ends 2027-04-20T17:00 --timezone Europe/Berlin',
        't1 events set spring-forum-2027 login-method magic_link',
        't1 events check-email partner-kickoff-2026 ana@fabrikam.example',
      ),
    );
  events
    .command('list')
    .description('every event with its dates, phase, registration state and registrant count')
    .addHelpText('after', examples('t1 events list', 't1 events list --json'))
    .action(action(() => import('./list.ts'), () => ({})));
  events
    .command('show')
    .description("an event's settings and registrants by status")
    .argument('<event>', 'event slug or id')
    .addHelpText('after', examples('t1 events show product-summit-2027'))
    .action(action(() => import('./show.ts'), ([ref]) => ({ ref })));
  withSupportFlags(
    events
      .command('create')
      .description('create an event (admin); every setting but the schedule starts at its default: change them with "t1 events set"')
      .argument('<slug>', 'its web address, /e/<slug>: lower case letters, digits and hyphens')
      .option('--title <text>', "the event's name (required)")
      .option('--starts <date-time>', 'when it starts, e.g. 2027-04-20T09:00 in its time zone, or with an offset such as +02:00 (required)')
      .option('--ends <date-time>', 'when it ends, the same way (required)')
      .option('--timezone <zone>', 'its IANA time zone, e.g. Europe/Berlin (required)'),
  )
    .addHelpText(
      'after',
      examples(
        't1 events create spring-forum-2027 --title "Spring Forum 2027" --starts 2027-04-20T09:00 --ends 2027-04-20T17:00 --timezone Europe/Berlin --ticket SUP-9',
        't1 events create apac-day --title "APAC Day" --starts 2027-05-03T01:00Z --ends 2027-05-03T09:00Z --timezone Asia/Singapore --yes',
      ),
    )
    .action(
      action(() => import('./create.ts'), ([slug], o) => ({ slug, title: o.title, starts: o.starts, ends: o.ends, timezone: o.timezone, ...supportFlags(o) })),
    );
  withSupportFlags(
    events
      .command('set')
      .description('change a setting of an event (admin); with no setting, list the settings, their values and what they accept')
      .argument('<event>', 'event slug or id')
      // Listed as choices for help and completion, but not enforced here: set.ts answers a
      // mistyped setting with the closest one.
      .addArgument(new Argument('[setting]', 'the setting to change').choices(EVENT_SETTING_WORDS).argParser(String))
      .argument('[value...]', 'the new value'),
  )
    .addHelpText(
      'after',
      examples(
        't1 events set spring-forum-2027',
        't1 events set spring-forum-2027 registration closed --reason "venue full"',
        't1 events set spring-forum-2027 login-method magic_link',
        't1 events set spring-forum-2027 email-verification off',
        't1 events set spring-forum-2027 form-fields company:required,job_title:optional,country:optional',
        't1 events set spring-forum-2027 approved-domains contoso.com,fabrikam.com   # or any',
        't1 events set spring-forum-2027 public-domains allowed',
        't1 events set spring-forum-2027 password-length 12..64',
        't1 events set spring-forum-2027 login-link-lifetime 30m',
        't1 events set spring-forum-2027 starts 2027-04-20T10:00',
      ),
    )
    .action(action(() => import('./set.ts'), ([event, setting, value], o) => ({ event, setting, value: value ?? [], ...supportFlags(o) })));
  events
    .command('check-email')
    .description("would the event's address rules (approved domains, public email providers) accept this email? Registers nobody")
    .argument('<event>', 'event slug or id')
    .argument('<email>', 'the address the caller wants to register with')
    .addHelpText('after', examples('t1 events check-email product-summit-2027 jane.doe@contoso.example', 't1 events check-email customer-day-live someone@gmail.com --json'))
    .action(action(() => import('./check-email.ts'), ([event, email]) => ({ event, email })));
  withSupportFlags(
    events
      .command('webhook-secret')
      .description("replace the event's webhook signing secret and print the new one once (admin)")
      .argument('<event>', 'event slug or id'),
  )
    .addHelpText('after', examples('t1 events webhook-secret product-summit-2027 --yes'))
    .action(action(() => import('./webhook-secret.ts'), ([event], o) => ({ event, ...supportFlags(o) })));
}
