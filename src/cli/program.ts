// The command tree. Only commander and the vocabulary load here; each command's module
// (and the client, platform or prompts it needs) loads when that command runs, so
// `t1 --help` stays fast.
import { Command as Commander, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EVENT_ROLES, REGISTRATION_STATUSES, STAFF_ROLES } from '../contract/vocabulary.ts';
import type { Command } from '../commands/command.ts';
import type { Deps, DepsOverrides, GlobalFlags } from './deps.ts';
import { EXIT } from './exit-codes.ts';
import type { IO } from './io.ts';
import { VERSION } from '../version.ts';

type Loader = () => Promise<Command<any, any>>;

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Expected a whole number.');
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`Expected a number from ${min} to ${max}.`);
    return n;
  };
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

export interface CliRun {
  /** Set once a command has run, so errors are reported against the right deps. */
  deps?: Deps;
  exitCode: number;
}

export function buildProgram(io: IO, env: NodeJS.ProcessEnv, state: CliRun, overrides: DepsOverrides): Commander {
  const program = new Commander('t1');

  // Wraps a lazily loaded command: builds deps from the global flags, runs it, prints
  // its view as JSON or through its renderer.
  const action =
    (load: Loader, toOptions: (args: unknown[], opts: Record<string, unknown>) => unknown) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Commander;
      const all = command.optsWithGlobals();
      const flags: GlobalFlags = {
        json: Boolean(all.json),
        color: all.color !== false,
        input: all.input !== false,
        verbose: Boolean(all.verbose),
        profile: all.profile as string | undefined,
        apiUrl: all.apiUrl as string | undefined,
      };
      const { createDeps } = await import('./deps.ts');
      const deps = createDeps(io, env, flags, overrides, (argv, nested) => runCli(argv, io, env, nested));
      state.deps = deps;
      try {
        const module = await load();
        const view = await module.run(toOptions(args.slice(0, -2), command.opts()), deps);
        if (flags.json) deps.output.json(view);
        else await module.render(view, deps.output);
        if (module.exitCode) state.exitCode = module.exitCode(view);
      } finally {
        await deps.dispose();
      }
    };

  program
    .description('Support tool for tier-one agents of the virtual-event platform.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--json', 'print only JSON on stdout')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .option('--no-input', 'never prompt; a missing answer is a usage error')
    .option('-v, --verbose', 'show request ids and HTTP details on errors')
    .option('--profile <name>', 'use this saved profile (env T1_PROFILE)')
    .option('--api-url <url>', 'platform API base URL (env T1_API_URL)')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .addHelpText(
      'after',
      examples('t1 users find priya', 't1 status priya.sharma@contoso.example --event product-summit-2027', 't1 events list --json') +
        '\nWith no platform configured, t1 uses an embedded demo platform.\n' +
        'Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 auth/permission, 5 partial, 130 cancelled.\n',
    );

  const users = program.command('users').description('find and inspect people');
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
        () => import('../commands/users/find.ts'),
        ([query], o) => ({ query, event: o.event, status: o.status, role: o.role, limit: o.limit, all: Boolean(o.all) }),
      ),
    );
  users
    .command('show')
    .description("a person's profile, account state (lock, 2FA) and registrations")
    .argument('<person>', 'email or user id')
    .addHelpText('after', examples('t1 users show ngozi.okafor@litware.example', 't1 users show usr_8f2k1 --json'))
    .action(action(() => import('../commands/users/show.ts'), ([ref]) => ({ ref })));

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
        () => import('../commands/users/timeline.ts'),
        ([email], o) => ({ email, event: o.event, since: o.since, kind: o.kind, limit: o.limit, all: Boolean(o.all), reverse: Boolean(o.reverse) }),
      ),
    );

  program
    .command('links')
    .description('every link issued to a person: kind, issued by, expiry, state, opens, and where it was used')
    .argument('<email>', "the person's email (or user id)")
    .option('--event <event>', 'only links for this event')
    .addHelpText('after', examples('t1 links yuki.sato@proseware.example', 't1 links yuki.sato@proseware.example --event customer-day-live --json'))
    .action(action(() => import('../commands/links/list.ts'), ([email], o) => ({ email, event: o.event })));

  program
    .command('status')
    .description('registration status and stage for an event, what it means, and the next step')
    .argument('<email>', "the person's email (or user id)")
    .option('--event <event>', 'event slug or id (needed when the person has several registrations)')
    .addHelpText('after', examples('t1 status ngozi.okafor@litware.example', 't1 status priya.sharma@contoso.example --event customer-day-live --json'))
    .action(action(() => import('../commands/status/status.ts'), ([email], o) => ({ email, event: o.event })));


  // Support actions: each takes --reason and --ticket (audited) and asks before acting.
  const withAction = (command: Commander) =>
    command
      .option('--reason <text>', 'why (recorded in the audit log)')
      .option('--ticket <id>', 'support ticket id (recorded in the audit log)')
      .option('-y, --yes', 'do not ask for confirmation');
  const actionFlags = (o: Record<string, unknown>) => ({ reason: o.reason, ticket: o.ticket, yes: Boolean(o.yes) });

  withAction(
    users
      .command('unlock')
      .description('clear a sign-in lock left by repeated failed attempts')
      .argument('<email>', "the person's email"),
  )
    .addHelpText('after', examples('t1 users unlock yuki.sato@proseware.example --ticket SUP-1234'))
    .action(action(() => import('../commands/users/unlock.ts'), ([email], o) => ({ email, ...actionFlags(o) })));

  const verification = program.command('verification').description('verification emails');
  withAction(
    verification
      .command('resend')
      .description('send "verify your account" (not verified yet) or "registration complete" (verified)')
      .argument('<email>', "the person's email")
      .requiredOption('--event <event>', 'event slug or id (required)')
      .option('--force', 'send even if one went out in the last minute'),
  )
    .addHelpText('after', examples('t1 verification resend priya.natarajan@fabrikam.example --event product-summit-2027 --ticket SUP-1234'))
    .action(action(() => import('../commands/verification/resend.ts'), ([email], o) => ({ email, event: o.event, force: Boolean(o.force), ...actionFlags(o) })));

  const magicLink = program.command('magic-link').description('single-use login links');
  withAction(
    magicLink
      .command('create')
      .description("print a single-use login link, or email it with --send (lifetime: the event's setting)")
      .argument('<email>', "the person's email")
      .requiredOption('--event <event>', 'event slug or id (required)')
      .option('--ttl <duration>', 'lifetime such as 15m, 2h or 7d (at most 7 days)')
      .option('--send', 'email the link instead of printing it'),
  )
    .addHelpText('after', examples('t1 magic-link create arjun.patel@litware.example --event customer-day-live', 't1 magic-link create arjun.patel@litware.example --event customer-day-live --ttl 2h --send'))
    .action(
      action(() => import('../commands/magic-link/create.ts'), ([email], o) => ({ email, event: o.event, ttl: o.ttl, send: Boolean(o.send), ...actionFlags(o) })),
    );

  const setPasswordLink = program.command('set-password-link').description('set-password emails for people created without a password');
  withAction(
    setPasswordLink
      .command('send')
      .description('email a new set-password link (the older one stops working)')
      .argument('<email>', "the person's email")
      .requiredOption('--event <event>', 'event slug or id (required)'),
  )
    .addHelpText('after', examples('t1 set-password-link send benjamin.cohen@wideworldimporters.example --event product-summit-2027'))
    .action(action(() => import('../commands/set-password-link/send.ts'), ([email], o) => ({ email, event: o.event, ...actionFlags(o) })));

  const password = program.command('password').description('password resets');
  withAction(
    password
      .command('reset')
      .description('a password reset link valid for one hour, emailed (default) or printed')
      .argument('<email>', "the person's email")
      .option('--send', 'email the link to the person (the default)')
      .option('--print-link', 'print the link instead of emailing it')
      .option('--event <event>', 'event whose password rules apply'),
  )
    .addHelpText('after', examples('t1 password reset hiroshi.tanaka@contoso.example --send --ticket SUP-1234', 't1 password reset hiroshi.tanaka@contoso.example --print-link'))
    .action(
      action(() => import('../commands/password/reset.ts'), ([email], o) => ({
        email,
        event: o.event,
        send: Boolean(o.send),
        printLink: Boolean(o.printLink),
        ...actionFlags(o),
      })),
    );

  const mfa = program.command('mfa').description('two-factor authentication of people');
  mfa
    .command('status')
    .description('enrolled or not, since when, recovery codes left, pending enrollment')
    .argument('<email>', "the person's email")
    .addHelpText('after', examples('t1 mfa status hiroshi.tanaka@contoso.example'))
    .action(action(() => import('../commands/mfa/status.ts'), ([email]) => ({ email })));
  withAction(
    mfa
      .command('qr')
      .description('a new 2FA enrollment link (24 hours), emailed with --send or drawn as a QR code with --show')
      .argument('<email>', "the person's email")
      .option('--send', 'email the enrollment link')
      .option('--show', 'draw the enrollment link as a QR code for the person to scan'),
  )
    .addHelpText('after', examples('t1 mfa qr hiroshi.tanaka@contoso.example --send', 't1 mfa qr hiroshi.tanaka@contoso.example --show'))
    .action(action(() => import('../commands/mfa/qr.ts'), ([email], o) => ({ email, send: Boolean(o.send), show: Boolean(o.show), ...actionFlags(o) })));
  withAction(
    mfa
      .command('reset')
      .description("remove a person's 2FA after verifying their identity (admin)")
      .argument('<email>', "the person's email")
      .option('--verified-by <method>', 'how identity was verified, instead of the checklist questions')
      .option('--identity-check', 'rely on the code the person read back ("t1 identity check") in the last 30 minutes'),
  )
    .addHelpText(
      'after',
      examples(
        't1 mfa reset hiroshi.tanaka@contoso.example --ticket SUP-1234',
        't1 mfa reset hiroshi.tanaka@contoso.example --verified-by "video call with ID" --yes',
        't1 mfa reset hiroshi.tanaka@contoso.example --identity-check',
      ),
    )
    .action(
      action(() => import('../commands/mfa/reset.ts'), ([email], o) => ({ email, verifiedBy: o.verifiedBy, identityCheck: Boolean(o.identityCheck), ...actionFlags(o) })),
    );

  const identity = program.command('identity').description("check a caller's identity with a one-time code emailed to them (before removing 2FA)");
  withAction(
    identity
      .command('send-code')
      .description('email the person a one-time code (10 minutes, 5 tries) to read back to you')
      .argument('<email>', "the person's email"),
  )
    .addHelpText('after', examples('t1 identity send-code hiroshi.tanaka@contoso.example --ticket SUP-1234'))
    .action(action(() => import('../commands/identity/send-code.ts'), ([email], o) => ({ email, ...actionFlags(o) })));
  withAction(
    identity
      .command('check')
      .description('record the code the person read back; "t1 mfa reset --identity-check" then accepts it for 30 minutes')
      .argument('<email>', "the person's email")
      .argument('<code>', 'the code the person read from the email'),
  )
    .addHelpText('after', examples('t1 identity check hiroshi.tanaka@contoso.example 418207 --ticket SUP-1234'))
    .action(action(() => import('../commands/identity/check.ts'), ([email, code], o) => ({ email, code, ...actionFlags(o) })));

  program
    .command('troubleshoot')
    .description('a troubleshooting runbook of the support guide: questions, live checks, what to tell the caller, the fix ("list" lists topics)')
    .argument('[topic]', 'topic id, or "list"; on a terminal, omit it to search by what the caller says')
    .option('--email <email>', "the caller's email")
    .option('--event <event>', 'event slug or id')
    .option('--user-agent <ua>', "the caller's browser User-Agent")
    .option('--answer <key=value>', 'an answer to one of the runbook questions (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--reason <text>', 'reason recorded with any fix run (default: the topic)')
    .option('--ticket <id>', 'support ticket id recorded with any fix run')
    .addHelpText(
      'after',
      examples('t1 troubleshoot', 't1 troubleshoot list', 't1 troubleshoot credentials-incorrect --email yuki.sato@proseware.example --event product-summit-2027 --no-input --json'),
    )
    .action(
      action(() => import('../commands/troubleshoot/run.ts'), ([topic], o) => ({
        topic,
        email: o.email,
        event: o.event,
        userAgent: o.userAgent,
        answer: o.answer as string[],
        reason: o.reason,
        ticket: o.ticket,
      })),
    );

  program
    .command('diagnose')
    .description('every check that applies to a person at once: ✓ fine, ! worth knowing, ✗ wrong, with the command that fixes it')
    .argument('<email>', "the person's email (or an address with no account)")
    .option('--event <event>', 'only this event (default: each of their registrations)')
    .addHelpText('after', examples('t1 diagnose kwame.mensah@fourthcoffee.example', 't1 diagnose priya.sharma@contoso.example --event product-summit-2027 --json'))
    .action(action(() => import('../commands/diagnose/diagnose.ts'), ([email], o) => ({ email, event: o.event })));

  program
    .command('escalate')
    .description('the packet for tier two: person, registrations, event settings, diagnosis, timeline, emails, links, request ids (Markdown; --json for data)')
    .argument('<email>', "the person's email")
    .requiredOption('--ticket <id>', 'the support ticket (required)')
    .option('--topic <id>', 'also run this troubleshooting topic without prompts and include what it found')
    .option('--note <text>', "the agent's note for tier two")
    .option('--event <event>', 'only this event (default: each of their registrations)')
    .option('--user-agent <ua>', "the caller's browser User-Agent (default: the browser of their last visit)")
    .option('--out <file>', 'write the packet to this file (mode 0600) instead of stdout')
    .addHelpText(
      'after',
      examples(
        't1 escalate yuki.sato@proseware.example --ticket SUP-1234',
        't1 escalate yuki.sato@proseware.example --ticket SUP-1234 --topic credentials-incorrect --note "locked again after unlock" --out SUP-1234.md',
        't1 escalate yuki.sato@proseware.example --ticket SUP-1234 --json',
      ),
    )
    .action(
      action(() => import('../commands/escalate/escalate.ts'), ([email], o) => ({
        email,
        ticket: o.ticket,
        topic: o.topic,
        note: o.note,
        event: o.event,
        userAgent: o.userAgent,
        out: o.out,
      })),
    );

  const mail = program.command('mail').description('emails the platform sent');
  mail
    .command('log')
    .description("a person's emails: time, template, subject, delivery status, attempts, last error")
    .argument('<email>', "the person's email")
    .option('--event <event>', 'only emails about this event')
    .addHelpText('after', examples('t1 mail log priya.natarajan@fabrikam.example', 't1 mail log priya.natarajan@fabrikam.example --event product-summit-2027 --json'))
    .action(action(() => import('../commands/mail/log.ts'), ([email], o) => ({ email, event: o.event })));

  program
    .command('audit')
    .description('the audit log of support actions, newest first')
    .option('--user <email>', 'actions on this person')
    .option('--agent <email>', 'actions by this agent')
    .option('--since <duration>', 'only the last 30m, 12h, 7d...')
    .option('--limit <n>', 'at most n entries (1-1000)', wholeNumber(1, 1000), 100)
    .addHelpText('after', examples('t1 audit --since 7d', 't1 audit --user hiroshi.tanaka@contoso.example --json'))
    .action(action(() => import('../commands/audit/list.ts'), (_args, o) => ({ user: o.user, agent: o.agent, since: o.since, limit: o.limit })));

  const invitations = program.command('invitations').description('invite people to events');
  withAction(
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
      action(() => import('../commands/invitations/send.ts'), ([email], o) => ({
        email,
        event: o.event,
        firstName: o.firstName,
        lastName: o.lastName,
        role: o.role,
        ...actionFlags(o),
      })),
    );

  withAction(
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
      action(() => import('../commands/invitations/bulk.ts'), ([file], o) => ({
        file,
        event: o.event,
        role: o.role,
        dryRun: Boolean(o.dryRun),
        report: o.report,
        resume: Boolean(o.resume),
        batch: o.batch,
        map: (o.map as string[] | undefined) ?? [],
        ...actionFlags(o),
      })),
    );

  const org = program.command('org').description("the organisation's settings: 2FA policy, ticket rule, identity checklist");
  org
    .command('show')
    .description('show the settings')
    .addHelpText('after', examples('t1 org show', 't1 org show --json'))
    .action(action(() => import('../commands/org/show.ts'), () => ({})));
  withAction(
    org
      .command('set')
      .description('change a setting (admin): mfa-policy off|staff|everyone, ticket-required yes|no, identity-checklist "question"... (or none)')
      .argument('<setting>', 'mfa-policy, ticket-required or identity-checklist')
      .argument('<value...>', 'the new value; identity-checklist takes one question per argument'),
  )
    .addHelpText(
      'after',
      examples('t1 org set ticket-required yes', 't1 org set mfa-policy everyone --reason "security review"', 't1 org set identity-checklist "Caller named their event" "Caller read back the emailed code"'),
    )
    .action(action(() => import('../commands/org/set.ts'), ([setting, values], o) => ({ setting, values, ...actionFlags(o) })));

  const events = program.command('events').description('list and inspect events');
  events
    .command('list')
    .description('every event with its dates, phase, registration state and registrant count')
    .addHelpText('after', examples('t1 events list', 't1 events list --json'))
    .action(action(() => import('../commands/events/list.ts'), () => ({})));
  events
    .command('show')
    .description("an event's settings and registrants by status")
    .argument('<event>', 'event slug or id')
    .addHelpText('after', examples('t1 events show product-summit-2027'))
    .action(action(() => import('../commands/events/show.ts'), ([ref]) => ({ ref })));
  events
    .command('check-email')
    .description("would the event's address rules (approved domains, public email providers) accept this email? Registers nobody")
    .argument('<event>', 'event slug or id')
    .argument('<email>', 'the address the caller wants to register with')
    .addHelpText('after', examples('t1 events check-email product-summit-2027 jane.doe@contoso.example', 't1 events check-email customer-day-live someone@gmail.com --json'))
    .action(action(() => import('../commands/events/check-email.ts'), ([event, email]) => ({ event, email })));

  const browser = program.command('browser').description('browsers the event pages support');
  browser
    .command('check')
    .description("is the caller's browser supported, and what to tell them (works offline: no platform needed)")
    .argument('<user-agent>', 'the User-Agent string, in quotes')
    .addHelpText(
      'after',
      examples(
        't1 browser check "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"',
        't1 browser check "$UA" --json',
      ),
    )
    .action(action(() => import('../commands/browser/check.ts'), ([userAgent]) => ({ userAgent })));
  withAction(
    events
      .command('webhook-secret')
      .description("replace the event's webhook signing secret and print the new one once (admin)")
      .argument('<event>', 'event slug or id'),
  )
    .addHelpText('after', examples('t1 events webhook-secret product-summit-2027 --yes'))
    .action(action(() => import('../commands/events/webhook-secret.ts'), ([event], o) => ({ event, ...actionFlags(o) })));

  program
    .command('login')
    .description('sign in to a platform (email, password, 2FA code) and save the session in the active profile')
    .option('--email <email>', 'staff email (asked for when missing)')
    .option('--token [token]', 'save an API token instead; without a value it is read from stdin or asked for')
    .addHelpText(
      'after',
      examples(
        't1 login --api-url https://events.example.com',
        't1 login --api-url https://events.example.com --token',
        'echo "$TOKEN" | t1 login --api-url http://127.0.0.1:7070 --token',
      ),
    )
    .action(action(() => import('../commands/auth/login.ts'), (_args, o) => ({ token: o.token, email: o.email })));
  program
    .command('logout')
    .description('forget the token saved in the active profile')
    .addHelpText('after', examples('t1 logout', 't1 --profile staging logout'))
    .action(action(() => import('../commands/auth/logout.ts'), () => ({})));
  program
    .command('whoami')
    .description('the platform, organisation and role t1 is acting as')
    .addHelpText('after', examples('t1 whoami', 't1 whoami --json'))
    .action(action(() => import('../commands/auth/whoami.ts'), () => ({})));

  const config = program.command('config').description('read and change settings of the active profile');
  config
    .command('get')
    .description('print a setting (api-url, timeout) as in effect')
    .argument('<key>', 'api-url or timeout')
    .addHelpText('after', examples('t1 config get api-url'))
    .action(action(() => import('../commands/config/get.ts'), ([key]) => ({ key })));
  config
    .command('set')
    .description('save a setting in the active profile')
    .argument('<key>', 'api-url or timeout')
    .argument('<value>', 'the new value')
    .addHelpText('after', examples('t1 config set api-url https://events.example.com', 't1 config set timeout 10'))
    .action(action(() => import('../commands/config/set.ts'), ([key, value]) => ({ key, value })));
  config
    .command('unset')
    .description('remove a setting from the active profile (unsetting api-url returns to the embedded platform)')
    .argument('<key>', 'api-url or timeout')
    .addHelpText('after', examples('t1 config unset api-url'))
    .action(action(() => import('../commands/config/unset.ts'), ([key]) => ({ key })));
  config
    .command('list')
    .description('every setting in effect and where it comes from (flag, env, profile, default)')
    .addHelpText('after', examples('t1 config list'))
    .action(action(() => import('../commands/config/list.ts'), () => ({})));

  const profiles = program
    .command('profiles')
    .description('list saved profiles (or switch with "profiles use")')
    .addHelpText('after', examples('t1 profiles', 't1 profiles use staging'))
    .action(action(() => import('../commands/profiles/list.ts'), () => ({})));
  profiles
    .command('use')
    .description('make a profile the active one')
    .argument('<name>', 'profile name')
    .addHelpText('after', examples('t1 profiles use staging', 't1 profiles use default'))
    .action(action(() => import('../commands/profiles/use.ts'), ([name]) => ({ name })));

  const platform = program.command('platform').description('run and prepare the reference platform');
  platform
    .command('start')
    .description('serve the platform until Ctrl-C (without --db: the embedded database)')
    .option('--db <file>', 'SQLite file or postgres:// URL')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0: any free port)', wholeNumber(0, 65535), 4747)
    .option('--public-url <url>', 'base URL used in links the platform sends')
    .option('--demo', 'seed the demo organisation if the database does not have it')
    .option('--smtp <url>', 'send emails through this SMTP server, e.g. smtp://user:pass@mail.example.com:587 (env T1_SMTP_URL)')
    .option('--mail-from <address>', 'From header of the emails')
    .option('--trust-proxy <proxies>', 'behind a load balancer: true, or the proxy addresses/CIDRs (comma-separated) whose X-Forwarded-For to believe')
    .option('--quiet', 'log only failures on stderr, not every request')
    .option('--retention-days <n>', 'days activity entries and dead links are kept (1-3650, default 90)', wholeNumber(1, 3650))
    .addHelpText('after', examples('t1 platform start', 't1 platform start --db /tmp/p.db --port 7070 --demo', 't1 platform start --smtp smtp://127.0.0.1:2525'))
    .action(
      action(
        () => import('../commands/platform/start.ts'),
        (_args, o) => ({
          db: o.db,
          host: o.host,
          port: o.port,
          publicUrl: o.publicUrl,
          demo: Boolean(o.demo),
          quiet: Boolean(o.quiet),
          smtp: o.smtp,
          mailFrom: o.mailFrom,
          trustProxy: o.trustProxy,
          retentionDays: o.retentionDays,
        }),
      ),
    );
  platform
    .command('seed')
    .description('fill a platform database with the demo organisation')
    .option('--demo', 'the demo organisation: three events and about 40 people')
    .option('--db <file>', 'SQLite file or postgres:// URL (default: the embedded database)')
    .addHelpText('after', examples('t1 platform seed --demo --db /tmp/p.db'))
    .action(action(() => import('../commands/platform/seed.ts'), (_args, o) => ({ demo: Boolean(o.demo), db: o.db })));
  const token = platform.command('token').description('API tokens of a platform database');
  token
    .command('create')
    .description('issue an API token and print it once')
    .addOption(new Option('--role <role>', 'what the token may do').choices(STAFF_ROLES).makeOptionMandatory())
    .option('--name <name>', 'a label for the token')
    .option('--db <file>', 'SQLite file or postgres:// URL (default: the embedded database)')
    .option('--org-name <name>', 'name of the organisation to create when the database has none', 'My organisation')
    .addHelpText('after', examples('t1 platform token create --role agent --db /tmp/p.db'))
    .action(
      action(
        () => import('../commands/platform/token-create.ts'),
        (_args, o) => ({ role: o.role, name: o.name, db: o.db, orgName: o.orgName }),
      ),
    );

  showUsageAfterErrors(program);
  return program;
}

// A malformed flag or argument is answered with the command's usage line, not its whole help.
function showUsageAfterErrors(command: Commander, parents: string[] = []): void {
  const path = [...parents, command.name()];
  command.showHelpAfterError(`Usage: ${path.join(' ')} ${command.usage()}\nRun "${path.join(' ')} --help" for details.`);
  for (const sub of command.commands) showUsageAfterErrors(sub, path);
}

export async function runCli(argv: string[], io: IO, env: NodeJS.ProcessEnv, overrides: DepsOverrides = {}): Promise<number> {
  const state: CliRun = { exitCode: EXIT.ok };
  const program = buildProgram(io, env, state, overrides);
  const noArguments = argv.length === 0;
  if (noArguments) {
    if (io.stdinIsTTY && io.stdoutIsTTY && !env.CI) {
      const { runMenu } = await import('./menu.ts');
      return runMenu(io, env, overrides, (line, nested) => runCli(line, io, env, nested));
    }
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const { reportError } = await import('./report-error.ts');
    return reportError(error, io, state.deps?.flags.verbose ?? argv.includes('--verbose'));
  }
}
