// t1 platform start|seed|token create|list|revoke: the definitions; each verb's module (and the
// platform itself) loads when it runs.
import { Option, type Command as Commander } from 'commander';
import { STAFF_ROLES } from '../../contract/vocabulary.ts';
import { examples, wholeNumber, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const platform = program
    .command('platform')
    .description('run and prepare the reference platform')
    .addHelpText('after', examples('t1 platform start', 't1 platform seed --demo --db /tmp/p.db', 't1 platform token create --role agent --db /tmp/p.db'));
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
    .option('--sms-gateway <url>', 'send text message codes as signed JSON POSTs to this URL; the signing secret comes from T1_SMS_GATEWAY_SECRET (env T1_SMS_GATEWAY_URL)')
    .option('--trust-proxy <proxies>', 'behind a load balancer: true, or the proxy addresses/CIDRs (comma-separated) whose X-Forwarded-For to believe')
    .option('--quiet', 'log only failures on stderr, not every request')
    .option('--retention-days <n>', 'days activity entries and dead links are kept (1-3650, default 90)', wholeNumber(1, 3650))
    .option('--metrics', 'serve Prometheus metrics at /metrics (env T1_METRICS=1)')
    .option('--metrics-port <n>', 'serve /metrics on this port only, not on the public one (implies --metrics)', wholeNumber(0, 65535))
    .option('--grace-period <seconds>', 'on SIGTERM or Ctrl-C, how long requests and emails in flight may take to finish (0-300)', wholeNumber(0, 300), 10)
    .addHelpText(
      'after',
      examples('t1 platform start', 't1 platform start --db /tmp/p.db --port 7070 --demo', 't1 platform start --smtp smtp://127.0.0.1:2525', 't1 platform start --db /tmp/p.db --metrics-port 9464'),
    )
    .action(
      action(
        () => import('./start.ts'),
        (_args, o) => ({
          db: o.db,
          host: o.host,
          port: o.port,
          publicUrl: o.publicUrl,
          demo: Boolean(o.demo),
          quiet: Boolean(o.quiet),
          smtp: o.smtp,
          mailFrom: o.mailFrom,
          smsGateway: o.smsGateway,
          trustProxy: o.trustProxy,
          retentionDays: o.retentionDays,
          metrics: Boolean(o.metrics),
          metricsPort: o.metricsPort,
          gracePeriod: o.gracePeriod,
        }),
      ),
    );
  platform
    .command('seed')
    .description('fill a platform database with the demo organisation')
    .option('--demo', 'the demo organisation: three events and about 40 people')
    .option('--db <file>', 'SQLite file or postgres:// URL (default: the embedded database)')
    .option('--people <n>', 'also add this many generated people (with registrations, activity and mails) to the demo organisation', wholeNumber(1, 5_000_000))
    .addHelpText('after', examples('t1 platform seed --demo --db /tmp/p.db', 't1 platform seed --demo --people 1000000 --db /tmp/big.db'))
    .action(action(() => import('./seed.ts'), (_args, o) => ({ demo: Boolean(o.demo), db: o.db, people: o.people })));
  const token = platform
    .command('token')
    .description('API tokens of a platform database')
    .addHelpText('after', examples('t1 platform token create --role agent --db /tmp/p.db', 't1 platform token list --db /tmp/p.db', 't1 platform token revoke tok_8f2k1 --db /tmp/p.db'));
  token
    .command('create')
    .description('issue an API token and print it once')
    .addOption(new Option('--role <role>', 'what the token may do').choices(STAFF_ROLES).makeOptionMandatory())
    .option('--name <name>', 'a label for the token')
    .option('--db <file>', 'SQLite file or postgres:// URL (default: the embedded database)')
    .option('--org-name <name>', 'name of the organisation to create when the database has none', 'My organisation')
    .option('--expires <lifetime>', 'how long it lives: 90d, 12h, 1y... or never (default: 1y)')
    .addHelpText('after', examples('t1 platform token create --role agent --db /tmp/p.db', 't1 platform token create --role viewer --expires 90d --db /tmp/p.db'))
    .action(action(() => import('./token-create.ts'), (_args, o) => ({ role: o.role, name: o.name, db: o.db, orgName: o.orgName, expires: o.expires })));
  token
    .command('list')
    .description('every API token in the database: role, staff member, expiry, last use, state (never the secret)')
    .option('--db <file>', 'SQLite file or postgres:// URL (default: the embedded database)')
    .addHelpText('after', examples('t1 platform token list --db /tmp/p.db', 't1 platform token list --db /tmp/p.db --json'))
    .action(action(() => import('./token-list.ts'), (_args, o) => ({ db: o.db })));
  token
    .command('revoke')
    .description('revoke an API token in the database; every request with it is refused from then on')
    .argument('<id>', 'the token id, as "t1 platform token list" shows it')
    .option('--db <file>', 'SQLite file or postgres:// URL (default: the embedded database)')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples('t1 platform token revoke tok_8f2k1 --db /tmp/p.db'))
    .action(action(() => import('./token-revoke.ts'), ([id], o) => ({ id, db: o.db, yes: Boolean(o.yes) })));
}
