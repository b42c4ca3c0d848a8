// Opens a platform: database (migrated), secret key, mail delivery, context, and the
// HTTP app. Both `t1 platform start` and the embedded platform of the CLI come here.
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from './app.ts';
import { cryptoTokens, systemClock, type Clock, type TokenGenerator } from './clock.ts';
import type { PlatformContext } from './context.ts';
import { createMailDelivery, createSmtpTransport, type MailDelivery } from './mail/delivery.ts';
import { loadSecretKey, secretBox, type SecretBox } from './secret-box.ts';
import { ConfigurationError } from './configuration-error.ts';
import { isPostgresUrl, openDatabase, type Db } from './storage/database.ts';
import { VERSION } from '../version.ts';
import { databaseActivityWriter, type ActivityWriter } from './activity/record.ts';
import { SYSTEM_ORIGIN } from './activity/origin.ts';
import { createPruner, DEFAULT_RETENTION_DAYS, type Pruner } from './activity/retention.ts';
import { createSmsDelivery, type SmsDelivery } from './sms/delivery.ts';
import { capturedSmsProvider, httpSmsGateway } from './sms/providers.ts';
import { appliedMigrations, createReadiness } from './routes/ops.ts';
import type { PlatformMetrics } from './metrics.ts';

export const DEFAULT_MAIL_FROM = '"Event support" <no-reply@events.example>';

export interface OpenPlatformOptions {
  /** SQLite file or postgres:// URL. */
  database: string;
  publicUrl: string;
  env: NodeJS.ProcessEnv;
  /** smtp:// or smtps:// URL; without it emails are kept as "captured". */
  smtpUrl?: string;
  mailFrom?: string;
  /** How often the delivery worker looks for queued mail. */
  mailPollMs?: number;
  /** http(s) URL of the SMS gateway (signed JSON POSTs, secret T1_SMS_GATEWAY_SECRET); without it text messages are kept as "captured". */
  smsGatewayUrl?: string;
  /** How often the SMS worker looks for queued messages. */
  smsPollMs?: number;
  logStream?: NodeJS.WritableStream;
  logLevel?: AppOptions['logLevel'];
  trustProxy?: AppOptions['trustProxy'];
  clock?: Clock;
  tokens?: TokenGenerator;
  /** Overrides the growing delay after failed sign-ins (tests use none). */
  signInDelayMs?: (failures: number) => number;
  /** Where activity entries go (a benchmark measures without them). */
  activityWriter?: ActivityWriter;
  /** Activity entries and dead link/session tokens older than this many days are pruned. Default 90. */
  retentionDays?: number;
  /** How often the pruner runs. Default 1 hour. */
  pruneIntervalMs?: number;
  /** Prometheus metrics: counted, and served at GET /metrics (or on `metricsPort` only). */
  metrics?: boolean;
  /** Serve /metrics on this port of the listening host instead of the public one (0: any free port). */
  metricsPort?: number;
}

/** How long a stop waits for requests and mails in flight by default. */
export const DEFAULT_GRACE_MS = 10_000;

/** 0.25 s after the first failure, doubling, at most 4 s: slow for guessing, fine for typos. */
export function growingDelayMs(failures: number): number {
  return failures <= 0 ? 0 : Math.min(250 * 2 ** (failures - 1), 4000);
}

export interface Platform {
  ctx: PlatformContext;
  app: FastifyInstance;
  delivery: MailDelivery | null;
  /** Sends text messages through the SMS gateway; null when they are captured. */
  smsDelivery: SmsDelivery | null;
  /** Prunes old activity, rate-limit rows and dead tokens in the background. */
  pruner: Pruner;
  /** Counted metrics, when on. */
  metrics: PlatformMetrics | null;
  /** Where /metrics is served on a port of its own, once listening. */
  metricsUrl: string | null;
  /** Listens and returns the base URL actually bound. */
  listen(host: string, port: number): Promise<string>;
  /**
   * Stops: /readyz says 503 at once, no new connection is taken, requests and mails in
   * flight get `graceMs` to finish (10 s), mails claimed but not started are handed back,
   * then the database closes.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

// A sealed known value in the database tells, at start, whether the key is the one the
// secrets were sealed with; a wrong key would otherwise surface later as failed sign-ins.
const KEY_CHECK = 'key-check';

async function checkSecretKey(db: Db, secrets: SecretBox): Promise<void> {
  const row = await db.selectFrom('platform_settings').select('value').where('key', '=', KEY_CHECK).executeTakeFirst();
  if (!row) {
    await db.insertInto('platform_settings').values({ key: KEY_CHECK, value: secrets.seal(KEY_CHECK) }).onConflict((oc) => oc.column('key').doNothing()).execute();
    return;
  }
  try {
    secrets.open(row.value);
  } catch {
    throw new ConfigurationError(
      'This database was set up with a different secret key.',
      'Use the key it was created with (T1_SECRET_KEY, or the key file beside the SQLite database).',
    );
  }
}

export function secretKeyFileFor(database: string): string {
  return `${database}.key`;
}

export async function openPlatform(options: OpenPlatformOptions): Promise<Platform> {
  const retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new ConfigurationError(`The retention must be a whole number of days, at least 1 (got ${retentionDays}).`, 'Pass --retention-days with a number from 1 to 3650.');
  }
  if (isPostgresUrl(options.database) && !options.env.T1_SECRET_KEY) {
    throw new ConfigurationError('A PostgreSQL platform needs T1_SECRET_KEY, the key that encrypts its secrets.', 'Generate one with: openssl rand -hex 32');
  }
  const key = loadSecretKey(options.env, secretKeyFileFor(options.database));
  const db = await openDatabase({ location: options.database });
  const clock = options.clock ?? systemClock;
  const secrets = secretBox(key);
  try {
    await checkSecretKey(db, secrets);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const tokens = options.tokens ?? cryptoTokens;
  // Loaded only when asked for: the embedded platform of every CLI command has none.
  const metricsModule = options.metrics || options.metricsPort !== undefined ? await import('./metrics.ts') : null;
  const metrics = metricsModule?.createMetrics({ db, clock }) ?? null;
  const writer = options.activityWriter ?? databaseActivityWriter(tokens);
  const activity = metricsModule && metrics ? metricsModule.countingActivityWriter(writer, metrics) : writer;
  // The database was migrated as it opened: what it has now is what this version needs.
  const readiness = createReadiness(db, await appliedMigrations(db));
  let app: FastifyInstance | undefined;
  const delivery = options.smtpUrl
    ? createMailDelivery({
        db,
        clock,
        secrets,
        transport: await createSmtpTransport(options.smtpUrl),
        from: options.mailFrom ?? DEFAULT_MAIL_FROM,
        pollIntervalMs: options.mailPollMs,
        tokens,
        activity,
        counters: metrics ?? undefined,
        log: (message) => app?.log.info(message),
      })
    : null;
  const smsProvider = options.smsGatewayUrl ? httpSmsGateway({ url: options.smsGatewayUrl, secret: options.env.T1_SMS_GATEWAY_SECRET ?? '', clock }) : capturedSmsProvider;
  const smsDelivery = smsProvider.kind === 'captured' ? null : createSmsDelivery({ db, clock, secrets, provider: smsProvider, pollIntervalMs: options.smsPollMs, log: (message) => app?.log.info(message) });
  const ctx: PlatformContext = {
    db,
    clock,
    tokens,
    secrets,
    publicUrl: options.publicUrl,
    version: VERSION,
    signInDelayMs: options.signInDelayMs ?? growingDelayMs,
    origin: SYSTEM_ORIGIN,
    activity,
    mail: { deliveryEnabled: delivery !== null, wake: () => delivery?.wake() },
    sms: { deliveryEnabled: smsDelivery !== null, wake: () => smsDelivery?.wake() },
  };
  app = await buildApp(ctx, {
    logStream: options.logStream,
    logLevel: options.logLevel,
    trustProxy: options.trustProxy,
    readiness,
    metrics: metrics ?? undefined,
    metricsRoute: metrics !== null && options.metricsPort === undefined,
  });
  const server = app;
  let metricsServer: Awaited<ReturnType<NonNullable<typeof metricsModule>['serveMetrics']>> | undefined;
  const pruner = createPruner({ db, clock, retentionDays, intervalMs: options.pruneIntervalMs });
  delivery?.start();
  smsDelivery?.start();
  pruner.start();
  const platform: Platform = {
    ctx,
    app: server,
    delivery,
    smsDelivery,
    pruner,
    metrics,
    metricsUrl: null,
    async listen(host, port) {
      await server.listen({ host, port });
      if (metricsModule && metrics && options.metricsPort !== undefined) {
        metricsServer = await metricsModule.serveMetrics(metrics, host, options.metricsPort);
        platform.metricsUrl = metricsServer.url;
      }
      const address = server.server.address();
      const boundPort = typeof address === 'object' && address ? address.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      return `http://${shownHost}:${boundPort}`;
    },
    async close({ graceMs = DEFAULT_GRACE_MS } = {}) {
      readiness.stop();
      // Requests past the grace period lose their connection; the process is going anyway.
      const cutOff = setTimeout(() => server.server.closeAllConnections(), graceMs);
      try {
        await Promise.all([server.close(), delivery?.stop(graceMs), smsDelivery?.stop()]);
      } finally {
        clearTimeout(cutOff);
      }
      await pruner.stop();
      await metricsServer?.close();
      await db.destroy();
    },
  };
  return platform;
}
