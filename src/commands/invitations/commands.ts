// t1 invitations send|bulk: the definitions; each verb's module loads when it runs.
import { Option, type Command as Commander } from 'commander';
import { EVENT_ROLES } from '../../contract/vocabulary.ts';
import { examples, supportFlags, wholeNumber, withSupportFlags, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const invitations = program
    .command('invitations')
    .description('invite people to events')
    .addHelpText('after', examples('t1 invitations send jane.doe@contoso.example --event product-summit-2027 --first-name Jane --last-name Doe', 't1 invitations bulk people.csv --event product-summit-2027 --dry-run'));
  withSupportFlags(
    invitations
      .command('send')
      .description('invite a person: a "set me up" email (password events) or a link to the event site (login-link events)')
      .argument('<email>', "the person's email")
      .requiredOption('--event <event>', 'event slug or id (required)')
      .requiredOption('--first-name <name>', 'first name (required)')
      .requiredOption('--last-name <name>', 'last name (required)')
      .addOption(new Option('--role <role>', 'role at the event').choices(EVENT_ROLES).default('attendee')),
  )
    .addHelpText('after', examples('t1 invitations send jane.doe@contoso.example --event product-summit-2027 --first-name Jane --last-name Doe --yes'))
    .action(
      action(() => import('./send.ts'), ([email], o) => ({
        email,
        event: o.event,
        firstName: o.firstName,
        lastName: o.lastName,
        role: o.role,
        ...supportFlags(o),
      })),
    );

  withSupportFlags(
    invitations
      .command('bulk')
      .description('invite everyone in a CSV file (email, first and last name; company, job title, country, role), with a report of every row')
      .argument('<file>', 'the CSV file, or - for standard input')
      .requiredOption('--event <event>', 'event slug or id (required)')
      .addOption(new Option('--role <role>', 'role for rows that name none (default: attendee)').choices(EVENT_ROLES))
      .option('--dry-run', 'check every row against the platform and write the report, inviting no one')
      .option('--report <file>', 'where to write the report CSV (default: <file>.report.csv beside the input; - for stdout)')
      .option('--resume', 'continue an interrupted run of this file for this event where the platform left off')
      .option('--batch <n>', 'rows per request (1-1000, default 1000)', wholeNumber(1, 1000))
      .option('--map <column=field>', 'which column holds a field, when t1 cannot tell from the header (repeatable); fields: email, first-name, last-name, company, job-title, country, role', (value: string, previous: string[] = []) => [...previous, value]),
  )
    .addHelpText(
      'after',
      examples(
        't1 invitations bulk people.csv --event product-summit-2027 --dry-run',
        't1 invitations bulk people.csv --event product-summit-2027 --reason "speaker list" --ticket SUP-1234 --yes',
        't1 invitations bulk people.csv --event product-summit-2027 --resume --yes',
        't1 invitations bulk export.csv --event customer-day-live --map "Work mail=email" --map "Given=first-name" --report out.csv',
        'cat people.csv | t1 invitations bulk - --event customer-day-live --yes',
      ) + '\nExit codes: 0 every row invited or skipped, 5 some rows failed (see the report), 2 the file cannot be used (nothing invited), 130 stopped (resume with --resume).\n',
    )
    .action(
      action(() => import('./bulk.ts'), ([file], o) => ({
        file,
        event: o.event,
        role: o.role,
        dryRun: Boolean(o.dryRun),
        report: o.report,
        resume: Boolean(o.resume),
        batch: o.batch,
        map: (o.map as string[] | undefined) ?? [],
        ...supportFlags(o),
      })),
    );
}
