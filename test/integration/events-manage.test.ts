// Admins create events and change every setting from t1 (and the API): defaults, local
// times read in the event's zone, each setting stored as the pages read it, field errors
// for bad input (never a 500), the admin role, the audit log, Idempotency-Key and races
// (on SQLite, and on PostgreSQL when a server is reachable).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { scriptedPrompter } from '../helpers/scripted-prompter.ts';
import type { StaffRole } from '../../src/contract/vocabulary.ts';
import { postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { DEMO_ORG_ID, seedDemo } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import { EVENT_SETTING_NAMES } from '../../src/contract/event-settings.ts';
import { EVENT_SETTING_WORDS } from '../../src/commands/events/commands.ts';
import { record, rows } from './support.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform.close();
});

const t1 = (args: string[], role: StaffRole = 'admin') => runT1(args, { env: platform.env(role) });
const stored = (slug: string) => platform.platform.ctx.db.selectFrom('events').selectAll().where('slug', '=', slug).executeTakeFirstOrThrow();
const countEvents = async () => Number((await platform.platform.ctx.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

async function audit(): Promise<any[]> {
  const result = await t1(['audit', '--json', '--since', '1d']);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout).items;
}

async function api(method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(new URL(path, platform.url), {
    method,
    headers: { authorization: `Bearer ${platform.tokens.admin}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

const schedule = { title: 'Spring Forum 2027', startsAt: '2027-04-20T09:00', endsAt: '2027-04-20T17:00', timezone: 'Europe/Berlin' };

async function create(slug: string, args: string[] = []) {
  const result = await t1(['events', 'create', slug, '--title', 'Spring Forum 2027', '--starts', '2027-04-20T09:00', '--ends', '2027-04-20T17:00', '--timezone', 'Europe/Berlin', '--yes', ...args]);
  expect(result.exitCode, result.stderr).toBe(0);
  return result;
}

describe('t1 events create', () => {
  it('creates an event with defaults for every other setting, times read in its zone, and audits it', async () => {
    const result = await create('spring-forum-2027', ['--reason', 'new customer event', '--ticket', 'SUP-100']);
    const fields = record(result.stdout);
    expect(fields).toMatchObject({
      Title: 'Spring Forum 2027',
      Slug: 'spring-forum-2027',
      Starts: '2027-04-20 09:00 Europe/Berlin',
      Ends: '2027-04-20 17:00 Europe/Berlin',
      'Time zone': 'Europe/Berlin',
      Phase: 'upcoming',
      Registration: 'open',
      'Login method': 'email and password',
      'Verifies email': 'yes',
      'Approved domains': 'any',
      'Public domains': 'refused',
      'Password length': '10 to 128 characters',
      'Link lifetimes': 'verification 2 days, login link 15 minutes, set password 3 days',
      'Form fields': 'First name *, Last name *, Company, Job title',
      'Webhook secret': 'none (make one with t1 events webhook-secret)',
      Registrants: '0 (not counting unregistered people)',
    });
    expect(result.stderr).toContain('Created spring-forum-2027.');

    const row = await stored('spring-forum-2027');
    // Berlin is on summer time (UTC+2) in April.
    expect(row).toMatchObject({ starts_at: '2027-04-20T07:00:00.000Z', ends_at: '2027-04-20T15:00:00.000Z', timezone: 'Europe/Berlin', org_id: 'org_demo' });
    expect(JSON.parse(row.form_fields)).toEqual([
      { name: 'first_name', label: 'First name', required: true },
      { name: 'last_name', label: 'Last name', required: true },
      { name: 'company', label: 'Company', required: false },
      { name: 'job_title', label: 'Job title', required: false },
    ]);
    expect(row.webhook_secret_sealed).toBeNull();

    const entry = (await audit()).find((a) => a.action === 'event.create' && a.target === 'spring-forum-2027');
    expect(entry).toMatchObject({ result: 'ok', reason: 'new customer event', ticket: 'SUP-100', actorRole: 'admin' });
    expect(entry.detail).toMatchObject({ slug: 'spring-forum-2027', timezone: 'Europe/Berlin' });

    const listed = rows((await t1(['events', 'list'], 'viewer')).stdout).find((r) => r[0] === 'spring-forum-2027');
    expect(listed?.[1]).toBe('Spring Forum 2027');
  });

  it('takes times with an offset as given, and a zone in any case', async () => {
    const result = await t1(['events', 'create', 'apac-day-2027', '--title', 'APAC Day', '--starts', '2027-05-03T09:00+08:00', '--ends', '2027-05-03T09:00Z', '--timezone', 'asia/singapore', '--yes', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ slug: 'apac-day-2027', timezone: 'Asia/Singapore', startsAt: '2027-05-03T01:00:00.000Z', endsAt: '2027-05-03T09:00:00.000Z' });
  });

  it('reads a local time the clocks pass twice (daylight saving ends) as the earlier one', async () => {
    const response = await api('POST', '/v1/events', { slug: 'autumn-night-2027', ...schedule, startsAt: '2027-10-31T02:30', endsAt: '2027-10-31T05:00' });
    expect(response.status).toBe(201);
    // 02:30 summer time (UTC+2), not the 02:30 an hour later in winter time (UTC+1).
    expect(response.body).toMatchObject({ startsAt: '2027-10-31T00:30:00.000Z', endsAt: '2027-10-31T04:00:00.000Z' });
  });

  it('names the missing flag, and asks on a terminal before creating', async () => {
    const missing = await t1(['events', 'create', 'no-title-event', '--starts', '2027-04-20T09:00', '--ends', '2027-04-20T17:00', '--timezone', 'UTC', '--yes']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('Give --title');

    const before = await countEvents();
    const unconfirmed = await t1(['events', 'create', 'unconfirmed-event', '--title', 'X', '--starts', '2027-04-20T09:00', '--ends', '2027-04-20T17:00', '--timezone', 'UTC']);
    expect(unconfirmed.exitCode).toBe(2);
    expect(unconfirmed.stderr).toContain('--yes');

    const declined = await runT1(['events', 'create', 'declined-event', '--title', 'X', '--starts', '2027-04-20T09:00', '--ends', '2027-04-20T17:00', '--timezone', 'UTC'], {
      env: platform.env('admin'),
      tty: true,
      overrides: { prompter: scriptedPrompter([{ confirm: false }]) },
    });
    expect(declined.exitCode).toBe(130);
    expect(await countEvents()).toBe(before);
  });

  it('refuses an agent (exit 4) and audits the refusal', async () => {
    const result = await t1(['events', 'create', 'agent-made-event', '--title', 'X', '--starts', '2027-04-20T09:00', '--ends', '2027-04-20T17:00', '--timezone', 'UTC', '--yes'], 'agent');
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('admin');
    expect(await platform.platform.ctx.db.selectFrom('events').select('id').where('slug', '=', 'agent-made-event').executeTakeFirst()).toBeUndefined();
    expect((await audit()).find((a) => a.action === 'event.create' && a.target === 'agent-made-event')).toMatchObject({ result: 'refused', actorRole: 'agent' });
  });

  it.each([
    ['a bad slug', ['Bad Slug!', '--timezone', 'UTC'], 'slug must be 3 to 60 lower case letters'],
    ['an unknown time zone', ['good-slug-1', '--timezone', 'Mars/Olympus_Mons'], 'is not an IANA time zone'],
    ['an offset for a zone', ['good-slug-2', '--timezone', '+02:00'], 'is not an IANA time zone'],
  ])('reports %s as a usage error (exit 2), creating nothing', async (_what, [slug, ...rest], message) => {
    const before = await countEvents();
    const result = await t1(['events', 'create', slug!, '--title', 'X', '--starts', '2027-04-20T09:00', '--ends', '2027-04-20T17:00', ...rest, '--yes']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(await countEvents()).toBe(before);
  });

  it('refuses a slug that is taken (409, exit 1)', async () => {
    const result = await t1(['events', 'create', 'product-summit-2027', '--title', 'X', '--starts', '2027-04-20T09:00', '--ends', '2027-04-20T17:00', '--timezone', 'UTC', '--yes']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('An event with the slug "product-summit-2027" already exists');
    expect((await audit()).find((a) => a.action === 'event.create' && a.target === 'product-summit-2027')).toMatchObject({ result: 'refused' });
  });
});

describe('POST /v1/events and PATCH /v1/events/:event: validation', () => {
  const fieldOf = (body: any) => body.error.details.fields.map((f: { field: string }) => f.field);

  it.each([
    ['bad slug', { slug: '-nope-', ...schedule }, 422, 'body.slug'],
    ['slug with underscores', { slug: 'evt_abc', ...schedule }, 422, 'body.slug'],
    ['unknown zone', { slug: 'zone-test', ...schedule, timezone: 'Europe/Atlantis' }, 422, 'body.timezone'],
    ['ends before starts', { slug: 'order-test', ...schedule, endsAt: '2027-04-20T08:00' }, 422, 'body.endsAt'],
    ['ends as it starts', { slug: 'order-test', ...schedule, endsAt: '2027-04-20T09:00' }, 422, 'body.endsAt'],
    ['not a date', { slug: 'date-test', ...schedule, startsAt: 'next tuesday' }, 422, 'body.startsAt'],
    ['30 February', { slug: 'date-test', ...schedule, startsAt: '2027-02-30T09:00' }, 422, 'body.startsAt'],
    ['a local time the clocks skip', { slug: 'dst-test', ...schedule, startsAt: '2027-03-28T02:30' }, 422, 'body.startsAt'],
    ['an approved domain that is not a domain', { slug: 'domain-test', ...schedule, approvedDomains: ['contoso.com', 'not a domain'] }, 422, 'body.approvedDomains.1'],
    ['a URL as a domain', { slug: 'domain-test', ...schedule, approvedDomains: ['https://contoso.com'] }, 422, 'body.approvedDomains.0'],
    ['a password policy out of range', { slug: 'policy-test', ...schedule, passwordPolicy: { minLength: 6, maxLength: 200 } }, 422, 'body.passwordPolicy.minLength'],
    ['a password policy upside down', { slug: 'policy-test', ...schedule, passwordPolicy: { minLength: 40, maxLength: 20 } }, 422, 'body.passwordPolicy.maxLength'],
    ['a link lifetime of 0', { slug: 'ttl-test', ...schedule, linkLifetimes: { loginLinkMinutes: 0 } }, 422, 'body.linkLifetimes.loginLinkMinutes'],
    ['a login link over 7 days', { slug: 'ttl-test', ...schedule, linkLifetimes: { loginLinkMinutes: 7 * 1440 + 1 } }, 422, 'body.linkLifetimes.loginLinkMinutes'],
    ['an unknown form field', { slug: 'form-test', ...schedule, formFields: [{ name: 'shoe_size', required: true }] }, 422, 'body.formFields.0.name'],
    ['a form without the names', { slug: 'form-test', ...schedule, formFields: [{ name: 'company', required: true }] }, 422, 'body.formFields'],
    ['an unknown login method', { slug: 'login-test', ...schedule, loginMethod: 'carrier_pigeon' }, 422, 'body.loginMethod'],
    ['an unknown field', { slug: 'extra-test', ...schedule, colour: 'blue' }, 422, 'body.colour'],
    ['a title with control characters', { slug: 'title-test', ...schedule, title: 'Evil\u001b[2J' }, 422, 'body.title'],
    ['a missing title', { slug: 'title-test', ...schedule, title: undefined }, 422, 'body.title'],
    ['a duplicate slug', { slug: 'customer-day-live', ...schedule }, 409, 'body.slug'],
    ['a public provider approved while public domains are refused', { slug: 'gmail-test', ...schedule, approvedDomains: ['gmail.com'] }, 422, 'body.approvedDomains'],
  ])('create: %s is a field error', async (_what, body, status, field) => {
    const before = await countEvents();
    const response = await api('POST', '/v1/events', body);
    expect(response.status).toBe(status);
    expect(fieldOf(response.body)).toContain(field);
    expect(await countEvents()).toBe(before);
  });

  it('a body that is not JSON is a 400, not a 500', async () => {
    const response = await fetch(new URL('/v1/events', platform.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.tokens.admin}`, 'content-type': 'application/json' },
      body: '{"slug": ',
    });
    expect(response.status).toBe(400);
  });

  it.each([
    ['nothing to change', { reason: 'x' }, 'body'],
    ['ends before the stored start', { endsAt: '2020-01-01T00:00' }, 'body.endsAt'],
    ['starts after the stored end', { startsAt: '2099-01-01T00:00' }, 'body.endsAt'],
    ['an unknown zone', { timezone: 'Nowhere/Special' }, 'body.timezone'],
    ['a bad approved domain', { approvedDomains: ['contoso'] }, 'body.approvedDomains.0'],
    ['a slug (it cannot change)', { slug: 'renamed' }, 'body'],
  ])('update: %s is a 422 field error', async (_what, body, field) => {
    const before = await stored('product-summit-2027');
    const response = await api('PATCH', '/v1/events/product-summit-2027', body);
    expect(response.status).toBe(422);
    expect(fieldOf(response.body)).toContain(field);
    expect(await stored('product-summit-2027')).toEqual(before);
  });

  it('update: public domains cannot be refused while a public provider is approved', async () => {
    const created = await api('POST', '/v1/events', { slug: 'community-day', ...schedule, refusePublicDomains: false, approvedDomains: ['gmail.com', 'contoso.com'] });
    expect(created.status).toBe(201);
    const refused = await api('PATCH', '/v1/events/community-day', { refusePublicDomains: true });
    expect(refused.status).toBe(422);
    expect(fieldOf(refused.body)).toEqual(['body.refusePublicDomains']);
    expect(refused.body.error.message).toContain('gmail.com');
    const both = await api('PATCH', '/v1/events/community-day', { refusePublicDomains: true, approvedDomains: ['contoso.com'] });
    expect(both.status).toBe(200);
    expect(both.body).toMatchObject({ refusePublicDomains: true, approvedDomains: ['contoso.com'] });
  });

  it('update: an unknown event is a 404', async () => {
    const response = await api('PATCH', '/v1/events/no-such-event', { registrationOpen: false });
    expect(response.status).toBe(404);
  });

  it('create: a repeated Idempotency-Key answers the first event again and creates one', async () => {
    const body = { slug: 'idempotent-event', ...schedule, reason: 'retry test' };
    const first = await api('POST', '/v1/events', body, { 'idempotency-key': 'create-idempotent-event' });
    const again = await api('POST', '/v1/events', body, { 'idempotency-key': 'create-idempotent-event' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const other = await api('POST', '/v1/events', { ...body, title: 'Another' }, { 'idempotency-key': 'create-idempotent-event' });
    expect(other.status).toBe(422);
  });

  it('create: parallel requests for one slug make one event; the others get 409', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => api('POST', '/v1/events', { slug: 'raced-event', ...schedule, title: `Raced ${i}` })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const made = await platform.platform.ctx.db.selectFrom('events').select('id').where('slug', '=', 'raced-event').execute();
    expect(made).toHaveLength(1);
  });

  it('update: a new start and a new end racing cannot leave the event ending before it starts', async () => {
    await api('POST', '/v1/events', { slug: 'schedule-race', ...schedule });
    // Each is fine against the stored schedule (09:00 to 17:00); together they are not.
    const [earlierEnd, laterStart] = await Promise.all([
      api('PATCH', '/v1/events/schedule-race', { endsAt: '2027-04-20T10:00' }),
      api('PATCH', '/v1/events/schedule-race', { startsAt: '2027-04-20T12:00' }),
    ]);
    expect([earlierEnd.status, laterStart.status].sort()).toEqual([200, 422]);
    const row = await stored('schedule-race');
    expect(row.ends_at > row.starts_at).toBe(true);
  });
});

describe('t1 events set', () => {
  beforeAll(async () => {
    await create('settings-event');
  });

  it('with no setting lists every setting, its value and what it accepts', async () => {
    const result = await t1(['events', 'set', 'settings-event'], 'viewer');
    expect(result.exitCode, result.stderr).toBe(0);
    const table = Object.fromEntries(rows(result.stdout).map(([name, value, accepts]) => [name, { value, accepts }]));
    expect(Object.keys(table)).toEqual([
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
    ]);
    expect(table).toMatchObject({
      starts: { value: '2027-04-20 09:00' },
      registration: { value: 'open', accepts: 'open | closed' },
      'login-method': { value: 'password', accepts: 'password | magic_link' },
      'form-fields': { value: 'company:optional,job_title:optional' },
      'approved-domains': { value: 'any' },
      'password-length': { value: '10..128' },
      'login-link-lifetime': { value: '15m' },
      'verification-link-lifetime': { value: '2d' },
    });
  });

  it.each([
    ['registration', 'closed', { registration_open: 0 }, { Registration: 'closed' }],
    ['registration', 'open', { registration_open: 1 }, { Registration: 'open' }],
    ['login-method', 'magic_link', { login_method: 'magic_link' }, { 'Login method': 'login link by email' }],
    ['login-method', 'password', { login_method: 'password' }, { 'Login method': 'email and password' }],
    ['email-verification', 'off', { verify_email: 0 }, { 'Verifies email': 'no' }],
    ['email-verification', 'on', { verify_email: 1 }, { 'Verifies email': 'yes' }],
    ['approved-domains', 'Contoso.com, fabrikam.com', { approved_domains: '["contoso.com","fabrikam.com"]' }, { 'Approved domains': 'contoso.com, fabrikam.com' }],
    ['approved-domains', 'any', { approved_domains: '[]' }, { 'Approved domains': 'any' }],
    ['public-domains', 'allowed', { refuse_public_domains: 0 }, { 'Public domains': 'allowed' }],
    ['public-domains', 'refused', { refuse_public_domains: 1 }, { 'Public domains': 'refused' }],
    ['password-length', '12..64', { password_min_length: 12, password_max_length: 64 }, { 'Password length': '12 to 64 characters' }],
    ['verification-link-lifetime', '6h', { verification_ttl_minutes: 360 }, {}],
    ['login-link-lifetime', '45m', { magic_link_ttl_minutes: 45 }, {}],
    ['set-password-link-lifetime', '5d', { set_password_ttl_minutes: 7200 }, { 'Link lifetimes': 'verification 6 hours, login link 45 minutes, set password 5 days' }],
    ['title', 'Spring Forum 2027 (Berlin)', { title: 'Spring Forum 2027 (Berlin)' }, { Title: 'Spring Forum 2027 (Berlin)' }],
    ['starts', '2027-04-20T08:30', { starts_at: '2027-04-20T06:30:00.000Z' }, { Starts: '2027-04-20 08:30 Europe/Berlin' }],
    ['ends', '2027-04-21T18:00+02:00', { ends_at: '2027-04-21T16:00:00.000Z' }, { Ends: '2027-04-21 18:00 Europe/Berlin' }],
    ['timezone', 'Europe/London', { timezone: 'Europe/London', starts_at: '2027-04-20T06:30:00.000Z' }, { Starts: '2027-04-20 07:30 Europe/London' }],
  ])('%s %s is stored and shown', async (setting, value, columns, shown) => {
    const result = await t1(['events', 'set', 'settings-event', setting, ...value.split(' '), '--yes', '--ticket', 'SUP-200']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(record(result.stdout)).toMatchObject(shown);
    expect(result.stderr).toContain(`Changed ${setting} of settings-event`);
    expect(await stored('settings-event')).toMatchObject(columns);
    const show = record((await t1(['events', 'show', 'settings-event'], 'viewer')).stdout);
    expect(show).toMatchObject(shown);
  });

  it('form-fields sets the form in order, names first and required, as the registration page reads it', async () => {
    const result = await t1(['events', 'set', 'settings-event', 'form-fields', 'company:required,job_title:optional,country:required', '--yes']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(record(result.stdout)['Form fields']).toBe('First name *, Last name *, Company *, Job title, Country *');
    expect(JSON.parse((await stored('settings-event')).form_fields)).toEqual([
      { name: 'first_name', label: 'First name', required: true },
      { name: 'last_name', label: 'Last name', required: true },
      { name: 'company', label: 'Company', required: true },
      { name: 'job_title', label: 'Job title', required: false },
      { name: 'country', label: 'Country', required: true },
    ]);
    const page = await (await fetch(new URL('/e/settings-event/register', platform.url))).text();
    expect(page).toContain('id="f-country"');
    const none = await t1(['events', 'set', 'settings-event', 'form-fields', 'none', '--yes', '--json']);
    expect(JSON.parse(none.stdout).event.formFields.map((f: { name: string }) => f.name)).toEqual(['first_name', 'last_name']);
  });

  it('audits each change with its values, reason and ticket', async () => {
    await t1(['events', 'set', 'settings-event', 'login-link-lifetime', '20m', '--yes', '--reason', 'shorter links', '--ticket', 'SUP-201']);
    const entry = (await audit()).find((a) => a.action === 'event.update' && a.ticket === 'SUP-201');
    expect(entry).toMatchObject({ result: 'ok', target: 'settings-event', eventSlug: 'settings-event', reason: 'shorter links', detail: { loginLinkMinutes: 20 } });
  });

  it('help and completion name the same settings', async () => {
    expect(EVENT_SETTING_WORDS).toEqual(EVENT_SETTING_NAMES);
    const help = await t1(['events', 'set', '--help']);
    expect(help.stdout).toContain('"set-password-link-lifetime"');
  });

  it('an unknown setting is a usage error (exit 2) that suggests the closest one', async () => {
    const result = await t1(['events', 'set', 'settings-event', 'login-methd', 'password', '--yes']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('Error: There is no event setting "login-methd".\nDid you mean login-method? See them all with "t1 events set settings-event".\n');
    const far = await t1(['events', 'set', 'settings-event', 'colour', 'blue', '--yes']);
    expect(far.exitCode).toBe(2);
    expect(far.stderr).toContain('See them all with "t1 events set settings-event".');
  });

  it.each([
    ['registration', 'maybe', 'registration is open or closed, not "maybe".'],
    ['login-method', 'sms', 'login-method is password or magic_link'],
    ['email-verification', 'yes', 'email-verification is on or off'],
    ['form-fields', 'shoe_size:required', '"shoe_size" is not a form field'],
    ['form-fields', 'company:mandatory', 'Write each field as name:required or name:optional'],
    ['form-fields', 'first_name:optional', 'first_name is always required.'],
    ['approved-domains', 'contoso', '"contoso" is not a domain'],
    ['public-domains', 'sometimes', 'public-domains is refused or allowed'],
    ['password-length', '6..200', 'Password lengths must be from 8 to 128 characters.'],
    ['password-length', '40..20', 'cannot be longer than the longest'],
    ['password-length', 'long', 'password-length is MIN..MAX'],
    ['login-link-lifetime', '8d', 'login-link-lifetime must be from 1 minute to 7 days.'],
    ['verification-link-lifetime', '0m', 'verification-link-lifetime must be from 1 minute to 30 days.'],
    ['set-password-link-lifetime', 'soon', 'is not a duration'],
    ['timezone', 'Mars/Base', 'is not an IANA time zone'],
  ])('%s %s is refused before anything is sent (exit 2)', async (setting, value, message) => {
    const before = await stored('settings-event');
    const entries = (await audit()).length;
    const result = await t1(['events', 'set', 'settings-event', setting, value, '--yes']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(await stored('settings-event')).toEqual(before);
    expect((await audit()).length).toBe(entries);
  });

  it('a bad date is a usage error; an end before the start comes back from the platform as one', async () => {
    const bad = await t1(['events', 'set', 'settings-event', 'starts', 'tomorrow', '--yes']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe('Error: starts "tomorrow" is not a date and time.\nstarts takes date-time, e.g. 2027-03-14T09:00 (the event\'s zone) or with +01:00.\n');
    const order = await t1(['events', 'set', 'settings-event', 'ends', '2027-04-01T09:00', '--yes']);
    expect(order.exitCode).toBe(2);
    expect(order.stderr).toContain('endsAt must be after startsAt');
  });

  it('a missing value names what the setting takes', async () => {
    const result = await t1(['events', 'set', 'settings-event', 'registration', '--yes']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('Error: Give the new value of registration.\nIt takes open | closed.\n');
  });

  it('refuses an agent (exit 4), changing nothing, and audits the refusal', async () => {
    const before = await stored('settings-event');
    const result = await t1(['events', 'set', 'settings-event', 'registration', 'closed', '--yes', '--ticket', 'SUP-202'], 'agent');
    expect(result.exitCode).toBe(4);
    expect(await stored('settings-event')).toEqual(before);
    expect((await audit()).find((a) => a.action === 'event.update' && a.ticket === 'SUP-202')).toMatchObject({ result: 'refused', actorRole: 'agent' });
  });

  it('an unknown event is "not found" (exit 3)', async () => {
    const result = await t1(['events', 'set', 'no-such-event', 'registration', 'closed', '--yes']);
    expect(result.exitCode).toBe(3);
  });
});

describe.runIf(await postgresReachable())('the same races on PostgreSQL', () => {
  let pgPlatform: Platform;
  let scratch: ScratchDatabase;
  let url: string;
  let token: string;
  beforeAll(async () => {
    scratch = await scratchDatabase('t1_events');
    pgPlatform = await openPlatform({ database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: randomBytes(32).toString('hex') } });
    await seedDemo(pgPlatform.ctx.db, pgPlatform.ctx);
    token = (await issueApiToken(pgPlatform.ctx.db, pgPlatform.ctx, { orgId: DEMO_ORG_ID, role: 'admin', name: 'pg events', createdBy: 'test' })).token;
    url = await pgPlatform.listen('127.0.0.1', 0);
  }, 60_000);
  afterAll(async () => {
    await pgPlatform?.close();
    await scratch?.drop();
  });

  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(new URL(path, url), { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return response.status;
  };

  it('parallel creates of one slug make one event; the others get 409', async () => {
    const statuses = await Promise.all(Array.from({ length: 6 }, (_, i) => call('POST', '/v1/events', { slug: 'pg-raced-event', ...schedule, title: `Raced ${i}` })));
    expect(statuses.sort()).toEqual([201, 409, 409, 409, 409, 409]);
  });

  it('a new start and a new end racing cannot leave the event ending before it starts', async () => {
    expect(await call('POST', '/v1/events', { slug: 'pg-schedule-race', ...schedule })).toBe(201);
    const statuses = await Promise.all([call('PATCH', '/v1/events/pg-schedule-race', { endsAt: '2027-04-20T10:00' }), call('PATCH', '/v1/events/pg-schedule-race', { startsAt: '2027-04-20T12:00' })]);
    expect(statuses.sort()).toEqual([200, 422]);
    const row = await pgPlatform.ctx.db.selectFrom('events').select(['starts_at', 'ends_at']).where('slug', '=', 'pg-schedule-race').executeTakeFirstOrThrow();
    expect(row.ends_at > row.starts_at).toBe(true);
  });
});
