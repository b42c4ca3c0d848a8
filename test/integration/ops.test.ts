// Operating the platform: /healthz and /readyz for a load balancer, and the Prometheus
// metrics at /metrics, each instrument driven by real requests to an in-process platform
// on a temporary SQLite file; and HSTS on every answer when the public URL is https.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlatform, type OpenPlatformOptions, type Platform } from '../../src/platform/platform.ts';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES, DEMO_ORG_ID, DEMO_PASSWORD, seedDemo } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { Browser } from '../helpers/browserless.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';

interface Served {
  platform: Platform;
  url: string;
  token: string;
  logs: string[];
  close(): Promise<void>;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function serve(options: Partial<OpenPlatformOptions> = {}): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 't1-ops-'));
  dirs.push(dir);
  const logs: string[] = [];
  const logStream = new PassThrough();
  logStream.setEncoding('utf8').on('data', (chunk: string) => logs.push(...chunk.split('\n').filter(Boolean)));
  const platform = await openPlatform({
    database: join(dir, 'p.db'),
    publicUrl: 'http://127.0.0.1:4747',
    env: {},
    signInDelayMs: () => 0,
    logStream,
    logLevel: 'info',
    ...options,
  });
  await seedDemo(platform.ctx.db, platform.ctx);
  const { token } = await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'agent', name: 'ops test', createdBy: 'test' });
  const url = await platform.listen('127.0.0.1', 0);
  return { platform, url, token, logs, close: () => platform.close({ graceMs: 1000 }) };
}

/** The samples of one metric family in a scrape, as "labels value" lines. */
async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z0-9_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const has = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((label) => has.includes(label))) return Number(match[3]);
  }
  return undefined;
}

describe('health and readiness', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve();
  });
  afterAll(async () => {
    await served?.close();
  });

  it('/healthz and /readyz answer without a token, and are not logged at info', async () => {
    const before = served.logs.length;
    for (let i = 0; i < 3; i++) {
      const health = await fetch(`${served.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ ok: true });
      const ready = await fetch(`${served.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ok: true });
    }
    expect(served.logs.slice(before).filter((line) => /healthz|readyz/.test(line))).toEqual([]);
    // Other requests are.
    await fetch(`${served.url}/v1/health`);
    expect(served.logs.slice(before).some((line) => line.includes('/v1/health'))).toBe(true);
  });

  it('are not rate limited: a load balancer polling hard always gets its answer', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(`${served.url}/${i % 2 ? 'healthz' : 'readyz'}`).then((r) => r.status)));
    expect(new Set(answers)).toEqual(new Set([200]));
  });

  it('/readyz says 503 with the reason when the database lacks a migration', async () => {
    const { db } = served.platform.ctx;
    const [last] = await db.selectFrom('kysely_migration' as never).select('name' as never).orderBy('name' as never, 'desc').limit(1).execute() as { name: string }[];
    await db.deleteFrom('kysely_migration' as never).where('name' as never, '=', last!.name as never).execute();
    try {
      const ready = await fetch(`${served.url}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { error: { code: string; message: string; requestId: string; details: { reason: string; missing: string[] } } };
      expect(body.error).toMatchObject({ code: 'unavailable', details: { reason: 'migrations_pending', missing: [last!.name] } });
      expect(body.error.requestId).toMatch(/^req_/);
      // The process itself is fine.
      expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
      // The change is logged once, not on every poll.
      expect((await fetch(`${served.url}/readyz`)).status).toBe(503);
      expect(served.logs.filter((line) => line.includes('Not ready: The database lacks 1 migration'))).toHaveLength(1);
    } finally {
      await db.insertInto('kysely_migration' as never).values({ name: last!.name, timestamp: new Date().toISOString() } as never).execute();
    }
    expect((await fetch(`${served.url}/readyz`)).status).toBe(200);
  });

  it('/readyz says 503 when the database cannot be reached; /healthz does not ask it', async () => {
    const other = await serve();
    try {
      await other.platform.ctx.db.destroy();
      const ready = await fetch(`${other.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe('database_unreachable');
      expect((await fetch(`${other.url}/healthz`)).status).toBe(200);
    } finally {
      await other.platform.app.close();
    }
  });

  it('/metrics is not there unless metrics are on', async () => {
    const response = await fetch(`${served.url}/metrics`);
    expect(response.status).toBe(404);
    expect(served.platform.metrics).toBeNull();
  });
});

describe('metrics', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve({ metrics: true });
  });
  afterAll(async () => {
    await served?.close();
  });

  it('request latency by route pattern and status class, never the raw URL', async () => {
    const person = DEMO_EXAMPLES.personWithOneRegistration;
    const auth = { authorization: `Bearer ${served.token}` };
    expect((await fetch(`${served.url}/v1/users/${encodeURIComponent(person)}`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${served.url}/v1/users/${encodeURIComponent('nobody@contoso.example')}`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${served.url}/login-link/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG`)).status).toBeLessThan(500);
    expect((await fetch(`${served.url}/no/such/page/${person}`)).status).toBe(404);
    const text = await scrape(served.url);
    expect(sample(text, 't1_http_request_duration_seconds_count', { route: '/v1/users/:user', method: 'GET', status_class: '2xx' })).toBe(1);
    expect(sample(text, 't1_http_request_duration_seconds_count', { route: '/v1/users/:user', method: 'GET', status_class: '4xx' })).toBe(1);
    expect(sample(text, 't1_http_request_duration_seconds_count', { route: '/login-link/:token', method: 'GET' })).toBe(1);
    expect(sample(text, 't1_http_request_duration_seconds_count', { route: 'unmatched', status_class: '4xx' })).toBe(1);
    expect(sample(text, 't1_http_request_duration_seconds_bucket', { route: '/v1/users/:user', status_class: '2xx', le: '+Inf' })).toBe(1);
    expect(text).not.toContain('@');
    expect(text).not.toContain('abcdefghijklmnopqrstuvwxyz');
  });

  it('sign-in failures by reason code', async () => {
    const browser = new Browser(served.url);
    const signIn = async (email: string, password: string) => {
      const page = await browser.get(`/e/${DEMO_EVENT_SLUGS.upcoming}/login`);
      return browser.submit(page, { email, password }, `/e/${DEMO_EVENT_SLUGS.upcoming}/login`);
    };
    expect((await signIn('tomas.silva@contoso.example', 'not-it')).status).toBe(401);
    expect((await signIn('tomas.silva@contoso.example', 'not-it-either')).status).toBe(401);
    expect((await signIn('nobody.here@contoso.example', 'whatever')).status).toBe(401);
    expect((await signIn('tomas.silva@contoso.example', DEMO_PASSWORD)).status).toBe(303);
    const text = await scrape(served.url);
    expect(sample(text, 't1_sign_in_failures_total', { reason: 'wrong_password' })).toBe(2);
    expect(sample(text, 't1_sign_in_failures_total', { reason: 'unknown_address' })).toBe(1);
  });

  it('staff sign-in failures by reason', async () => {
    const login = (password: string) =>
      fetch(`${served.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: DEMO_EXAMPLES.agentStaff, password }),
      });
    expect((await login('not-it')).status).toBe(401);
    expect((await login('not-it-either')).status).toBe(401);
    const text = await scrape(served.url);
    expect(sample(text, 't1_staff_sign_in_failures_total', { reason: 'unauthenticated' })).toBe(2);
  });

  it('rate-limit hits by limit name', async () => {
    const browser = new Browser(served.url);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const page = await browser.get(`/e/${DEMO_EVENT_SLUGS.live}/login`);
      statuses.push((await browser.submit(page, { email: 'nobody.else@contoso.example' }, `/e/${DEMO_EVENT_SLUGS.live}/login-link`)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const text = await scrape(served.url);
    expect(sample(text, 't1_rate_limit_hits_total', { limit: 'login-link-account' })).toBe(2);
  });
});

describe('mail metrics', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink?.close();
  });

  async function resend(served: Served, email: string): Promise<void> {
    const response = await fetch(`${served.url}/v1/users/${encodeURIComponent(email)}/verification-emails`, {
      method: 'POST',
      headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event: DEMO_EVENT_SLUGS.upcoming, force: true, reason: 'metrics test' }),
    });
    expect(response.status, await response.text()).toBeLessThan(300);
  }

  it('counts mails sent', async () => {
    const served = await serve({ metrics: true, smtpUrl: sink.url, mailPollMs: 50 });
    try {
      const person = DEMO_EXAMPLES.pendingVerificationPerson;
      await resend(served, person);
      await sink.nextMail(person);
      await expect.poll(async () => sample(await scrape(served.url), 't1_mail_sent_total'), { timeout: 5_000 }).toBe(1);
      expect(sample(await scrape(served.url), 't1_mail_queue_depth')).toBe(0);
      expect(sample(await scrape(served.url), 't1_mail_queue_oldest_age_seconds')).toBe(0);
    } finally {
      await served.close();
    }
  });

  it('counts failed attempts, and reads the outbox depth and the oldest mail age on each scrape', async () => {
    let now = Date.parse('2027-01-10T09:00:00.000Z');
    const clock: Clock = { now: () => new Date(now) };
    // Nothing listens on port 9 of loopback: every attempt fails at once, and the mail waits for its retry.
    const served = await serve({ metrics: true, smtpUrl: 'smtp://127.0.0.1:9', mailPollMs: 50, clock });
    try {
      await resend(served, DEMO_EXAMPLES.pendingVerificationPerson);
      await resend(served, DEMO_EXAMPLES.personWithSeveralRegistrations);
      await expect.poll(async () => sample(await scrape(served.url), 't1_mail_failed_total', { final: 'false' }), { timeout: 5_000 }).toBe(2);
      now += 90_000;
      const text = await scrape(served.url);
      expect(sample(text, 't1_mail_queue_depth')).toBe(2);
      expect(sample(text, 't1_mail_queue_oldest_age_seconds')).toBe(90);
      expect(sample(text, 't1_mail_sent_total')).toBe(0);
    } finally {
      await served.close();
    }
  });
});

describe('metrics on a port of their own', () => {
  it('are served there only, not on the public port', async () => {
    const served = await serve({ metricsPort: 0 });
    try {
      expect(served.platform.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect((await fetch(`${served.url}/metrics`)).status).toBe(404);
      await fetch(`${served.url}/healthz`);
      const response = await fetch(served.platform.metricsUrl!);
      expect(response.status).toBe(200);
      expect(sample(await response.text(), 't1_http_request_duration_seconds_count', { route: '/healthz' })).toBe(1);
      expect((await fetch(served.platform.metricsUrl!.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await served.close();
    }
  });
});

describe('HSTS when the public URL is https', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve({ publicUrl: 'https://events.example', metrics: true });
  });
  afterAll(async () => {
    await served?.close();
  });

  it('is on every answer: ops endpoints, not-found pages and API errors, refusals and rate limits', async () => {
    const browser = new Browser(served.url);
    const limited: number[] = [];
    for (let i = 0; i < 6; i++) {
      const page = await browser.get(`/e/${DEMO_EVENT_SLUGS.live}/login`);
      limited.push((await browser.submit(page, { email: 'hsts.check@contoso.example' }, `/e/${DEMO_EVENT_SLUGS.live}/login-link`)).status);
    }
    expect(limited.at(-1)).toBe(429);
    const answers = await Promise.all([
      fetch(`${served.url}/healthz`),
      fetch(`${served.url}/readyz`),
      fetch(`${served.url}/metrics`),
      fetch(`${served.url}/no/such/page`),
      fetch(`${served.url}/v1/no-such-route`),
      fetch(`${served.url}/v1/users`),
      fetch(`${served.url}/v1/users/x`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
      fetch(`${served.url}/e/${DEMO_EVENT_SLUGS.live}/login-link`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=x' }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 404, 404, 401, 404, 403]);
    for (const answer of answers) expect(answer.headers.get('strict-transport-security'), answer.url).toBe('max-age=31536000');
  });
});
