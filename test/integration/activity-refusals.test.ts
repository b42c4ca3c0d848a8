// The activity log, refusals of addresses no account has: a registration at a public
// email provider, one outside an event's approved domains, and a webhook with a public
// address each leave a refusal an agent finds with `t1 users timeline <address>`, and
// nothing else. Webhooks refused for their signature, timestamp, id or payload say why;
// a claimed address is kept only when the signature proved the sender.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { signWebhook } from '../../src/platform/services/webhooks.ts';
import { headingOf } from '../helpers/browserless.ts';
import { rows } from './support.ts';
import { activityRows, expectNoSecretsInActivity, KINDS_BY_FILE, kindsStored, startActivityWorld, summaries, timeline, UA, type ActivityWorld } from './activity-support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming; // password sign-in, public domains refused
const LIVE = DEMO_EVENT_SLUGS.live; // login links, public domains refused

let w: ActivityWorld;
let secret: string;
beforeAll(async () => {
  w = await startActivityWorld();
  const rotated = await w.t1(['events', 'webhook-secret', SUMMIT, '--yes'], { role: 'admin' });
  expect(rotated.exitCode).toBe(0);
  secret = rotated.stdout.trim();
  w.secrets.add('webhook secret', secret);
});
afterAll(async () => {
  await w?.close();
});

const db = () => w.platform.platform.ctx.db;

/** What the platform keeps of an address outside the activity log. */
async function storedFor(email: string) {
  const users = await db().selectFrom('users').select('id').where('email', '=', email).execute();
  const emails = await db().selectFrom('emails').select('id').where('recipient', '=', email).execute();
  const registrations = await db()
    .selectFrom('registrations')
    .innerJoin('users', 'users.id', 'registrations.user_id')
    .select('registrations.id')
    .where('users.email', '=', email)
    .execute();
  return { users: users.length, registrations: registrations.length, emails: emails.length };
}

const nothing = { users: 0, registrations: 0, emails: 0 };

function registrationForm(email: string) {
  return {
    first_name: 'Jo',
    last_name: 'Public',
    country: 'Sweden',
    job_title: 'Engineer',
    company: 'Contoso',
    email,
    password: 'jo-public-harbour-77',
    confirmation: 'jo-public-harbour-77',
    terms: 'yes',
  };
}

async function register(slug: string, email: string, userAgent: string = UA.chromeWindows) {
  const browser = w.browser(userAgent);
  return browser.submit(await browser.get(`/e/${slug}/register`), registrationForm(email), `/e/${slug}/register`);
}

/** Posts a webhook over HTTP the way an integration would, signed unless told otherwise. */
async function webhook(id: string, data: Record<string, unknown>, options: { timestamp?: number; key?: string; signature?: string } = {}) {
  const body = JSON.stringify({ type: 'registration.created', data: { event: SUMMIT, firstName: 'Lena', lastName: 'Hook', company: 'Fabrikam', ...data } });
  const timestamp = options.timestamp ?? Math.floor(w.clock.now().getTime() / 1000);
  const response = await fetch(`${w.url}/v1/webhooks/registrations`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Zapier',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': options.signature ?? signWebhook(options.key ?? secret, id, timestamp, body),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('registrations refused for the address', () => {
  it('a public-domain address: the refusal and its reason, nothing else stored', async () => {
    const email = 'jo.public@gmail.com';
    const page = await register(SUMMIT, email);
    expect(page.status).toBe(422);
    expect(page.body).toContain('Addresses at gmail.com are not accepted');

    const plain = await w.t1(['users', 'timeline', email]);
    expect(plain.exitCode).toBe(0);
    expect(plain.stderr).toContain(`No account has ${email}; showing what was recorded for the address.`);
    expect(rows(plain.stdout)).toEqual([
      [expect.any(String), 'registration.refused', 'refused', 'public_domain', SUMMIT, 'Registration refused: addresses at public email providers are not accepted', 'Chrome 156 on Windows'],
    ]);
    const view = await timeline(w, email);
    expect(view).toMatchObject({ email, hasAccount: false, more: false });
    expect(view.items).toHaveLength(1);
    expect(view.items[0]).toMatchObject({ kind: 'registration.refused', reason: 'public_domain', email, eventSlug: SUMMIT, cause: 'registration_form', network: '127.0.0.0/24' });
    expect(await storedFor(email)).toEqual(nothing);
  });

  it('an address outside the approved domains: the refusal and its reason, nothing else stored', async () => {
    await db().updateTable('events').set({ approved_domains: JSON.stringify(['litware.example']) }).where('slug', '=', LIVE).execute();
    try {
      const email = 'ines.outside@fabrikam.example';
      const page = await register(LIVE, email, UA.safariIphone);
      expect(page.status).toBe(422);
      expect(page.body).toContain('open to addresses at litware.example only');
      const view = await timeline(w, email);
      expect(view.hasAccount).toBe(false);
      expect(view.items.map((e) => [e.kind, e.reason, e.eventSlug, e.summary, e.browser?.os])).toEqual([
        ['registration.refused', 'domain_not_approved', LIVE, "Registration refused: the address is not at one of the event's approved domains", 'iOS'],
      ]);
      expect(await storedFor(email)).toEqual(nothing);
    } finally {
      await db().updateTable('events').set({ approved_domains: '[]' }).where('slug', '=', LIVE).execute();
    }
  });

  it('other form problems are named with their fields', async () => {
    const email = 'half.done@fabrikam.example';
    const browser = w.browser();
    const page = await browser.submit(await browser.get(`/e/${SUMMIT}/register`), { ...registrationForm(email), first_name: '', company: '', terms: '' }, `/e/${SUMMIT}/register`);
    expect(page.status).toBe(422);
    const view = await timeline(w, email);
    expect(view.items[0]).toMatchObject({ reason: 'required_field_missing', detail: { fields: ['first_name', 'company'], problems: ['required_field_missing', 'terms_not_accepted'] } });
    expect(view.items[0]!.summary).toBe('Registration refused: a required field was left empty: first_name, company');
    expect(await storedFor(email)).toEqual(nothing);
  });

  it('an address with nothing recorded is "not found" (exit 3)', async () => {
    const result = await w.t1(['users', 'timeline', 'nobody.ever@fabrikam.example']);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('No account has nobody.ever@fabrikam.example, and nothing was recorded for that address.');
  });

  it('the attempts made before an account existed join the person\'s timeline once they register', async () => {
    const email = 'late.starter@fabrikam.example';
    const browser = w.browser();
    const form = await browser.get(`/e/${SUMMIT}/register`);
    expect((await browser.submit(form, { ...registrationForm(email), terms: '' }, `/e/${SUMMIT}/register`)).status).toBe(422);
    const done = await browser.submit(await browser.get(`/e/${SUMMIT}/register`), registrationForm(email), `/e/${SUMMIT}/register`);
    expect(done.status).toBe(200);
    expect(headingOf(done.body)).toBe('Almost done: check your inbox');
    const view = await timeline(w, email, ['--kind', 'registration']);
    expect(view.hasAccount).toBe(true);
    expect(summaries(view)).toEqual(['Registration refused: the terms and conditions box was not ticked', 'Registration form submitted']);
  });
});

describe('webhooks', () => {
  it('a public address: the refusal is found by the address, nothing else is stored', async () => {
    const email = 'lena.hook@outlook.com';
    const response = await webhook('msg_public_1', { email });
    expect(response.status).toBe(422);
    const view = await timeline(w, email);
    expect(view.hasAccount).toBe(false);
    expect(view.items).toHaveLength(1);
    expect(view.items[0]).toMatchObject({
      kind: 'webhook.refused',
      reason: 'refused_address',
      webhookId: 'msg_public_1',
      eventSlug: SUMMIT,
      cause: 'webhook',
      detail: { rule: 'public_domain' },
      browser: { family: 'other' },
      summary: 'Webhook registration refused: the address is not accepted for the event',
    });
    expect(await storedFor(email)).toEqual(nothing);
    expect(await db().selectFrom('webhook_deliveries').select('id').where('id', '=', 'msg_public_1').execute()).toEqual([]);
  });

  it('a bad signature: refused, and the claimed address is stored nowhere in the activity log', async () => {
    const claimed = 'claimed.by.forger@fabrikam.example';
    const other = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    const response = await webhook('msg_forged_1', { email: claimed, firstName: 'Forged' }, { key: other });
    expect(response.status).toBe(401);
    const [row, ...more] = activityRows(w).filter((r) => r.webhook_id === 'msg_forged_1');
    expect(more).toEqual([]);
    expect(row).toMatchObject({ kind: 'webhook.refused', reason: 'bad_signature', email: null, user_id: null, outcome: 'refused', cause: 'webhook' });
    const anywhere = activityRows(w).filter((r) => JSON.stringify(r).toLowerCase().includes(claimed) || JSON.stringify(r).includes('Forged'));
    expect(anywhere).toEqual([]);
    // So nothing leads an agent to that address.
    expect((await w.t1(['users', 'timeline', claimed])).exitCode).toBe(3);
    expect(await storedFor(claimed)).toEqual(nothing);
  });

  it('a stale timestamp: refused, the claimed address not kept either', async () => {
    const claimed = 'stale.claim@fabrikam.example';
    const old = Math.floor(w.clock.now().getTime() / 1000) - 10 * 60;
    const response = await webhook('msg_stale_1', { email: claimed }, { timestamp: old });
    expect(response.status).toBe(401);
    const [row] = activityRows(w).filter((r) => r.webhook_id === 'msg_stale_1');
    expect(row).toMatchObject({ kind: 'webhook.refused', reason: 'stale_timestamp', email: null });
    expect(activityRows(w).filter((r) => JSON.stringify(r).includes(claimed))).toEqual([]);
  });

  it('a replayed id: the person\'s timeline shows the registration, then the refused replay', async () => {
    const email = 'replay.person@fabrikam.example';
    const first = await webhook('msg_replay_1', { email });
    expect(first.status).toBe(201);
    const again = await webhook('msg_replay_1', { email });
    expect(again.status).toBe(409);
    const view = await timeline(w, email, ['--kind', 'webhook,registration']);
    expect(view.hasAccount).toBe(true);
    expect(view.items.map((e) => [e.kind, e.reason, e.webhookId])).toEqual([
      ['webhook.refused', 'replayed_id', 'msg_replay_1'],
      ['webhook.received', null, 'msg_replay_1'],
    ]);
    expect(summaries(view)).toEqual(['Registration received by webhook', 'Webhook registration refused: the same webhook id was received before']);
    expect(await storedFor(email)).toEqual({ users: 1, registrations: 1, emails: 1 });
    // A second id for the same person is received, and creates nothing new.
    expect((await webhook('msg_replay_2', { email })).status).toBe(200);
    expect((await timeline(w, email, ['--kind', 'webhook.received'])).items[0]!.summary).toBe('Registration received by webhook (already registered: nothing new created)');
  });

  it('an invalid payload names the field', async () => {
    const email = 'bell.char@fabrikam.example';
    const response = await webhook('msg_invalid_1', { email, firstName: 'Bell\u0007' });
    expect(response.status).toBe(422);
    const view = await timeline(w, email);
    expect(view.hasAccount).toBe(false);
    expect(view.items.map((e) => [e.kind, e.reason, e.detail.field, e.summary])).toEqual([
      ['webhook.refused', 'invalid_payload', 'data.firstName', 'Webhook registration refused: the payload was not valid (data.firstName)'],
    ]);
    expect(await storedFor(email)).toEqual(nothing);
  });

  it('the refusals are in the activity log with their reasons, the forged ones without an address', async () => {
    const refused = activityRows(w).filter((r) => r.kind === 'webhook.refused');
    const byId = Object.fromEntries(refused.map((r) => [r.webhook_id, [r.reason, r.email]]));
    expect(byId).toEqual({
      msg_public_1: ['refused_address', 'lena.hook@outlook.com'],
      msg_forged_1: ['bad_signature', null],
      msg_stale_1: ['stale_timestamp', null],
      msg_replay_1: ['replayed_id', 'replay.person@fabrikam.example'],
      msg_invalid_1: ['invalid_payload', 'bell.char@fabrikam.example'],
    });
  });
});

describe('at rest', () => {
  it('produced the kinds this file covers', () => {
    const stored = kindsStored(w);
    for (const kind of KINDS_BY_FILE['activity-refusals']) expect(stored, kind).toContain(kind);
  });

  it('the activity table holds no typed password or webhook secret, and only truncated networks', () => {
    const { rows: count } = expectNoSecretsInActivity(w, { 'registration password': 'jo-public-harbour-77' });
    expect(count).toBeGreaterThan(10);
  });
});
