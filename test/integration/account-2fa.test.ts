// The account page's two-factor changes over HTTP, against the real platform on SQLite:
// what each page refuses (wrong password, wrong code, unticked "saved" box, a policy that
// requires 2FA, SMS where the organisation does not allow it), what the database and
// the person's timeline hold after each change, sign-in with the method chosen, and the
// changes that must happen once when two requests race.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeActivity } from '../../src/contract/activity.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID, DEMO_PASSWORD, seedDemo } from '../../src/platform/seed/demo.ts';
import { hashRecoveryCode } from '../../src/platform/services/recovery-codes.ts';
import { openEmailBody } from '../../src/platform/mail/outbox.ts';
import { Browser, elementText, formsOf, headingOf, listItems, textOf, type PageResponse } from '../helpers/browserless.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';
import { STEP_SECONDS, totpAt } from '../helpers/totp.ts';
import { KINDS_BY_FILE } from './activity-support.ts';

const UPCOMING = DEMO_EVENT_SLUGS.upcoming;
const ACCOUNT = `/e/${UPCOMING}/account`;

let tp: TestPlatform;
let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
const later = (ms: number) => {
  offsetMs += ms;
};
const nextStep = () => later(STEP_SECONDS * 1000 - (clock.now().getTime() % (STEP_SECONDS * 1000)) + 1000);

beforeAll(async () => {
  tp = await startTestPlatform({ clock, signInDelayMs: () => 0 });
});
afterAll(async () => {
  await tp?.close();
});

const db = () => tp.platform.ctx.db;
const userRow = (email: string) => db().selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
const setPolicy = (policy: string) => db().updateTable('organisations').set({ mfa_policy: policy }).where('id', '=', DEMO_ORG_ID).execute();
/** The masked number codes go to now (the confirmed phone). */
async function confirmedPhone(userId: string): Promise<string | undefined> {
  const row = await db().selectFrom('sms_phones').select('masked_phone').where('user_id', '=', userId).where('confirmed_at', 'is not', null).executeTakeFirst();
  return row?.masked_phone;
}
const allowSms = (allowed: boolean) => db().updateTable('organisations').set({ mfa_methods: allowed ? 'app,sms' : 'app' }).where('id', '=', DEMO_ORG_ID).execute();

async function activity(email: string): Promise<{ kind: string; outcome: string; reason: string | null; detail: Record<string, unknown> }[]> {
  const user = await userRow(email);
  const rows = await db().selectFrom('activity').select(['kind', 'outcome', 'reason', 'detail']).where('user_id', '=', user.id).orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : {} }));
}

const mfaActivity = async (email: string) => (await activity(email)).filter((a) => a.kind.startsWith('mfa.'));

/** The code of the newest text message to the person, read from the sealed body as their phone would. */
async function lastTextedCode(email: string): Promise<string> {
  const user = await userRow(email);
  const row = await db().selectFrom('sms_messages').select('body_sealed').where('user_id', '=', user.id).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirstOrThrow();
  return /\b(\d{6})\b/.exec(tp.platform.ctx.secrets.open(row.body_sealed!))![1]!;
}

async function textsTo(email: string): Promise<number> {
  const user = await userRow(email);
  return (await db().selectFrom('sms_messages').select('id').where('user_id', '=', user.id).execute()).length;
}

/** The form of `page` that posts to a path ending in `suffix`, with its hidden fields. */
function formEndingIn(page: PageResponse, suffix: string): { action: string; fields: Record<string, string> } {
  const form = formsOf(page.body).find((f) => f.action.endsWith(suffix));
  if (!form) throw new Error(`No form posting to …${suffix} on ${page.url}`);
  return form;
}

/** Signs in with the password; returns the page it lands on (the event, the code step, or back to the account). */
async function signIn(browser: Browser, email: string): Promise<PageResponse> {
  const form = await browser.get(`/e/${UPCOMING}/login`);
  return browser.follow(await browser.submit(form, { email, password: DEMO_PASSWORD }, `/e/${UPCOMING}/login`));
}

async function signOut(browser: Browser, from: PageResponse): Promise<void> {
  await browser.submit(from, {}, `/e/${UPCOMING}/logout`);
}

/** Opens one change from the account page and confirms the password. */
async function confirmed(browser: Browser, path: string, values: Record<string, string> = {}): Promise<PageResponse> {
  const step = await browser.get(`${ACCOUNT}${path}`);
  expect(step.status, textOf(step.body)).toBe(200);
  return browser.follow(await browser.submit(step, { password: DEMO_PASSWORD, ...values }, `${ACCOUNT}${path}`));
}

describe('the account page', () => {
  it('sends a visitor who is not signed in to sign in, then back to the account page', async () => {
    const browser = new Browser(tp.url);
    const first = await browser.get(ACCOUNT);
    expect(first.status).toBe(303);
    expect(new URL(first.location!).pathname).toBe(`/e/${UPCOMING}/login`);
    const landed = await signIn(browser, 'tomas.silva@contoso.example');
    expect(new URL(landed.url).pathname).toBe(ACCOUNT);
    expect(headingOf(landed.body)).toBe('Your account');
    expect(elementText(landed.body, 'mfa-state')).toMatch(/^Off/);
    // SMS is not offered while the organisation does not allow it.
    expect(textOf(landed.body)).not.toMatch(/text messages/i);
    expect((await browser.get(`${ACCOUNT}/2fa/sms`)).status).toBe(303);
    // The next sign-in goes to the event as usual.
    await signOut(browser, landed);
    expect(new URL((await signIn(browser, 'tomas.silva@contoso.example')).url).pathname).toBe(`/e/${UPCOMING}`);
  });
});

describe('the authenticator app', () => {
  const person = 'elena.petrova@contoso.example';
  let browser: Browser;
  let secret = '';
  let codes: string[] = [];

  it('asks for the current password, then shows the QR code with the setup key under "Can\'t scan it?"', async () => {
    browser = new Browser(tp.url);
    await signIn(browser, person);
    const ask = await browser.get(`${ACCOUNT}/2fa/app`);
    const wrong = await browser.submit(ask, { password: 'not-my-password' }, `${ACCOUNT}/2fa/app`);
    expect(wrong.status).toBe(422);
    expect(elementText(wrong.body, 'f-password-error')).toMatch(/not your current password/);
    const qr = await confirmed(browser, '/2fa/app');
    expect(headingOf(qr.body)).toBe('Scan the QR code');
    expect(qr.body).toMatch(/<details id="setup-key-details"><summary>Can't scan it\?<\/summary>/);
    secret = elementText(qr.body, 'setup-key')!.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('refuses a wrong first code, then shows the recovery codes; 2FA turns on only once they are saved', async () => {
    const qr = await browser.get(`${ACCOUNT}/2fa/app/confirm`);
    const wrongCode = totpAt(secret, clock.now().getTime()) === '000000' ? '111111' : '000000';
    const refused = await browser.submit(qr, { code: wrongCode }, `${ACCOUNT}/2fa/app/confirm`);
    expect(refused.status).toBe(422);
    const shown = await browser.follow(await browser.submit(qr, { code: totpAt(secret, clock.now().getTime()) }, `${ACCOUNT}/2fa/app/confirm`));
    expect(headingOf(shown.body)).toBe('Your recovery codes');
    codes = listItems(shown.body, 'recovery-codes');
    expect(codes).toHaveLength(10);

    const unticked = await browser.submit(shown, { saved: '' }, `${ACCOUNT}/2fa/codes`);
    expect(unticked.status).toBe(422);
    expect(elementText(unticked.body, 'f-saved-error')).toMatch(/Tick the box/);
    expect(listItems(unticked.body, 'recovery-codes')).toEqual(codes);
    expect((await userRow(person)).mfa_confirmed_at).toBeNull();

    const done = await browser.follow(await browser.submit(unticked, { saved: 'yes' }, `${ACCOUNT}/2fa/codes`));
    expect(new URL(done.url).pathname).toBe(ACCOUNT);
    expect(elementText(done.body, 'mfa-state')).toMatch(/^On\s?: codes from an authenticator app/);
    expect(elementText(done.body, 'recovery-left')).toBe('Recovery codes left: 10.');
    const user = await userRow(person);
    expect(user.mfa_confirmed_at).not.toBeNull();
    expect(user.mfa_secret_enc).not.toContain(secret);
    // Shown once: the codes page is gone.
    expect((await browser.get(`${ACCOUNT}/2fa/codes`)).status).toBe(303);
    expect((await activity(person)).filter((a) => a.kind === 'mfa.enabled').at(-1)!.detail).toEqual({ method: 'app', via: 'account_page' });
  });

  it('signs in with a code from the app', async () => {
    const browser2 = new Browser(tp.url);
    const step = await signIn(browser2, person);
    expect(new URL(step.url).pathname).toBe(`/e/${UPCOMING}/login/code`);
    nextStep();
    const landed = await browser2.follow(await browser2.submit(step, { code: totpAt(secret, clock.now().getTime()) }, `/e/${UPCOMING}/login/code`));
    expect(headingOf(landed.body)).toBe('Coming soon');
  });

  it('makes new recovery codes with the password: the old ones stop working', async () => {
    const shown = await confirmed(browser, '/2fa/recovery-codes');
    const fresh = listItems(shown.body, 'recovery-codes');
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => codes.includes(c))).toBe(false);
    const stored = (await db().selectFrom('recovery_codes').select('hash').where('user_id', '=', (await userRow(person)).id).execute()).map((r) => r.hash);
    expect(stored.sort()).toEqual(fresh.map(hashRecoveryCode).sort());
    const done = await browser.follow(await browser.submit(shown, { saved: 'yes' }, `${ACCOUNT}/2fa/codes`));
    expect(textOf(done.body)).toMatch(/old ones no longer work/);
    expect((await activity(person)).map((a) => a.kind)).toContain('mfa.recovery_codes_replaced');
  });

  it('cannot be turned off while the organisation requires 2FA for everyone; otherwise it can, and the person is emailed', async () => {
    await setPolicy('everyone');
    try {
      const account = await browser.get(ACCOUNT);
      expect(textOf(account.body)).toMatch(/requires two-factor authentication, so it stays on/);
      expect(textOf(account.body)).not.toMatch(/Turn off/);
      const page = await browser.get(`${ACCOUNT}/2fa/off`);
      expect(page.status).toBe(403);
      expect(formsOf(page.body).some((f) => f.action.endsWith('/2fa/off'))).toBe(false);
      const csrf = formsOf(account.body).find((f) => f.fields.csrf)!.fields.csrf!;
      const forced = await browser.post(`${ACCOUNT}/2fa/off`, { csrf, password: DEMO_PASSWORD });
      expect(forced.status).toBe(403);
      expect((await userRow(person)).mfa_confirmed_at).not.toBeNull();
    } finally {
      await setPolicy('staff');
    }
    const off = await confirmed(browser, '/2fa/off');
    expect(elementText(off.body, 'mfa-state')).toMatch(/^Off/);
    const user = await userRow(person);
    expect(user.mfa_secret_enc).toBeNull();
    expect(await db().selectFrom('recovery_codes').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
    const mails = await db().selectFrom('emails').select('template').where('user_id', '=', user.id).where('template', '=', 'mfa_removed').execute();
    expect(mails).toHaveLength(1);
    expect((await mfaActivity(person)).at(-1)).toMatchObject({ kind: 'mfa.removed', detail: { via: 'account_page' } });
  });

  it('two finishes of the same setup at once turn 2FA on once', async () => {
    const qr = await confirmed(browser, '/2fa/app');
    const key = elementText(qr.body, 'setup-key')!.replace(/\s/g, '');
    nextStep();
    const shown = await browser.follow(await browser.submit(qr, { code: totpAt(key, clock.now().getTime()) }, `${ACCOUNT}/2fa/app/confirm`));
    const form = formsOf(shown.body).find((f) => f.action.endsWith('/2fa/codes'))!;
    const before = (await activity(person)).filter((a) => a.kind === 'mfa.enabled').length;
    const answers = await Promise.all([0, 1, 2, 3].map(() => browser.post(form.action, { ...form.fields, saved: 'yes' })));
    expect(answers.map((a) => a.status)).toEqual([303, 303, 303, 303]);
    expect(answers.filter((a) => a.location!.endsWith('?done=app'))).toHaveLength(1);
    expect((await activity(person)).filter((a) => a.kind === 'mfa.enabled').length).toBe(before + 1);
    expect(await db().selectFrom('recovery_codes').select('id').where('user_id', '=', (await userRow(person)).id).execute()).toHaveLength(10);
  });
});

describe('text messages', () => {
  const person = 'hiroshi.tanaka@contoso.example'; // has an authenticator app from the demo
  let browser: Browser;

  beforeAll(async () => {
    await allowSms(true);
  });

  it('refuses a number that is not one, next to the field, and keeps what was typed', async () => {
    browser = new Browser(tp.url);
    const step = await signIn(browser, person);
    expect(new URL(step.url).pathname).toBe(`/e/${UPCOMING}/login/code`);
    // The demo gives this person an app whose secret the test does not know: a recovery code gets them in.
    const user = await userRow(person);
    await db().insertInto('recovery_codes').values({ id: 'rc_test_hiroshi', user_id: user.id, staff_id: null, hash: hashRecoveryCode('test-code-0001'), used_at: null, created_at: clock.now().toISOString() }).execute();
    await browser.follow(await browser.submit(step, { code: 'test-code-0001' }, `/e/${UPCOMING}/login/code`));
    const form = await browser.get(`${ACCOUNT}/2fa/sms`);
    expect(headingOf(form.body)).toBe('Get codes by text message');
    // The person's country (Japan) is chosen already.
    expect(form.body).toMatch(/<option value="JP" selected>Japan \(\+81\)<\/option>/);
    const bad = await browser.submit(form, { country: 'GB', phone: '12', password: DEMO_PASSWORD }, `${ACCOUNT}/2fa/sms`);
    expect(bad.status).toBe(422);
    expect(elementText(bad.body, 'f-phone-error')).toMatch(/not a valid phone number/);
    expect(bad.body).toContain('value="12"');
    const noPassword = await browser.submit(form, { country: 'GB', phone: '07911 123456', password: 'wrong' }, `${ACCOUNT}/2fa/sms`);
    expect(noPassword.status).toBe(422);
    expect(elementText(noPassword.body, 'f-password-error')).toMatch(/not your current password/);
    expect(await textsTo(person)).toBe(0);
  });

  it('texts a code, refuses a wrong one, and turns SMS on in place of the app with the right one', async () => {
    const form = await browser.get(`${ACCOUNT}/2fa/sms`);
    const sent = await browser.follow(await browser.submit(form, { country: 'GB', phone: '07911 123456', password: DEMO_PASSWORD }, `${ACCOUNT}/2fa/sms`));
    expect(headingOf(sent.body)).toBe('Enter the code we texted you');
    expect(textOf(sent.body)).toContain('+44 •••••••456');
    const code = await lastTextedCode(person);
    const wrong = await browser.submit(sent, { code: code === '000000' ? '111111' : '000000' }, `${ACCOUNT}/2fa/sms/confirm`);
    expect(wrong.status).toBe(422);
    expect(elementText(wrong.body, 'f-code-error')).toMatch(/not right/);
    const on = await browser.follow(await browser.submit(sent, { code }, `${ACCOUNT}/2fa/sms/confirm`));
    // Switching from the app keeps the recovery codes: no new ones to save.
    expect(new URL(on.url).pathname).toBe(ACCOUNT);
    expect(elementText(on.body, 'mfa-state')).toMatch(/^On\s?: codes by text message to \+44 •••••••456/);
    const user = await userRow(person);
    expect(user.mfa_secret_enc).toBeNull();
    expect(user.mfa_confirmed_at).not.toBeNull();
    expect((await mfaActivity(person)).at(-1)).toMatchObject({ kind: 'mfa.enabled', detail: { method: 'sms', via: 'account_page', replaced: 'app' } });
  });

  it('signs in with a texted code: one text when the step opens, a new one on request, replayed and expired codes refused', async () => {
    const other = new Browser(tp.url);
    const before = await textsTo(person);
    const step = await signIn(other, person);
    expect(textOf(step.body)).toContain('We texted a 6-digit code to +44 •••••••456');
    // Reloading the step, even in three tabs at once, sends nothing more.
    await Promise.all([1, 2, 3].map(() => other.get(`/e/${UPCOMING}/login/code`)));
    expect(await textsTo(person)).toBe(before + 1);
    const first = await lastTextedCode(person);
    const resent = await other.submit(step, {}, `/e/${UPCOMING}/login/code/resend`);
    expect(textOf(resent.body)).toMatch(/new code/);
    const second = await lastTextedCode(person);
    expect(await textsTo(person)).toBe(before + 2);
    if (first !== second) {
      const old = await other.submit(resent, { code: first }, `/e/${UPCOMING}/login/code`);
      expect(old.status).toBe(401);
    }
    const landed = await other.follow(await other.submit(resent, { code: second }, `/e/${UPCOMING}/login/code`));
    expect(headingOf(landed.body)).toBe('Coming soon');

    // The same code again, on the next sign-in: refused.
    await signOut(other, landed);
    const again = await signIn(other, person);
    const replayed = await other.submit(again, { code: second }, `/e/${UPCOMING}/login/code`);
    expect(replayed.status).toBe(401);
    // The code of this sign-in, once it is more than 5 minutes old: refused as expired.
    const fresh = await lastTextedCode(person);
    later(6 * 60_000);
    const expired = await other.submit(again, { code: fresh }, `/e/${UPCOMING}/login/code`);
    expect(expired.status).toBe(401);
    expect(elementText(expired.body, 'f-code-error')).toMatch(/expired/);
    const reasons = (await activity(person)).filter((a) => a.kind === 'sign_in.failed').map((a) => a.reason);
    expect(reasons.slice(-2)).toEqual(['code_wrong', 'code_expired']);
  });

  it('changes the phone: the old number works until the new one is confirmed', async () => {
    const user = await userRow(person);
    later(60 * 60_000); // past the hourly text allowance
    const form = await browser.get(`${ACCOUNT}/2fa/sms`);
    expect(headingOf(form.body)).toBe('Change your phone number');
    const sent = await browser.follow(await browser.submit(form, { country: 'GB', phone: '+44 7400 123321', password: DEMO_PASSWORD }, `${ACCOUNT}/2fa/sms`));
    expect(textOf(sent.body)).toContain('+44 •••••••321');
    expect(await confirmedPhone(user.id)).toBe('+44 •••••••456');
    const done = await browser.follow(await browser.submit(sent, { code: await lastTextedCode(person) }, `${ACCOUNT}/2fa/sms/confirm`));
    expect(textOf(done.body)).toMatch(/phone number for sign-in codes has changed/);
    expect(await confirmedPhone(user.id)).toBe('+44 •••••••321');
    expect((await mfaActivity(person)).at(-1)!.kind).toBe('mfa.phone_changed');
  });

  it('turns SMS on for someone without 2FA, with recovery codes to save', async () => {
    const newcomer = 'amara.nwosu@northwind.example';
    const own = new Browser(tp.url);
    await signIn(own, newcomer);
    const form = await own.get(`${ACCOUNT}/2fa/sms`);
    const sent = await own.follow(await own.submit(form, { country: 'IE', phone: '+353 85 123 4567', password: DEMO_PASSWORD }, `${ACCOUNT}/2fa/sms`));
    const shown = await own.follow(await own.submit(sent, { code: await lastTextedCode(newcomer) }, `${ACCOUNT}/2fa/sms/confirm`));
    expect(headingOf(shown.body)).toBe('Your recovery codes');
    expect(listItems(shown.body, 'recovery-codes')).toHaveLength(10);
    expect((await own.submit(shown, { saved: '' }, `${ACCOUNT}/2fa/codes`)).status).toBe(422);
    const done = await own.follow(await own.submit(shown, { saved: 'yes' }, `${ACCOUNT}/2fa/codes`));
    expect(textOf(done.body)).toMatch(/we text you a code after your password/);
    expect(elementText(done.body, 'recovery-left')).toBe('Recovery codes left: 10.');
  });

  it('a password reset takes the phone away with the rest of 2FA', async () => {
    const newcomer = 'amara.nwosu@northwind.example';
    const user = await userRow(newcomer);
    expect(await confirmedPhone(user.id)).toBeDefined();
    const forgot = new Browser(tp.url);
    const asked = await forgot.get(`/e/${UPCOMING}/forgot-password`);
    await forgot.follow(await forgot.submit(asked, { email: newcomer }, `/e/${UPCOMING}/forgot-password`));
    const mail = await db().selectFrom('emails').selectAll().where('user_id', '=', user.id).where('template', '=', 'password_reset').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    const link = /https?:\/\/\S+\/reset-password\/\S+/.exec(openEmailBody(tp.platform.ctx.secrets, mail.template, mail.body_sealed!).text)![0]!;
    const page = await forgot.get(new URL(link).pathname);
    const done = await forgot.follow(await forgot.submit(page, { password: 'a fresh passphrase 2027', confirmation: 'a fresh passphrase 2027' }, new URL(link).pathname));
    expect(done.status).toBe(200);
    expect(await confirmedPhone(user.id)).toBeUndefined();
    expect((await userRow(newcomer)).mfa_confirmed_at).toBeNull();
    expect((await mfaActivity(newcomer)).at(-1)).toMatchObject({ kind: 'mfa.removed', detail: { cause: 'password_reset' } });
  });

  it('produced the kinds of the account page', async () => {
    const kinds = new Set((await db().selectFrom('activity').select('kind').execute()).map((r) => r.kind));
    for (const kind of KINDS_BY_FILE['account-2fa']) expect(kinds, kind).toContain(kind);
    // Each reads as a sentence in the person's timeline.
    for (const entry of await activity('hiroshi.tanaka@contoso.example')) {
      if (entry.kind.startsWith('mfa.')) expect(describeActivity({ ...entry, outcome: entry.outcome as 'ok', actor: null })).not.toBe(entry.kind);
    }
  });
});

const postgres = await postgresReachable();

describe.runIf(postgres)('on PostgreSQL, two platform instances sharing one database', () => {
  let scratch: ScratchDatabase;
  let instances: Platform[] = [];
  let urls: string[] = [];
  const pgDb = () => instances[0]!.ctx.db;
  const person = 'tomas.silva@contoso.example';
  let browser: Browser;
  /** The same request sent twice to each instance at once. */
  const race = (path: string, fields: Record<string, string>) =>
    Promise.all([...urls, ...urls].map((base) => browser.post(new URL(path, base).toString(), fields)));
  const mfaKinds = async () => {
    const user = await pgDb().selectFrom('users').select('id').where('email', '=', person).executeTakeFirstOrThrow();
    const rows = await pgDb().selectFrom('activity').select(['kind', 'detail']).where('user_id', '=', user.id).where('kind', 'like', 'mfa.%').execute();
    return rows.map((r) => r.kind);
  };

  beforeAll(async () => {
    scratch = await scratchDatabase();
    const env = { T1_SECRET_KEY: randomBytes(32).toString('hex') };
    instances = [await openPlatform({ database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env, clock, signInDelayMs: () => 0 })];
    await seedDemo(pgDb(), instances[0]!.ctx);
    instances.push(await openPlatform({ database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env, clock, signInDelayMs: () => 0 }));
    urls = await Promise.all(instances.map((p) => p.listen('127.0.0.1', 0)));
    await pgDb().updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
    browser = new Browser(urls[0]!);
  });
  afterAll(async () => {
    for (const instance of instances) await instance.close();
    await scratch?.drop();
  });

  it('finishing one app setup from both instances at once turns 2FA on once', async () => {
    await signIn(browser, person);
    const qr = await confirmed(browser, '/2fa/app');
    const key = elementText(qr.body, 'setup-key')!.replace(/\s/g, '');
    nextStep();
    const shown = await browser.follow(await browser.submit(qr, { code: totpAt(key, clock.now().getTime()) }, `${ACCOUNT}/2fa/app/confirm`));
    const answers = await race(`${ACCOUNT}/2fa/codes`, { ...formEndingIn(shown, '/2fa/codes').fields, saved: 'yes' });
    expect(answers.filter((a) => a.location?.endsWith('?done=app'))).toHaveLength(1);
    expect((await mfaKinds()).filter((k) => k === 'mfa.enabled')).toHaveLength(1);
  });

  it('turning off from both instances at once records it and emails the person once', async () => {
    const off = await browser.get(`${ACCOUNT}/2fa/off`);
    const answers = await race(`${ACCOUNT}/2fa/off`, { ...formEndingIn(off, '/2fa/off').fields, password: DEMO_PASSWORD });
    expect(answers.map((a) => a.status)).toEqual([303, 303, 303, 303]);
    expect((await mfaKinds()).filter((k) => k === 'mfa.removed')).toHaveLength(1);
    const user = await pgDb().selectFrom('users').select('id').where('email', '=', person).executeTakeFirstOrThrow();
    expect(await pgDb().selectFrom('emails').select('id').where('user_id', '=', user.id).where('template', '=', 'mfa_removed').execute()).toHaveLength(1);
  });

  it('the texted code confirms the phone once, whichever instance gets it', async () => {
    const form = await browser.get(`${ACCOUNT}/2fa/sms`);
    const sent = await browser.follow(await browser.submit(form, { country: 'GB', phone: '07400 555666', password: DEMO_PASSWORD }, `${ACCOUNT}/2fa/sms`));
    const user = await pgDb().selectFrom('users').select('id').where('email', '=', person).executeTakeFirstOrThrow();
    const message = await pgDb().selectFrom('sms_messages').select('body_sealed').where('user_id', '=', user.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    const code = /\b(\d{6})\b/.exec(instances[0]!.ctx.secrets.open(message.body_sealed!))![1]!;
    const answers = await race(`${ACCOUNT}/2fa/sms/confirm`, { ...formEndingIn(sent, '/2fa/sms/confirm').fields, code });
    expect(answers.filter((a) => a.status === 303 && a.location?.endsWith('/2fa/codes'))).toHaveLength(1);
    expect((await mfaKinds()).filter((k) => k === 'mfa.enabled')).toHaveLength(2);
    expect(await pgDb().selectFrom('recovery_codes').select('id').where('user_id', '=', user.id).execute()).toHaveLength(10);
  });
});
