// Several platform instances as one: two `t1 platform start` processes on one PostgreSQL
// database behind HAProxy (round robin, health-checked), the public URL set to the load
// balancer's, so every link in a mail leads through it. Whichever instance a request lands
// on, the outcome is the same: a browser's session and CSRF value work on both, a burst of
// failed sign-ins locks the account once, a link is used once, a webhook delivery counts
// once, and the mail workers of both instances share the outbox, each mail sent once, even
// when one instance is killed mid-drain and under traffic.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DELIVERY_CONCURRENCY } from '../../src/platform/mail/delivery.ts';
import { LOCK_AFTER_FAILURES } from '../../src/platform/services/attempt-lock.ts';
import { secretBox } from '../../src/platform/secret-box.ts';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import { chromiumAvailable, heading, launchBrowser, newContext, pressButton, visit } from '../helpers/browser.ts';
import { fillRegistration, fillSignIn, linkTo } from '../helpers/browser-suite.ts';
import { freePort, haproxyAvailable, startLoadBalancer, type LoadBalancer } from '../helpers/load-balancer.ts';
import { postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { totpAt } from '../helpers/totp.ts';
import { cleanupAll, exitWithin, freshDir, LISTENING_LINE, runT1, startT1, type RunningT1 } from '../helpers/spawn.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const UPCOMING = DEMO_EVENT_SLUGS.upcoming;
const LIVE = DEMO_EVENT_SLUGS.live;
const INSTANCES = 2;
/** Long enough for the whole file: the servers outlive single tests. */
const SERVER_LIFETIME_MS = 170_000;

const ready = haproxyAvailable() && (await postgresReachable());
if (!ready) process.stderr.write('\n[load-balanced tests] SKIPPED: they need /usr/sbin/haproxy (Debian: apt-get install haproxy) and a PostgreSQL server.\n\n');

interface Instance {
  url: string;
  port: number;
  home: string;
  server: RunningT1;
}


let clients = 0;
/** A new client address for each visitor, passed on by HAProxy in X-Forwarded-For, so per-address limits stay out of the way. */
function nextClientAddress(): string {
  clients += 1;
  return `10.77.${(clients >> 8) & 255}.${clients & 255}`;
}

/**
 * Sends a request again, once, when the connection it went out on closed with no answer
 * (a kept-alive connection closing just as it was reused), as a browser does. The tests
 * judge what the platform stored, which a request that got no answer cannot skew.
 */
async function sent(request: () => Promise<Response>): Promise<Response> {
  try {
    return await request();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code !== 'UND_ERR_SOCKET') throw error;
    return request();
  }
}

/** A visitor without a browser: a cookie jar and a client address, requests sent with fetch. */
function visitor() {
  const jar = new Map<string, string>();
  const address = nextClientAddress();
  const headers = (extra: Record<string, string> = {}) => ({
    'x-forwarded-for': address,
    cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
    ...extra,
  });
  const keep = (response: Response) => {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at).trim(), pair!.slice(at + 1).trim());
    }
    return response;
  };
  return {
    /** GETs a page with a form and returns its CSRF value. */
    async open(url: string): Promise<string> {
      const response = keep(await sent(() => fetch(url, { headers: headers(), redirect: 'manual' })));
      const body = await response.text();
      expect(response.status, body).toBe(200);
      const csrf = /name="csrf" value="([^"]+)"/.exec(body)?.[1];
      if (!csrf) throw new Error(`No CSRF field on ${url}`);
      return csrf;
    },
    async post(url: string, fields: Record<string, string>): Promise<Response> {
      return keep(
        await sent(() =>
          fetch(url, {
            method: 'POST',
            headers: headers({ 'content-type': 'application/x-www-form-urlencoded' }),
            body: new URLSearchParams(fields).toString(),
            redirect: 'manual',
          }),
        ),
      );
    },
  };
}

function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

describe.runIf(ready)('several platform instances on one PostgreSQL database behind HAProxy', () => {
  const secretKey = randomBytes(32).toString('hex');
  let scratch: ScratchDatabase;
  let sink: SmtpSink;
  let lb: LoadBalancer;
  let db: pg.Pool;
  let publicUrl: string;
  let agentToken: string;
  let adminToken: string;
  const instances: Instance[] = [];
  let settledBefore = new Set<string>();

  const t1Env = (token: string, url = publicUrl) => ({ T1_API_URL: url, T1_TOKEN: token });
  const query = async <T>(text: string, values: unknown[] = []): Promise<T[]> => (await db.query(text, values)).rows as T[];

  async function startInstance(port: number, home: string): Promise<Instance> {
    const server = startT1(
      ['platform', 'start', '--db', scratch.url, '--port', String(port), '--public-url', publicUrl, '--trust-proxy', '127.0.0.1', '--smtp', sink.url, '--quiet'],
      { home, env: { T1_SECRET_KEY: secretKey }, shared: true, timeoutMs: SERVER_LIFETIME_MS },
    );
    const [, url] = await server.waitForLine(LISTENING_LINE, 30_000);
    return { url: url!, port, home, server };
  }

  beforeAll(async () => {
    scratch = await scratchDatabase('t1_lb');
    db = new pg.Pool({ connectionString: scratch.url, max: 4 });
    sink = await startSmtpSink();
    const lbPort = await freePort();
    publicUrl = `http://127.0.0.1:${lbPort}`;
    const env = { T1_SECRET_KEY: secretKey };
    // Seeding migrates the database, so the instances start on a finished schema.
    const seeded = await runT1(['platform', 'seed', '--demo', '--db', scratch.url], { env, timeoutMs: 60_000 });
    expect(seeded.code, seeded.stderr).toBe(0);
    // The demo's mail history (sent, failed, captured long ago) is not for the instances to send.
    settledBefore = new Set((await query<{ id: string }>(`select id from emails where status <> 'queued'`)).map((r) => r.id));
    const token = async (role: string) => {
      const created = await runT1(['platform', 'token', 'create', '--role', role, '--db', scratch.url], { env });
      expect(created.code, created.stderr).toBe(0);
      return created.stdout.trim();
    };
    const ports: number[] = [];
    while (ports.length < INSTANCES) {
      const port = await freePort();
      if (port !== lbPort && !ports.includes(port)) ports.push(port);
    }
    const started = await Promise.all([token('agent'), token('admin'), ...ports.map((port) => startInstance(port, freshDir('t1-lb-home-')))]);
    [agentToken, adminToken] = started as [string, string];
    instances.push(...(started.slice(2) as Instance[]));
    lb = await startLoadBalancer({ backends: instances.map((i) => i.url), checkPath: '/readyz', port: lbPort });
  }, 90_000);

  afterAll(async () => {
    await lb?.close();
    await cleanupAll();
    await sink?.close();
    await db?.end();
    await scratch?.drop();
  });

  it('takes turns: consecutive requests land on different instances', async () => {
    const servedBy: string[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${publicUrl}/v1/health`);
      expect(response.status).toBe(200);
      servedBy.push(response.headers.get('x-served-by') ?? '');
    }
    expect(new Set(servedBy).size).toBe(INSTANCES);
    expect(servedBy[0]).not.toBe(servedBy[1]);
  });

  // The dead instance's claimed mails go out only once their leases lapse (a minute): the
  // tests in between run meanwhile, and the last test of the file checks the outbox.
  let drained = false;
  it(
    'queues 1,000 invitations across both instances; one instance killed mid-drain under traffic loses no answered request',
    { timeout: 60_000 },
    async () => {
      // 1. A stream of webhook registrations through the load balancer, from before the kill to after it.
      const rotated = await runT1(['events', 'webhook-secret', UPCOMING, '--yes'], { env: t1Env(adminToken) });
      expect(rotated.code, rotated.stderr).toBe(0);
      const secret = rotated.stdout.trim();
      const answered: { email: string; status: number }[] = [];
      let traffic = true;
      const register = async (n: number) => {
        const email = `traffic.${n}.${randomBytes(3).toString('hex')}@stream.example`;
        const body = JSON.stringify({ type: 'registration.created', data: { event: UPCOMING, email, firstName: 'Traffic', lastName: `Person${n}` } });
        const id = `msg_${randomUUID()}`;
        const now = Math.floor(Date.now() / 1000);
        const status = await fetch(`${publicUrl}/v1/webhooks/registrations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': nextClientAddress(), 'webhook-id': id, 'webhook-timestamp': String(now), 'webhook-signature': signWebhook(secret, id, now, body) },
          body,
        }).then(
          (r) => r.status,
          () => 0,
        );
        answered.push({ email, status });
      };
      let sequence = 0;
      const streams = Array.from({ length: 3 }, async () => {
        while (traffic) await register((sequence += 1));
      });

      // 2. 1,000 invitations in ten batches, through the load balancer, two at a time.
      const run = `run-${randomBytes(6).toString('hex')}`;
      const batches = Array.from({ length: 10 }, (_, b) => ({
        run,
        file: 'invitations.csv',
        batch: b,
        reason: 'load-balanced test',
        ticket: 'OPS-1000',
        rows: Array.from({ length: 100 }, (_, i) => ({ row: b * 100 + i + 2, email: `invitee.${b * 100 + i}@crowd.example`, firstName: 'Invited', lastName: `Person${b * 100 + i}` })),
      }));
      const postBatch = async (body: (typeof batches)[number]) => {
        // A batch is idempotent, so one the load balancer could not answer is sent again, as the CLI does.
        for (let attempt = 0; ; attempt++) {
          const answer = await fetch(`${publicUrl}/v1/events/${UPCOMING}/invitations/batch`, {
            method: 'POST',
            headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          }).then(
            async (response) => ({ status: response.status, text: await response.text() }),
            (error: Error) => ({ status: 0, text: error.message }),
          );
          if (answer.status > 0 && answer.status < 300) return JSON.parse(answer.text) as { results: { outcome: string }[] };
          if (attempt >= 4) throw new Error(`batch ${body.batch}: ${answer.status} ${answer.text}`);
          await sleep(500);
        }
      };
      const posting = (async () => {
        const results = [];
        for (let b = 0; b < batches.length; b += 2) results.push(...(await Promise.all(batches.slice(b, b + 2).map(postBatch))));
        return results;
      })();

      // 3. Mid-drain, and most likely while batches are still coming in, the second instance dies without warning. An instance holds at most
      //    one claimed batch at a time, so more leases than a batch means both hold some.
      await waitFor('both instances to be sending', 30_000, async () => {
        if (sink.received.length < 100) return undefined;
        const [leases] = await query<{ n: string }>(`select count(*) as n from emails where status = 'queued' and lease_until > $1`, [new Date().toISOString()]);
        return Number(leases!.n) > 2 * DEFAULT_DELIVERY_CONCURRENCY ? true : undefined;
      });
      const victim = instances[1]!;
      victim.server.child.kill('SIGKILL');
      await exitWithin(victim.server.exited, 5_000);
      await sleep(1_500);
      traffic = false;
      await Promise.all(streams);
      const results = await posting;
      expect(results.flatMap((r) => r.results).filter((r) => r.outcome === 'invited')).toHaveLength(1000);

      // Every registration the load balancer answered with success is there, read through the survivor.
      const accepted = answered.filter((a) => a.status === 201);
      expect(accepted.length).toBeGreaterThan(0);
      for (const { email } of accepted) {
        const shown = await fetch(`${instances[0]!.url}/v1/users/${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${agentToken}` } });
        expect(shown.status, email).toBe(200);
      }
      expect(answered.every((a) => a.status === 201 || a.status >= 500 || a.status === 0)).toBe(true);
      const invited = await query<{ n: string }>(`select count(*) as n from emails e join users u on u.id = e.user_id where u.email like 'invitee.%@crowd.example'`);
      expect(Number(invited[0]!.n)).toBe(1000);

      // The instance comes back on its port; the load balancer's health check takes it in again.
      instances[1] = await startInstance(victim.port, victim.home);
      await waitFor('the restarted instance to take requests', 10_000, async () => {
        const servedBy = new Set<string>();
        for (let i = 0; i < 4; i++) servedBy.add((await fetch(`${publicUrl}/v1/health`)).headers.get('x-served-by') ?? '');
        return servedBy.size === INSTANCES ? true : undefined;
      });
      drained = true;
    },
  );

  it.runIf(chromiumAvailable)('in Chromium: register, verify from the email, sign in, and sign in with a second factor, every request balanced', { timeout: 60_000 }, async () => {
    const email = `grace.hopper.${randomBytes(3).toString('hex')}@navy.example`;
    const password = 'Compiler-Pioneer-1952';
    const browser = await launchBrowser();
    try {
      const context = await newContext(browser);
      const page: Page = await context.newPage();
      const servedBy = new Set<string>();
      page.on('response', (response) => {
        const by = response.headers()['x-served-by'];
        if (by) servedBy.add(by);
      });
      await visit(page, `${publicUrl}/e/${UPCOMING}/register`);
      expect(await heading(page)).toBe('Register');
      await fillRegistration(page, {
        first_name: 'Grace',
        last_name: 'Hopper',
        country: 'United States',
        job_title: 'Rear Admiral',
        company: 'US Navy',
        email,
        password,
        confirmation: password,
        terms: true,
      });
      expect((await pressButton(page, 'Register')).status()).toBe(200);
      expect(await heading(page)).toMatch(/check your inbox/i);

      const verifyMail = await sink.nextMail(email, { timeoutMs: 15_000, after: 0 });
      const verifyLink = linkTo(verifyMail, '/verify/');
      expect(verifyLink.startsWith(`${publicUrl}/`)).toBe(true);
      await visit(page, verifyLink);
      await pressButton(page, 'Verify');
      expect(await heading(page)).toBe('Registration complete');

      await visit(page, `${publicUrl}/e/${UPCOMING}/login`);
      await fillSignIn(page, email, password);
      await pressButton(page, 'Sign in');
      expect(new URL(page.url()).pathname).toBe(`/e/${UPCOMING}`);
      expect(await heading(page)).toBe('Coming soon');
      // The signed-in session holds on both instances: a reload twice lands once on each.
      for (let i = 0; i < INSTANCES; i++) {
        await page.reload();
        expect(await heading(page)).toBe('Coming soon');
      }
      expect(servedBy.size).toBe(INSTANCES);
      await context.close();

      // Two-factor sign-in: the password step on one instance, the code step on the other;
      // a code once used is refused on whichever instance it comes back to.
      const person = DEMO_EXAMPLES.twoFactorPerson;
      const [row] = await query<{ mfa_secret_enc: string }>('select mfa_secret_enc from users where email = $1', [person]);
      const totpSecret = secretBox(Buffer.from(secretKey, 'hex')).open(row!.mfa_secret_enc);
      const second = await newContext(browser);
      const secondPage = await second.newPage();
      await visit(secondPage, `${publicUrl}/e/${UPCOMING}/login`);
      await fillSignIn(secondPage, person, DEMO_PASSWORD);
      await pressButton(secondPage, 'Sign in');
      expect(new URL(secondPage.url()).pathname).toBe(`/e/${UPCOMING}/login/code`);
      const code = totpAt(totpSecret, Date.now());
      await secondPage.locator('#f-code').fill(code);
      await pressButton(secondPage, 'Sign in');
      expect(new URL(secondPage.url()).pathname).toBe(`/e/${UPCOMING}`);
      await pressButton(secondPage, 'Sign out');
      for (let i = 0; i < INSTANCES; i++) {
        await fillSignIn(secondPage, person, DEMO_PASSWORD);
        await pressButton(secondPage, 'Sign in');
        await secondPage.locator('#f-code').fill(code);
        expect((await pressButton(secondPage, 'Sign in')).status()).toBe(401);
        await visit(secondPage, `${publicUrl}/e/${UPCOMING}/login`);
      }
      await second.close();
    } finally {
      await browser.close();
    }
  });

  it('failed sign-ins sent at once to both instances lock the account once', { timeout: 30_000 }, async () => {
    const email = DEMO_EXAMPLES.personWithSeveralRegistrations;
    const [user] = await query<{ id: string }>('select id from users where email = $1', [email]);
    const login = `${publicUrl}/e/${UPCOMING}/login`;
    const visitors = Array.from({ length: 2 * LOCK_AFTER_FAILURES }, () => visitor());
    const csrfs = await Promise.all(visitors.map((v) => v.open(login)));
    const answers = await Promise.all(visitors.map((v, i) => v.post(login, { csrf: csrfs[i]!, email, password: `wrong-${i}-${randomBytes(4).toString('hex')}` })));
    for (const answer of answers) expect(answer.status).toBeLessThan(500);

    const locks = await query<{ n: string }>(`select count(*) as n from activity where user_id = $1 and kind = 'account.locked'`, [user!.id]);
    expect(Number(locks[0]!.n)).toBe(1);
    const checked = await query<{ n: string }>(`select count(*) as n from activity where user_id = $1 and kind = 'sign_in.failed' and reason = 'wrong_password'`, [user!.id]);
    expect(Number(checked[0]!.n)).toBe(LOCK_AFTER_FAILURES);
    // The instances saw each visitor's address from X-Forwarded-For (--trust-proxy), not the balancer's.
    const networks = await query<{ network: string | null }>(`select distinct network from activity where user_id = $1 and kind = 'sign_in.failed'`, [user!.id]);
    expect(networks.length).toBeGreaterThan(0);
    for (const { network } of networks) expect(network).toMatch(/^10\.77\.\d+\.0\/24$/);
    const [row] = await query<{ locked_until: string | null }>('select locked_until from users where id = $1', [user!.id]);
    expect(row!.locked_until! > new Date().toISOString()).toBe(true);

    // The right password is refused too now, on each instance (posted to it directly).
    for (const instance of instances) {
      const person = visitor();
      const csrf = await person.open(login);
      const answer = await person.post(`${instance.url}/e/${UPCOMING}/login`, { csrf, email, password: DEMO_PASSWORD });
      expect(answer.status).not.toBe(303);
      expect(await answer.text()).toContain('This account is locked after too many failed sign-ins');
    }
  });

  it('a login link used 50 times at once across both instances signs in once', { timeout: 30_000 }, async () => {
    const [person] = await query<{ email: string }>(
      `select u.email from users u join registrations r on r.user_id = u.id join events e on e.id = r.event_id
       where e.slug = $1 and r.status = 'registered' and u.blocked = 0 and u.mfa_confirmed_at is null and u.locked_until is null order by u.email limit 1`,
      [LIVE],
    );
    const created = await runT1(['magic-link', 'create', person!.email, '--event', LIVE, '--yes', '--reason', 'load-balanced test', '--json'], { env: t1Env(agentToken) });
    expect(created.code, created.stderr).toBe(0);
    const link = /https?:\/\/[^\s"]+\/login-link\/[^\s"]+/.exec(created.stdout)![0];
    expect(link.startsWith(`${publicUrl}/`)).toBe(true);

    const visitors = Array.from({ length: 50 }, () => visitor());
    const csrfs = await Promise.all(visitors.map((v) => v.open(link)));
    const answers = await Promise.all(visitors.map((v, i) => v.post(link, { csrf: csrfs[i]! })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 410)).toHaveLength(49);
    const winner = answers.find((a) => a.status !== 410)!;
    expect(winner.status).toBeGreaterThanOrEqual(300);
    expect(winner.status).toBeLessThan(400);
    expect(new URL(winner.headers.get('location')!, publicUrl).pathname).toBe(`/e/${LIVE}`);
    const used = await query<{ n: string }>(`select count(*) as n from activity a join users u on u.id = a.user_id where u.email = $1 and a.kind = 'link.used'`, [person!.email]);
    expect(Number(used[0]!.n)).toBe(1);
  });

  it('the same signed webhook delivery sent to both instances at once registers once', { timeout: 30_000 }, async () => {
    const rotated = await runT1(['events', 'webhook-secret', UPCOMING, '--yes'], { env: t1Env(adminToken) });
    expect(rotated.code, rotated.stderr).toBe(0);
    const secret = rotated.stdout.trim();
    const email = `katherine.johnson.${randomBytes(3).toString('hex')}@orbits.example`;
    const body = JSON.stringify({ type: 'registration.created', data: { event: UPCOMING, email, firstName: 'Katherine', lastName: 'Johnson', company: 'Orbits' } });
    const id = `msg_${randomUUID()}`;
    const now = Math.floor(Date.now() / 1000);
    const headers = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(now), 'webhook-signature': signWebhook(secret, id, now, body) };
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => fetch(`${instances[i % INSTANCES]!.url}/v1/webhooks/registrations`, { method: 'POST', headers, body })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    const users = await query<{ id: string }>('select id from users where email = $1', [email]);
    expect(users).toHaveLength(1);
    const registrations = await query<{ n: string }>('select count(*) as n from registrations where user_id = $1', [users[0]!.id]);
    expect(Number(registrations[0]!.n)).toBe(1);
    const mails = await query<{ n: string }>('select count(*) as n from emails where user_id = $1', [users[0]!.id]);
    expect(Number(mails[0]!.n)).toBe(1);
  });

  it('every mail of the outbox, from either instance, reaches the SMTP server once', { timeout: 90_000 }, async () => {
    expect(drained, 'runs after the test that queues the invitations and kills an instance').toBe(true);
    // Those the dead instance had claimed go once its leases lapse (a minute).
    const messageIdOf = (id: string) => `<${id}@t1.platform>`;
    const outboxNow = async () => (await query<{ id: string; status: string }>('select id, status from emails')).filter((r) => !settledBefore.has(r.id));
    let missing: { id: string; status: string }[] = [];
    const outbox = await waitFor('every queued mail to be sent', 80_000, async () => {
      const rows = await outboxNow();
      const delivered = new Set(sink.received.map((m) => m.messageId));
      missing = rows.filter((r) => r.status !== 'sent' || !delivered.has(messageIdOf(r.id)));
      return missing.length === 0 ? rows : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message} ${missing.length} not sent or not received, e.g. ${JSON.stringify(missing.slice(0, 5))}`);
    });
    expect(outbox.filter((r) => r.status !== 'sent')).toEqual([]);
    const copies = new Map<string, number>();
    for (const mail of sink.received) copies.set(mail.messageId ?? '', (copies.get(mail.messageId ?? '') ?? 0) + 1);
    expect(copies.size).toBe(outbox.length);
    // A second copy only of a mail whose send the kill cut off after the SMTP server
    // took it: the same Message-ID, the same mail.
    const doubled = [...copies].filter(([, n]) => n > 1);
    expect(doubled.every(([, n]) => n === 2)).toBe(true);
    expect(doubled.length).toBeLessThanOrEqual(DEFAULT_DELIVERY_CONCURRENCY);
    for (const [messageId] of doubled) {
      const [first, second] = sink.received.filter((m) => m.messageId === messageId);
      expect({ to: second!.to, subject: second!.subject, text: second!.text }).toEqual({ to: first!.to, subject: first!.subject, text: first!.text });
    }
  });
});
