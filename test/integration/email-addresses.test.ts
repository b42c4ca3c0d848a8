// One rule for email addresses on every way in: an address holding a control, bidi or
// invisible character is refused with a field error by the registration form, the
// webhook, invitations (API and t1), bulk rows (the batch API and a CSV through t1), and
// stores nothing; lookups and sign-ins treat it as an address nobody has. Spellings that
// NFKC, trimming and case make into the same address reach the same person, never a
// second one. Names and free text refuse controls and text-direction overrides.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { personRow } from '../helpers/people.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import type { Db } from '../../src/platform/storage/database.ts';

const EVENT = DEMO_EVENT_SLUGS.upcoming;
const PRIYA = DEMO_EXAMPLES.personWithSeveralRegistrations;
const HIDDEN_MESSAGE = 'An email address cannot contain control, invisible or text-direction characters.';

/** The characters of the rule's table, each hidden inside a real person's address. */
const HOSTILE: [string, string][] = [
  ['ESC', '\u001b'],
  ['BEL', '\u0007'],
  ['NUL', '\u0000'],
  ['DEL', '\u007f'],
  ['C1 next line', '\u0085'],
  ['right-to-left override', '\u202e'],
  ['left-to-right isolate', '\u2066'],
  ['zero-width space', '\u200b'],
  ['zero-width joiner', '\u200d'],
  ['word joiner', '\u2060'],
  ['byte order mark', '\ufeff'],
  ['soft hyphen', '\u00ad'],
];
const lookalike = (char: string, address: string = PRIYA) => address.replace('@', `${char}@`);

let platform: TestPlatform;
let db: Db;
let secret: string;
let dir: string;

beforeAll(async () => {
  platform = await startTestPlatform({ signInDelayMs: () => 0 });
  db = platform.platform.ctx.db;
  const rotated = await runT1(['events', 'webhook-secret', EVENT, '--yes'], { env: platform.env('admin') });
  expect(rotated.exitCode, rotated.stderr).toBe(0);
  secret = rotated.stdout.trim();
  dir = mkdtempSync(join(tmpdir(), 't1-addresses-'));
});
afterAll(async () => {
  await platform?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function count(table: 'users' | 'registrations' | 'emails' | 'activity', where?: (q: any) => any): Promise<number> {
  let query: any = db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
  if (where) query = where(query);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/** What a refusal must leave untouched: people, registrations, emails. */
async function stored() {
  return { users: await count('users'), registrations: await count('registrations'), emails: await count('emails') };
}

async function usersWithEmail(email: string) {
  return db.selectFrom('users').select(['id', 'email']).where('email', '=', email).execute();
}

let ipCounter = 0;
const nextIp = () => `10.44.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

function cookiesOf(response: LightMyRequestResponse): string {
  return response.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

/** GETs a page, then posts `fields` to `action` with its CSRF cookie and field, from a fresh address. */
async function submit(page: string, action: string, fields: Record<string, string>) {
  const ip = nextIp();
  const app = platform.platform.app;
  const get = await app.inject({ method: 'GET', url: page, remoteAddress: ip });
  const csrf = /name="csrf" value="([^"]+)"/.exec(get.body)?.[1] ?? '';
  return app.inject({
    method: 'POST',
    url: action,
    remoteAddress: ip,
    headers: { cookie: cookiesOf(get), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf, ...fields }).toString(),
  });
}

const registration = (email: string, extra: Record<string, string> = {}) => ({
  first_name: 'Tomas',
  last_name: 'Berg',
  country: 'Sweden',
  job_title: 'Engineer',
  company: 'Contoso',
  email,
  password: 'a-long-unusual-passphrase',
  confirmation: 'a-long-unusual-passphrase',
  terms: 'yes',
  ...extra,
});

function textOf(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
}

async function webhook(data: Record<string, unknown>) {
  const id = `msg_${randomBytes(8).toString('hex')}`;
  const body = JSON.stringify({ type: 'registration.created', data: { event: EVENT, firstName: 'Lena', lastName: 'Hook', company: 'Fabrikam', ...data } });
  const timestamp = Math.floor(Date.now() / 1000);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
  const response = await platform.platform.app.inject({
    method: 'POST',
    url: '/v1/webhooks/registrations',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature },
    payload: body,
  });
  return { id, status: response.statusCode, body: response.json() };
}

async function api(method: 'GET' | 'POST', path: string, body?: unknown, role: 'viewer' | 'agent' = 'agent') {
  const response = await fetch(`${platform.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${platform.tokens[role]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

const fieldsOf = (body: any): string[] => (body.error?.details?.fields ?? []).map((f: { field: string }) => f.field);

describe('the registration form', () => {
  it.each(HOSTILE)('refuses an address holding a %s with a field error and stores nothing', async (_name, char) => {
    const refusals = () => count('activity', (q) => q.where('kind', '=', 'registration.refused').where('reason', '=', 'invalid_email').where('email', 'is', null));
    const before = { ...(await stored()), refusals: await refusals() };
    const response = await submit(`/e/${EVENT}/register`, `/e/${EVENT}/register`, registration(lookalike(char)));
    expect(response.statusCode).toBe(422);
    expect(textOf(response.body)).toContain(HIDDEN_MESSAGE);
    // Nothing stored but the refusal, recorded without the hostile address.
    expect({ ...(await stored()), refusals: await refusals() }).toEqual({ ...before, refusals: before.refusals + 1 });
    expect(await usersWithEmail(lookalike(char))).toEqual([]);
  });

  it('stores the normalised address, and lookalike spellings of it reach the same person', async () => {
    const before = await count('users');
    const first = await submit(`/e/${EVENT}/register`, `/e/${EVENT}/register`, registration('  Tomas.Berg\uff20Contoso.EXAMPLE  '));
    expect(first.statusCode).toBe(200);
    expect(textOf(first.body)).toContain('We sent an email to tomas.berg@contoso.example.');
    const [tomas] = await usersWithEmail('tomas.berg@contoso.example');
    expect(tomas).toBeDefined();
    for (const again of ['\uff54\uff4f\uff4d\uff41\uff53.berg@contoso.example', 'TOMAS.BERG@contoso.example']) {
      expect((await submit(`/e/${EVENT}/register`, `/e/${EVENT}/register`, registration(again))).statusCode).toBe(200);
    }
    expect(await count('users')).toBe(before + 1);
    expect(await count('emails', (q) => q.where('user_id', '=', tomas!.id))).toBe(3);
  });

  it('refuses control characters and text-direction overrides in names', async () => {
    const before = await stored();
    for (const [field, value] of [['first_name', 'Tomas\u202e'], ['company', 'Con\u2066toso'], ['job_title', 'Engi\u0085neer']]) {
      const response = await submit(`/e/${EVENT}/register`, `/e/${EVENT}/register`, registration('names.check@contoso.example', { [field!]: value! }));
      expect(response.statusCode, field).toBe(422);
      expect(textOf(response.body)).toContain('contains characters that are not allowed');
    }
    expect(await stored()).toEqual(before);
  });
});

describe('sign-in and the self-service pages', () => {
  it.each(HOSTILE)('a sign-in with an address holding a %s is answered like an unknown address', async (name, char) => {
    const unknown = await submit(`/e/${EVENT}/login`, `/e/${EVENT}/login`, { email: `nobody.${name.replace(/\W/g, '')}@contoso.example`, password: DEMO_PASSWORD });
    const hostile = await submit(`/e/${EVENT}/login`, `/e/${EVENT}/login`, { email: lookalike(char), password: DEMO_PASSWORD });
    expect(hostile.statusCode).toBe(401);
    expect(hostile.statusCode).toBe(unknown.statusCode);
    expect(textOf(hostile.body)).toContain('The email or password is not correct.');
  });

  it('a lookalike spelling of a real address signs that person in', async () => {
    const response = await submit(`/e/${EVENT}/login`, `/e/${EVENT}/login`, { email: ' PRIYA.SHARMA\uff20Contoso.Example ', password: DEMO_PASSWORD });
    // Priya uses two-factor authentication: the password was right, the code comes next.
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/e/${EVENT}/login/code`);
  });

  it('forgot-password sends nothing for an address with hidden characters, and the page shows where they are', async () => {
    const priya = (await usersWithEmail(PRIYA))[0]!;
    const resets = () => count('emails', (q) => q.where('user_id', '=', priya.id).where('template', '=', 'password_reset'));
    const before = await count('emails', (q) => q.where('user_id', '=', priya.id));
    const resetsBefore = await resets();
    const hostile = await submit(`/e/${EVENT}/forgot-password`, `/e/${EVENT}/forgot-password`, { email: lookalike('\u200b') });
    expect(hostile.statusCode).toBe(200);
    expect(textOf(hostile.body)).toContain('If priya.sharma\ufffd@contoso.example has an account');
    expect(hostile.body).not.toContain('\u200b');
    expect(await count('emails', (q) => q.where('user_id', '=', priya.id))).toBe(before);

    const same = await submit(`/e/${EVENT}/forgot-password`, `/e/${EVENT}/forgot-password`, { email: 'Priya.Sharma\uff20contoso.example' });
    expect(same.statusCode).toBe(200);
    expect(await resets()).toBe(resetsBefore + 1);
  });

  it('the activation page sends nothing for an address with hidden characters', async () => {
    const before = await count('emails');
    const response = await submit(`/e/${EVENT}/activate`, `/e/${EVENT}/activate`, { email: lookalike('\u2060', DEMO_EXAMPLES.pendingVerificationPerson) });
    expect(response.statusCode).toBe(200);
    expect(await count('emails')).toBe(before);
  });
});

describe('webhook registrations', () => {
  it.each(HOSTILE)('refuse an address holding a %s with a field error and store nothing', async (_name, char) => {
    const before = await stored();
    const answer = await webhook({ email: lookalike(char) });
    expect(answer.status).toBe(422);
    expect(fieldsOf(answer.body)).toEqual(['body.data.email']);
    expect(answer.body.error.message).toBe(HIDDEN_MESSAGE);
    expect(await stored()).toEqual(before);
    const refusal = await db.selectFrom('activity').select(['email', 'reason', 'detail']).where('webhook_id', '=', answer.id).executeTakeFirstOrThrow();
    expect(refusal).toEqual({ email: null, reason: 'refused_address', detail: JSON.stringify({ rule: 'invalid_email' }) });
  });

  it('reach the same person through every lookalike spelling of an address', async () => {
    const before = await count('users');
    const first = await webhook({ email: 'Lena.Hook\uff20Fabrikam.EXAMPLE' });
    expect(first.status).toBe(201);
    expect(await usersWithEmail('lena.hook@fabrikam.example')).toEqual([{ id: first.body.userId, email: 'lena.hook@fabrikam.example' }]);
    const again = await webhook({ email: '  \uff4cena.hook@fabrikam.example ' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, userId: first.body.userId });
    expect(await count('users')).toBe(before + 1);
  });

  it('refuse names holding control characters or text-direction isolates, and keep names with joiners', async () => {
    const before = await stored();
    for (const [field, value] of [['firstName', 'Le\u2067na'], ['lastName', 'Hook\u001b[2J'], ['company', 'Fabri\u009bkam']] as const) {
      const answer = await webhook({ email: 'name.rules@fabrikam.example', [field]: value });
      expect(answer.status, field).toBe(422);
      expect(fieldsOf(answer.body)).toEqual([`body.data.${field}`]);
    }
    expect(await stored()).toEqual(before);
    const joined = await webhook({ email: 'name.rules@fabrikam.example', lastName: '\u0646\u200c\u0627\u0645' });
    expect(joined.status).toBe(201);
  });
});

describe('invitations', () => {
  it.each(HOSTILE)('the API refuses an address holding a %s with a field error and stores nothing', async (_name, char) => {
    const before = await stored();
    const answer = await api('POST', `/v1/events/${EVENT}/invitations`, { email: lookalike(char), firstName: 'Priya', lastName: 'Sharma' });
    expect(answer.status).toBe(422);
    expect(fieldsOf(answer.body)).toEqual(['body.email']);
    expect(await stored()).toEqual(before);
  });

  it.each(HOSTILE)('t1 refuses an address holding a %s as a usage error naming the character, without printing it', async (_name, char) => {
    const before = await stored();
    const result = await runT1(['invitations', 'send', lookalike(char), '--event', EVENT, '--first-name', 'Priya', '--last-name', 'Sharma', '--yes'], { env: platform.env('agent') });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(HIDDEN_MESSAGE);
    const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at character ${PRIYA.indexOf('@') + 1}`;
    expect(result.stderr).toContain(code);
    expect(result.stderr).not.toContain(char);
    expect(await stored()).toEqual(before);
  });

  it('store the normalised address, and a lookalike spelling finds the person already invited', async () => {
    const before = await count('users');
    const sent = await api('POST', `/v1/events/${EVENT}/invitations`, { email: ' Ada.Lovelace\uff20Fabrikam.EXAMPLE', firstName: 'Ada', lastName: 'Lovelace' });
    expect(sent.status).toBe(201);
    expect(sent.body.recipient).toBe('ada.lovelace@fabrikam.example');
    const again = await runT1(['invitations', 'send', 'ADA.LOVELACE@fabrikam.example ', '--event', EVENT, '--first-name', 'Ada', '--last-name', 'Lovelace', '--yes'], { env: platform.env('agent') });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('ada.lovelace@fabrikam.example already has a registration');
    expect(await count('users')).toBe(before + 1);
  });

  it('refuse a name or a reason holding a text-direction override', async () => {
    const before = await stored();
    const name = await api('POST', `/v1/events/${EVENT}/invitations`, { email: 'bidi.name@fabrikam.example', firstName: 'Ada', lastName: 'Love\u202elace' });
    expect(name.status).toBe(422);
    expect(fieldsOf(name.body)).toEqual(['body.lastName']);
    const reason = await api('POST', `/v1/events/${EVENT}/invitations`, { email: 'bidi.name@fabrikam.example', firstName: 'Ada', lastName: 'Lovelace', reason: 'asked by \u2066phone', ticket: 'SUP-1\u0007' });
    expect(reason.status).toBe(422);
    expect(fieldsOf(reason.body)).toEqual(['body.reason', 'body.ticket']);
    expect(await stored()).toEqual(before);
  });
});

describe('bulk invitations', () => {
  it('the batch API fails every row holding a hidden character and invites the lookalike spellings once', async () => {
    const before = await stored();
    const rows = [
      ...HOSTILE.map(([, char], i) => ({ row: i + 2, email: lookalike(char, 'grace.hopper@fabrikam.example'), firstName: 'Grace', lastName: 'Hopper' })),
      { row: 20, email: ' Grace.Hopper\uff20Fabrikam.EXAMPLE ', firstName: 'Grace', lastName: 'Hopper' },
      { row: 21, email: 'grace.hopper@fabrikam.example', firstName: 'Grace', lastName: 'Hopper' },
      { row: 22, email: 'alan.turing@fabrikam.example', firstName: 'Alan', lastName: 'Tu\u2066ring' },
    ];
    const answer = await api('POST', `/v1/events/${EVENT}/invitations/batch`, { run: `run-${randomBytes(6).toString('hex')}`, file: 'people.csv', batch: 0, last: true, rows });
    expect(answer.status).toBe(200);
    const outcomes = Object.fromEntries(answer.body.results.map((r: any) => [r.row, `${r.outcome}${r.reason ? `:${r.reason}` : ''}`]));
    expect(outcomes).toEqual({
      ...Object.fromEntries(HOSTILE.map((_, i) => [i + 2, 'failed:invalid_email'])),
      20: 'invited',
      21: 'skipped:duplicate_in_file',
      22: 'failed:field_not_allowed',
    });
    const after = await stored();
    expect(after.users).toBe(before.users + 1);
    expect(await usersWithEmail('grace.hopper@fabrikam.example')).toHaveLength(1);
  });

  it('t1 reads a CSV by the same rule: hidden characters fail, lookalike spellings are one person', async () => {
    // A NUL byte makes the whole file unusable (binary), so it is not among these rows.
    const characters = HOSTILE.filter(([, char]) => char !== '\u0000');
    const lines = ['email,first_name,last_name', ...characters.map(([, char]) => `"${lookalike(char, 'katherine.johnson@fabrikam.example')}",Katherine,Johnson`)];
    lines.push(' Katherine.Johnson\uff20Fabrikam.EXAMPLE ,Katherine,Johnson', 'katherine.johnson@fabrikam.example,Katherine,Johnson', `${PRIYA.toUpperCase()},Priya,Sharma`);
    const file = join(dir, 'people.csv');
    const report = join(dir, 'report.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const before = await stored();
    const result = await runT1(['invitations', 'bulk', file, '--event', EVENT, '--report', report, '--yes'], { env: platform.env('agent') });
    expect(result.exitCode, result.stderr).toBe(5);
    const rows = parse(readFileSync(report), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => `${r.row} ${r.outcome} ${r.code}`)).toEqual([
      ...characters.map((_, i) => `${i + 2} failed invalid_email`),
      `${characters.length + 2} invited `,
      `${characters.length + 3} skipped duplicate_in_file`,
      `${characters.length + 4} skipped already_registered`,
    ]);
    expect((await stored()).users).toBe(before.users + 1);
    expect(await usersWithEmail('katherine.johnson@fabrikam.example')).toHaveLength(1);
  });
});

describe('the API and staff sign-in', () => {
  it.each(HOSTILE)('a person reference holding a %s is not found, like an unknown address', async (_name, char) => {
    const unknown = await api('GET', `/v1/users/${encodeURIComponent('nobody.here@contoso.example')}`, undefined, 'viewer');
    const hostile = await api('GET', `/v1/users/${encodeURIComponent(lookalike(char))}`, undefined, 'viewer');
    if (char === '\u0000') {
      // No reference of any kind (id, address, slug) may hold a NUL: refused before any lookup.
      expect(hostile.status).toBe(422);
    } else {
      expect(hostile.status).toBe(404);
      expect(hostile.body.error.code).toBe(unknown.body.error.code);
      expect(hostile.body.error.message).toBe('No person matches "priya.sharma\ufffd@contoso.example".');
    }
    const activity = await api('GET', `/v1/activity?email=${encodeURIComponent(lookalike(char))}`, undefined, 'viewer');
    expect(activity).toEqual({ status: 200, body: { items: [], nextCursor: null } });
  });

  it('t1 events check-email refuses an address with hidden characters and says where they are', async () => {
    for (const typed of [lookalike('\u200b'), `\ufeff${PRIYA}`]) {
      const result = await runT1(['--json', 'events', 'check-email', EVENT, typed], { env: platform.env('viewer') });
      expect(result.exitCode, result.stderr).toBe(0);
      const view = JSON.parse(result.stdout);
      expect(view).toMatchObject({ accepted: false, reason: 'invalid_email', tell: 'Ask the caller to type the address in by hand rather than pasting it.' });
      expect(view.email).toContain('\ufffd');
      expect(view.explanation).toMatch(/U\+(200B at character 13|FEFF at character 1)/);
    }
    const same = JSON.parse((await runT1(['--json', 'events', 'check-email', EVENT, ' Priya.Sharma\uff20Contoso.example'], { env: platform.env('viewer') })).stdout);
    expect(same).toMatchObject({ accepted: true, email: PRIYA });
  });

  it('a lookalike spelling of an address finds the person', async () => {
    const priya = (await usersWithEmail(PRIYA))[0]!;
    const found = await api('GET', `/v1/users/${encodeURIComponent(' Priya.Sharma\uff20CONTOSO.example')}`, undefined, 'viewer');
    expect(found.status).toBe(200);
    expect(found.body.id).toBe(priya.id);
  });

  it('a person stored with a hidden character before the rule is found by id only, and cannot sign in with it', async () => {
    const password = (await db.selectFrom('users').select('password_hash').where('email', '=', PRIYA).executeTakeFirstOrThrow()).password_hash;
    const legacy = lookalike('\u200b');
    await db.insertInto('users').values(personRow({ id: 'usr_legacy_lookalike', email: legacy, first: 'Priya', last: 'Sharma', password_hash: password, email_verified_at: new Date().toISOString() })).execute();
    const event = await db.selectFrom('events').select('id').where('slug', '=', EVENT).executeTakeFirstOrThrow();
    const now = new Date().toISOString();
    await db
      .insertInto('registrations')
      .values({ id: 'reg_legacy_lookalike', user_id: 'usr_legacy_lookalike', event_id: event.id, role: 'attendee', type: 'registration', status: 'registered', stage: 'verified', attended_at: null, created_at: now, updated_at: now })
      .execute();
    expect((await api('GET', `/v1/users/${encodeURIComponent(legacy)}`, undefined, 'viewer')).status).toBe(404);
    expect((await api('GET', '/v1/users/usr_legacy_lookalike', undefined, 'viewer')).status).toBe(200);
    const signIn = await submit(`/e/${EVENT}/login`, `/e/${EVENT}/login`, { email: legacy, password: DEMO_PASSWORD });
    expect(signIn.statusCode).toBe(401);
  });

  it.each(HOSTILE)('staff sign-in with an address holding a %s is refused like an unknown address', async (name, char) => {
    const login = (email: string) =>
      fetch(`${platform.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: DEMO_PASSWORD }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    const unknown = await login(`nobody.${name.replace(/\W/g, '')}@northwind.example`);
    const hostile = await login(lookalike(char, DEMO_EXAMPLES.agentStaff));
    expect(hostile.status).toBe(401);
    expect(hostile.body.error.message).toBe(unknown.body.error.message);
  });

  it('staff sign-in with a lookalike spelling of the address is the same account', async () => {
    const response = await fetch(`${platform.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ' Sam.Okonkwo\uff20NORTHWIND.example', password: DEMO_PASSWORD }),
    });
    expect(response.status).toBe(200);
  });
});
