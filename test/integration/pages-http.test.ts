// The end-user pages at the HTTP level: security headers, CSRF, the friendly 429 page
// with Retry-After, registration refusals that store nothing, and growing delays
// turning into a lock after ten wrong passwords.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { DEMO_EXAMPLES, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import { issueLink } from '../../src/platform/services/link-tokens.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform.close();
});

const SLUG = 'product-summit-2027';

function cookiesOf(response: LightMyRequestResponse): string {
  return response.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

function csrfOf(html: string): string {
  return /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
}

/** GETs a page, then posts `fields` to `action` with its CSRF cookie and field. */
async function submit(page: string, action: string, fields: Record<string, string>, ip = '10.9.8.7') {
  const inject = platform.platform.app.inject.bind(platform.platform.app);
  const get = await inject({ method: 'GET', url: page, remoteAddress: ip });
  return inject({
    method: 'POST',
    url: action,
    remoteAddress: ip,
    headers: { cookie: cookiesOf(get), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: csrfOf(get.body), ...fields }).toString(),
  });
}

async function count(table: 'users' | 'registrations'): Promise<number> {
  const row = await platform.platform.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

const validRegistration = {
  first_name: 'Tomas',
  last_name: 'Berg',
  country: 'Sweden',
  job_title: 'Engineer',
  company: 'Contoso',
  email: 'tomas.berg@contoso.example',
  password: 'a-long-unusual-passphrase',
  confirmation: 'a-long-unusual-passphrase',
  terms: 'yes',
};

describe('end-user pages over HTTP', () => {
  it('send security headers and never a referrer', async () => {
    const response = await platform.platform.app.inject({ method: 'GET', url: `/e/${SLUG}/register` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuse a form posted without its CSRF value', async () => {
    const response = await platform.platform.app.inject({
      method: 'POST',
      url: `/e/${SLUG}/login`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `email=${encodeURIComponent(DEMO_EXAMPLES.twoFactorPerson)}&password=x`,
    });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('This form has expired');
  });

  it('show a page, not a 500, for an unknown event', async () => {
    const response = await platform.platform.app.inject({ method: 'GET', url: '/e/no-such-event/register' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('text/html');
  });

  it.each([
    ['a public email domain', { email: 'tomas.berg@gmail.com' }, 'email', 'gmail.com are not accepted'],
    ['a missing required field', { company: '' }, 'company', 'Company is required'],
    ['an unticked terms box', { terms: '' }, 'terms', 'accept the terms'],
    ['passwords that differ', { confirmation: 'something-else-entirely' }, 'confirmation', 'do not match'],
    ['a common password', { password: 'password123', confirmation: 'password123' }, 'password', 'too common'],
  ])('refuse registration with %s, next to the field, storing nothing', async (_label, change, fieldName, message) => {
    const before = [await count('users'), await count('registrations')];
    const response = await submit(`/e/${SLUG}/register`, `/e/${SLUG}/register`, { ...validRegistration, ...change });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain(`id="f-${fieldName}-error"`);
    expect(response.body).toContain(message);
    expect(response.body).toContain(`aria-describedby="f-${fieldName}-error"`);
    expect([await count('users'), await count('registrations')]).toEqual(before);
  });

  it('refuse an address outside the approved domains', async () => {
    await platform.platform.ctx.db.updateTable('events').set({ approved_domains: JSON.stringify(['contoso.example']) }).where('slug', '=', SLUG).execute();
    try {
      const before = await count('users');
      const response = await submit(`/e/${SLUG}/register`, `/e/${SLUG}/register`, { ...validRegistration, email: 'tomas.berg@fabrikam.example' });
      expect(response.statusCode).toBe(422);
      expect(response.body).toContain('open to addresses at contoso.example only');
      expect(await count('users')).toBe(before);
    } finally {
      await platform.platform.ctx.db.updateTable('events').set({ approved_domains: '[]' }).where('slug', '=', SLUG).execute();
    }
  });

  it('register a new person once; registering again creates nothing and re-sends the email', async () => {
    const first = await submit(`/e/${SLUG}/register`, `/e/${SLUG}/register`, { ...validRegistration, email: 'once@contoso.example' }, '10.1.1.1');
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('check your inbox');
    const before = [await count('users'), await count('registrations')];
    const second = await submit(`/e/${SLUG}/register`, `/e/${SLUG}/register`, { ...validRegistration, email: 'once@contoso.example' }, '10.1.1.1');
    expect(second.statusCode).toBe(200);
    expect([await count('users'), await count('registrations')]).toEqual(before);
    const mail = await runT1(['mail', 'log', 'once@contoso.example', '--json'], { env: platform.env() });
    expect(JSON.parse(mail.stdout).items.map((m: { template: string }) => m.template)).toEqual(['verify_account', 'verify_account']);
  });

  it('answer too many requests with a friendly 429 page and Retry-After', async () => {
    const email = DEMO_EXAMPLES.pendingVerificationPerson;
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 6; i++) last = await submit(`/e/${SLUG}/forgot-password`, `/e/${SLUG}/forgot-password`, { email }, '10.2.2.2');
    expect(last!.statusCode).toBe(429);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.body).toContain('Please wait a moment');
  });

  it('print no login link for a 2FA account, and ask for the code after an emailed one', async () => {
    const email = DEMO_EXAMPLES.twoFactorPerson;
    const printed = await runT1(['magic-link', 'create', email, '--event', 'customer-day-live', '--yes'], { env: platform.env() });
    expect(printed.exitCode).toBe(1);
    expect(printed.stderr).toContain('can only be emailed');
    const { ctx } = platform.platform;
    const user = await ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    const event = await ctx.db.selectFrom('events').selectAll().where('slug', '=', 'customer-day-live').executeTakeFirstOrThrow();
    const link = await issueLink(ctx.db, ctx, { kind: 'magic_link', orgId: user.org_id, userId: user.id, eventId: event.id, ttlMinutes: 15, createdBy: 'test' });
    const path = new URL(link.url).pathname;
    const used = await submit(path, path, {});
    expect(used.statusCode).toBe(303);
    expect(used.headers.location).toBe('/e/customer-day-live/login/code');
    expect(used.cookies.map((c) => c.name)).not.toContain('t1_session');
  });

  it('count parallel wrong passwords, so guessing in parallel still locks the account', async () => {
    platform.platform.ctx.signInDelayMs = () => 0;
    const email = DEMO_EXAMPLES.personWithOneRegistration;
    await Promise.all(Array.from({ length: 12 }, (_, i) => submit(`/e/${SLUG}/login`, `/e/${SLUG}/login`, { email, password: `parallel-${i}` }, `10.4.4.${i}`)));
    const user = await platform.platform.ctx.db.selectFrom('users').select(['failed_logins', 'locked_until']).where('email', '=', email).executeTakeFirstOrThrow();
    expect(user.failed_logins).toBe(12);
    expect(user.locked_until).not.toBeNull();
    await runT1(['users', 'unlock', email, '--yes'], { env: platform.env() });
  });

  it('answer an unknown address like a real one, down to the lock', async () => {
    platform.platform.ctx.signInDelayMs = () => 0;
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await submit(`/e/${SLUG}/login`, `/e/${SLUG}/login`, { email: 'nobody.here@contoso.example', password: `guess-${i}` }, '10.5.5.5')).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 401, 423]);
  });

  it('lock an account after ten wrong passwords in a row; an agent unlocks it', async () => {
    const email = DEMO_EXAMPLES.personWithSeveralRegistrations;
    platform.platform.ctx.signInDelayMs = () => 0;
    let response: LightMyRequestResponse | undefined;
    for (let i = 0; i < 10; i++) {
      response = await submit(`/e/${SLUG}/login`, `/e/${SLUG}/login`, { email, password: `wrong-${i}` }, '10.3.3.3');
      expect(response.statusCode).toBe(i < 9 ? 401 : 423);
    }
    const locked = await submit(`/e/${SLUG}/login`, `/e/${SLUG}/login`, { email, password: DEMO_PASSWORD }, '10.3.3.3');
    expect(locked.statusCode).toBe(423);
    expect(locked.body).toContain('locked');
    const show = await runT1(['users', 'show', email], { env: platform.env() });
    expect(show.stdout).toMatch(/Sign-in\tLOCKED until/);
    const unlock = await runT1(['users', 'unlock', email, '--yes'], { env: platform.env() });
    expect(unlock.stdout).toContain(`Unlocked ${email}`);
    const again = await submit(`/e/${SLUG}/login`, `/e/${SLUG}/login`, { email, password: DEMO_PASSWORD }, '10.3.3.3');
    expect(again.statusCode).toBe(303);
  });
});
