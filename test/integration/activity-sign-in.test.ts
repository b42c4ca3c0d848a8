// The activity log, sign-ins and mail: wrong passwords with their run count and browser,
// a sign-in with no password set, a lock after ten failures and an agent's unlock, 2FA
// codes wrong and replayed, a recovery code, a reset that replaces 2FA; and the mails a
// person caused (two "registration complete" from different pages), one that failed and
// went out on the retry, and one kept because no mail server is configured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import { headingOf } from '../helpers/browserless.ts';
import { totpAt } from '../helpers/totp.ts';
import { rows } from './support.ts';
import { expectNoSecretsInActivity, KINDS_BY_FILE, kindsStored, startActivityWorld, summaries, timeline, UA, type ActivityWorld, type UaBrowser } from './activity-support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming;
const SUMMIT_TITLE = 'Northwind Product Summit 2027';

let w: ActivityWorld;
beforeAll(async () => {
  w = await startActivityWorld();
});
afterAll(async () => {
  await w?.close();
});

async function signIn(browser: UaBrowser, email: string, password: string) {
  const page = await browser.get(`/e/${SUMMIT}/login`);
  return browser.submit(page, { email, password }, `/e/${SUMMIT}/login`);
}

async function enterCode(browser: UaBrowser, code: string) {
  const page = await browser.get(`/e/${SUMMIT}/login/code`);
  expect(page.status).toBe(200);
  return browser.submit(page, { code }, `/e/${SUMMIT}/login/code`);
}

/** Polls the timeline until an entry of this kind shows up. */
async function waitForKind(email: string, kind: string, count = 1): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const view = await timeline(w, email, ['--kind', kind]);
    if (view.items.length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`No ${kind} for ${email}`);
}

describe('failed sign-ins', () => {
  it('three wrong passwords: each with its reason, run count and browser; then a sign-in', async () => {
    const person = 'tomas.silva@contoso.example';
    const browser = w.browser(UA.chromeWindows);
    for (const guess of ['tomas-guess-one', 'tomas-guess-two', 'tomas-guess-three']) expect((await signIn(browser, person, guess)).status).toBe(401);
    const ok = await signIn(browser, person, DEMO_PASSWORD);
    expect(ok.status).toBe(303);
    const site = await browser.follow(ok);
    expect(headingOf(site.body)).toBe('Coming soon');

    const view = await timeline(w, person, ['--kind', 'sign_in,visit']);
    expect(summaries(view)).toEqual([
      'Sign-in refused: wrong password',
      'Sign-in refused: wrong password (2nd in a row)',
      'Sign-in refused: wrong password (3rd in a row)',
      'Signed in',
      'Saw the "coming soon" page (the event had not started)',
    ]);
    const failed = view.items.filter((e) => e.kind === 'sign_in.failed');
    expect(failed.map((e) => [e.reason, e.detail.failures, e.eventSlug, e.cause])).toEqual([
      ['wrong_password', 3, SUMMIT, 'sign_in'],
      ['wrong_password', 2, SUMMIT, 'sign_in'],
      ['wrong_password', 1, SUMMIT, 'sign_in'],
    ]);
    for (const e of failed) expect(e.browser).toEqual({ family: 'chrome', version: '156', os: 'Windows', supported: true });

    const plain = await w.t1(['users', 'timeline', person, '--kind', 'sign_in.failed']);
    expect(rows(plain.stdout).map((r) => r.slice(1))).toEqual([
      ['sign_in.failed', 'refused', 'wrong_password', SUMMIT, 'Sign-in refused: wrong password (3rd in a row)', 'Chrome 156 on Windows'],
      ['sign_in.failed', 'refused', 'wrong_password', SUMMIT, 'Sign-in refused: wrong password (2nd in a row)', 'Chrome 156 on Windows'],
      ['sign_in.failed', 'refused', 'wrong_password', SUMMIT, 'Sign-in refused: wrong password', 'Chrome 156 on Windows'],
    ]);
  });

  it('a person with no password yet (created by webhook): "no password set"', async () => {
    const person = DEMO_EXAMPLES.passwordNotSetPerson;
    expect((await signIn(w.browser(UA.safariIphone), person, 'whatever-i-remember')).status).toBe(401);
    const view = await timeline(w, person, ['--kind', 'sign_in']);
    expect(view.items[0]).toMatchObject({ kind: 'sign_in.failed', reason: 'no_password', summary: 'Sign-in refused: no password set yet', browser: { family: 'safari', os: 'iOS' } });
  });

  it('an unknown address: the attempt is found by the address', async () => {
    const email = 'who.is.this@fabrikam.example';
    expect((await signIn(w.browser(), email, 'some-password-here')).status).toBe(401);
    const view = await timeline(w, email);
    expect(view.hasAccount).toBe(false);
    expect(view.items.map((e) => [e.kind, e.reason, e.summary])).toEqual([['sign_in.failed', 'unknown_address', 'Sign-in refused: no account with this address']]);
  });

  it('ten failures lock the account; the next try is refused as locked; an agent unlocks it by name', async () => {
    const person = 'camille.dubois@alpineskihouse.example';
    const browser = w.browser(UA.chromeWindows);
    const statuses: number[] = [];
    for (let i = 1; i <= 10; i++) statuses.push((await signIn(browser, person, `camille-wrong-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 401, 423]);
    const locked = await signIn(browser, person, DEMO_PASSWORD);
    expect(locked.status).toBe(423);

    const before = await timeline(w, person, ['--kind', 'sign_in,account']);
    const [refusedLocked, lock, tenth] = before.items;
    expect(refusedLocked).toMatchObject({ kind: 'sign_in.failed', reason: 'locked', summary: 'Sign-in refused: the account is locked' });
    expect(lock).toMatchObject({ kind: 'account.locked', detail: { failures: 10 } });
    expect(lock!.summary).toMatch(/^Account locked after 10 failed sign-ins, until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(Math.abs(Date.parse(lock!.detail.until) - Date.parse(lock!.at) - 30 * 60_000)).toBeLessThan(1_000);
    expect(refusedLocked!.detail.until).toBe(lock!.detail.until);
    expect(tenth).toMatchObject({ kind: 'sign_in.failed', reason: 'wrong_password', summary: 'Sign-in refused: wrong password (10th in a row)' });
    expect(before.items.filter((e) => e.reason === 'wrong_password')).toHaveLength(10);

    const sam = DEMO_EXAMPLES.agentStaff;
    const token = await w.staffToken(sam, 'agent');
    const unlock = await w.t1(['users', 'unlock', person, '--ticket', 'SUP-77', '--reason', 'caller verified', '--yes'], { token });
    expect(unlock.exitCode).toBe(0);
    expect((await signIn(w.browser(UA.chromeWindows), person, DEMO_PASSWORD)).status).toBe(303);

    const after = await timeline(w, person, ['--kind', 'agent,sign_in,account', '--limit', '3']);
    expect(after.items.map((e) => e.summary)).toEqual(['Signed in', `Account unlocked by ${sam}`, 'Sign-in refused: the account is locked']);
    expect(after.items[1]).toMatchObject({ kind: 'agent.user.unlock', source: 'audit', actor: sam, ticket: 'SUP-77', note: 'caller verified', outcome: 'ok' });

    // Read on a terminal the agent's line carries the ticket and the reason.
    const tty = await w.t1(['users', 'timeline', person, '--kind', 'agent'], { tty: true });
    expect(tty.stdout).toContain(`Account unlocked by ${sam}`);
    expect(tty.stdout).toContain('ticket SUP-77');
    expect(tty.stdout).toContain('"caller verified"');
  });
});

describe('two-factor authentication', () => {
  const person = 'elena.petrova@contoso.example';
  let key: string;
  let codes: string[];

  it('enrollment, a wrong code, a right one, a replayed one and a recovery code', async () => {
    expect((await w.t1(['mfa', 'qr', person, '--send', '--yes'])).exitCode).toBe(0);
    const mail = await w.mail.nextMail(person, { after: 0 });
    const enroll = w.browser(UA.safariIphone);
    const page = await enroll.get(mail.link);
    key = /id="setup-key">([^<]+)</.exec(page.body)![1]!.replace(/ /g, '');
    const done = await enroll.submit(page, { code: totpAt(key, w.clock.now().getTime()) });
    expect(headingOf(done.body)).toBe('Two-factor authentication is on');
    codes = [...done.body.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(10);

    w.clock.advance(30_000); // the enrollment used the current step
    const browser = w.browser(UA.chromeWindows);
    expect((await signIn(browser, person, DEMO_PASSWORD)).location).toMatch(/\/login\/code$/);
    const right = totpAt(key, w.clock.now().getTime());
    const wrong = String((Number(right) + 500_037) % 1_000_000).padStart(6, '0');
    expect((await enterCode(browser, wrong)).status).toBe(401);
    expect((await enterCode(browser, right)).status).toBe(303);

    // The same code again on another sign-in: replayed. Then a recovery code.
    const again = w.browser(UA.chromeWindows);
    await signIn(again, person, DEMO_PASSWORD);
    expect((await enterCode(again, right)).status).toBe(401);
    expect((await enterCode(again, codes[0]!)).status).toBe(303);

    const view = await timeline(w, person, ['--kind', 'mfa,sign_in']);
    expect(summaries(view)).toEqual([
      'Two-factor authentication turned on',
      'Sign-in refused: wrong two-factor code',
      'Signed in with a two-factor code',
      'Sign-in refused: a two-factor code that was already used',
      'Signed in with a recovery code',
      'Recovery code used (9 left)',
    ]);
    expect(view.items.find((e) => e.kind === 'mfa.enabled')!.browser).toMatchObject({ family: 'safari', os: 'iOS' });
    expect(view.items.filter((e) => e.kind === 'sign_in.failed').map((e) => e.reason)).toEqual(['code_replayed', 'code_wrong']);
  });

  it('a password reset replaces 2FA and owes a new enrollment', async () => {
    expect((await w.t1(['password', 'reset', person, '--send', '--yes'])).exitCode).toBe(0);
    const mail = await w.mail.nextMail(person, { after: 1 });
    const browser = w.browser(UA.chromeWindows);
    const set = await browser.submit(await browser.get(mail.link), { password: 'elena-sofia-vitosha-3', confirmation: 'elena-sofia-vitosha-3' });
    expect(set.status).toBe(303);
    expect(set.location).toMatch(/\/mfa\/enroll\//);
    const view = await timeline(w, person, ['--kind', 'mfa,password,link.issued', '--limit', '4']);
    expect(summaries(view)).toEqual([
      'New password reset link issued by agent token:test agent',
      'New password chosen from a reset link',
      'Two-factor authentication replaced by a password reset (new enrollment owed)',
      'New 2FA enrollment link issued by a password reset that replaced two-factor authentication',
    ]);
  });
});

describe('mail', () => {
  const person = 'ana.souza@cohowinery.example'; // verified on the summit

  it('two "registration complete" emails, from a repeated registration and from the activation page', async () => {
    const browser = w.browser();
    const form = await browser.get(`/e/${SUMMIT}/register`);
    const repeated = await browser.submit(
      form,
      { first_name: 'Ana', last_name: 'Souza', country: 'Brazil', job_title: '', company: 'Coho Winery', email: person, password: 'ana-porto-alegre-9', confirmation: 'ana-porto-alegre-9', terms: 'yes' },
      `/e/${SUMMIT}/register`,
    );
    expect(repeated.status).toBe(200);
    const activate = await browser.submit(await browser.get(`/e/${SUMMIT}/activate`), { email: person }, `/e/${SUMMIT}/activate`);
    expect(activate.status).toBe(200);
    await w.mail.nextMail(person, { after: 1 });
    await waitForKind(person, 'mail.sent', 2);

    const view = await timeline(w, person, ['--kind', 'mail']);
    const queued = view.items.filter((e) => e.kind === 'mail.queued').reverse();
    expect(queued.map((e) => [e.cause, e.detail.cause, e.detail.template, e.detail.subject])).toEqual([
      ['registration_form', 'registration_form', 'registration_complete', `Registration complete: ${SUMMIT_TITLE}`],
      ['activation_page', 'activation_page', 'registration_complete', `Registration complete: ${SUMMIT_TITLE}`],
    ]);
    expect(queued.map((e) => e.summary)).toEqual([
      `"Registration complete: ${SUMMIT_TITLE}" email queued, caused by the registration form`,
      `"Registration complete: ${SUMMIT_TITLE}" email queued, caused by the "send the activation email again" page`,
    ]);
    // Each queued entry names its email, and the sent one the same.
    const sent = view.items.filter((e) => e.kind === 'mail.sent');
    expect(new Set(sent.map((e) => e.emailId))).toEqual(new Set(queued.map((e) => e.emailId)));
    const registration = await timeline(w, person, ['--kind', 'registration']);
    expect(summaries(registration)).toEqual(['Registration form submitted', 'Registered again while already registered: nothing changed, the "registration complete" email was sent instead']);
  });

  it('a mail the server refused at first: failed, then sent on the retry', async () => {
    const omar = 'omar.haddad@blueyonderairlines.example';
    w.mail.refuseNext(omar, 1);
    expect((await w.t1(['verification', 'resend', omar, '--event', SUMMIT, '--yes'])).exitCode).toBe(0);
    await waitForKind(omar, 'mail.failed');
    w.clock.advance(31_000); // the first retry waits 30 seconds
    const mail = await w.mail.nextMail(omar, { after: 0 });
    expect(mail.subject).toBe(`Verify your account for ${SUMMIT_TITLE}`);
    await waitForKind(omar, 'mail.sent');

    const view = await timeline(w, omar, ['--kind', 'mail']);
    expect(view.items.map((e) => [e.kind, e.outcome, e.reason])).toEqual([
      ['mail.sent', 'ok', null],
      ['mail.failed', 'failed', 'smtp_error'],
      ['mail.queued', 'ok', null],
    ]);
    const [sent, failed] = view.items;
    expect(sent!.summary).toBe(`"Verify your account for ${SUMMIT_TITLE}" email sent after 2 attempts`);
    expect(failed!.summary).toMatch(new RegExp(`^"Verify your account for ${SUMMIT_TITLE}" email not delivered yet \\(attempt 1\\): .*451`));
    expect(failed!.detail.nextAttemptAt > failed!.at).toBe(true);
    // Delivery is the platform's own work: no browser, no network.
    expect([sent!.browser, sent!.network, failed!.cause]).toEqual([null, null, 'system']);
  });
});

describe('at rest', () => {
  it('produced the kinds this file covers (captured mail: below)', () => {
    const stored = kindsStored(w);
    for (const kind of KINDS_BY_FILE['activity-sign-in'].filter((k) => k !== 'mail.captured')) expect(stored, kind).toContain(kind);
  });

  it('the activity table holds no password, code, TOTP secret, recovery code or link token', () => {
    const { rows: count, secrets } = expectNoSecretsInActivity(w);
    expect(count).toBeGreaterThan(40);
    const names = [...w.secrets.keys()].join('\n');
    for (const kind of ['typed password', 'typed code', 'TOTP secret (base32)', 'TOTP secret (hex)', 'recovery code', 't1_session', 't1_challenge', 'mfa/enroll link token', 'reset-password link token'])
      expect(names).toContain(kind);
    expect(secrets).toBeGreaterThan(40);
  });
});

describe('with no mail server configured', () => {
  let captured: ActivityWorld;
  beforeAll(async () => {
    captured = await startActivityWorld({ mail: false });
  });
  afterAll(async () => {
    await captured?.close();
  });

  it('the mail is kept, and the timeline says it was not sent', async () => {
    const omar = 'omar.haddad@blueyonderairlines.example';
    expect((await captured.t1(['verification', 'resend', omar, '--event', SUMMIT, '--yes'])).exitCode).toBe(0);
    const view = await timeline(captured, omar, ['--kind', 'mail']);
    expect(view.items.map((e) => [e.kind, e.cause, e.summary])).toEqual([
      ['mail.captured', 'agent', `"Verify your account for ${SUMMIT_TITLE}" email kept by the platform, not sent (no mail server configured), caused by agent token:test agent`],
    ]);
  });
});
