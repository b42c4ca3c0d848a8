// Prometheus metrics of one platform, for operators: request latency by route, the mail
// outbox, sign-in failures and rate-limit refusals. Each platform has its own registry
// (tests run several platforms in one process), and this module loads only when metrics
// are turned on, so the CLI's embedded platform never pays for prom-client.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ActivityWriter } from './activity/record.ts';
import type { Clock } from './clock.ts';
import type { Db } from './storage/database.ts';

/** What the platform counts into; every part of it is cheap enough to call on each event. */
export interface PlatformMetrics {
  /** One answered request: its route pattern (never the raw URL), method and status. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  mailSent(): void;
  /** A failed delivery attempt; `gaveUp` when it was the last one. */
  mailFailed(gaveUp: boolean): void;
  /** An attendee's sign-in refused, by the activity reason code (wrong_password, locked...). */
  signInFailed(reason: string): void;
  /** A staff member's sign-in (password or code) refused, by its reason (locked...) or error code. */
  staffSignInFailed(reason: string): void;
  /** A request refused by the named rate limit (sign-in-ip, register-account...). */
  rateLimited(limit: string): void;
  /** The exposition text, with the outbox gauges read from the database now. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

// From a cached page (a few ms) to a slow sign-in held back on purpose (up to 4 s).
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: { db: Db; clock: Clock }): PlatformMetrics {
  const { db, clock } = options;
  const registry = new Registry();
  const registers = [registry];
  const requests = new Histogram({
    name: 't1_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route pattern, method and status class.',
    labelNames: ['route', 'method', 'status_class'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const sent = new Counter({ name: 't1_mail_sent_total', help: 'Emails accepted by the SMTP server.', registers });
  const failed = new Counter({
    name: 't1_mail_failed_total',
    help: 'Failed email delivery attempts; final="true" when the mail was given up.',
    labelNames: ['final'],
    registers,
  });
  const signInFailures = new Counter({ name: 't1_sign_in_failures_total', help: 'Refused attendee sign-ins, by reason code.', labelNames: ['reason'], registers });
  const staffSignInFailures = new Counter({
    name: 't1_staff_sign_in_failures_total',
    help: 'Refused staff sign-ins (t1 login), by reason.',
    labelNames: ['reason'],
    registers,
  });
  const rateLimited = new Counter({ name: 't1_rate_limit_hits_total', help: 'Requests refused by a rate limit, by limit name.', labelNames: ['limit'], registers });

  // Both gauges come from one query per scrape; the status index finds the queued mails.
  let outbox: Promise<{ depth: number; oldestSeconds: number }> | undefined;
  const readOutbox = () =>
    (outbox ??= db
      .selectFrom('emails')
      .select((eb) => [eb.fn.countAll<number | string>().as('depth'), eb.fn.min('created_at').as('oldest')])
      .where('status', '=', 'queued')
      .executeTakeFirstOrThrow()
      .then((row) => ({
        depth: Number(row.depth),
        oldestSeconds: row.oldest ? Math.max(0, (clock.now().getTime() - new Date(row.oldest).getTime()) / 1000) : 0,
      })));
  new Gauge({
    name: 't1_mail_queue_depth',
    help: 'Emails waiting in the outbox to be sent.',
    registers,
    async collect() {
      this.set((await readOutbox()).depth);
    },
  });
  new Gauge({
    name: 't1_mail_queue_oldest_age_seconds',
    help: 'Age of the oldest email waiting in the outbox (0 when none waits).',
    registers,
    async collect() {
      this.set((await readOutbox()).oldestSeconds);
    },
  });

  return {
    observeRequest(route, method, status, seconds) {
      requests.observe({ route, method, status_class: `${Math.floor(status / 100)}xx` }, seconds);
    },
    mailSent: () => sent.inc(),
    mailFailed: (gaveUp) => failed.inc({ final: String(gaveUp) }),
    signInFailed: (reason) => signInFailures.inc({ reason }),
    staffSignInFailed: (reason) => staffSignInFailures.inc({ reason }),
    rateLimited: (limit) => rateLimited.inc({ limit }),
    async scrape() {
      try {
        return { contentType: registry.contentType, body: await registry.metrics() };
      } finally {
        outbox = undefined;
      }
    },
  };
}

/**
 * The activity writer with sign-in failures counted on their way in: every refused
 * attendee sign-in is recorded as `sign_in.failed` with its reason, wherever it happens.
 */
export function countingActivityWriter(writer: ActivityWriter, metrics: PlatformMetrics): ActivityWriter {
  const count = (entry: { kind: string; reason?: string | null }) => {
    if (entry.kind === 'sign_in.failed') metrics.signInFailed(entry.reason ?? 'unknown');
  };
  return {
    async write(db, entry) {
      await writer.write(db, entry);
      count(entry);
    },
    ...(writer.writeMany
      ? {
          async writeMany(db, entries) {
            await writer.writeMany!(db, entries);
            for (const entry of entries) count(entry);
          },
        }
      : {}),
  };
}

/** A listener of its own for /metrics, on a port the load balancer does not publish. */
export async function serveMetrics(metrics: PlatformMetrics, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Only GET /metrics is served here.\n');
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
      () => response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('The metrics could not be read from the database.\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
