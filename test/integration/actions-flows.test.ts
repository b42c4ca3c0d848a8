// Each support action end to end. The agent runs t1 against the
// platform, the platform writes the mail to its outbox, a real SMTP server receives it,
// and following the mail's link over HTTP does what the mail promised.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import { elementText, formsOf, headingOf, listItems, textOf } from '../helpers/browserless.ts';
import { json, linkRow, outboxCount, registrationOf, signIn, startActionWorld, type ActionWorld } from '../helpers/action-kit.ts';
import { stepAt, totpForStep } from '../helpers/totp.ts';
import { lines } from './support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming; // password sign-in, email verification on
const LIVE = DEMO_EVENT_SLUGS.live; // login links, live now
const SUMMIT_TITLE = 'Northwind Product Summit 2027';

let w: ActionWorld;
beforeAll(async () => {
  w = await startActionWorld();
});
afterAll(async () => {
  await w?.close();
});

const minutesBetween = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 60_000;

describe('t1 verification resend', () => {
  const person = DEMO_EXAMPLES.pendingVerificationPerson;

  it('mails "verify your account" to an unverified person; the link shows a button and only the POST verifies', async () => {
    expect(await registrationOf(w, person, SUMMIT)).toBe('registered/pending_verification');
    const result = await w.t1(['verification', 'resend', person, '--event', SUMMIT, '--reason', 'caller lost the email', '--yes']);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(lines(result.stdout)).toEqual([`Sent the "verify your account" email to ${person}: queued for delivery.`]);

    const mail = await w.sink.nextMail(person, { after: 0 });
    expect(mail.subject).toBe(`Verify your account for ${SUMMIT_TITLE}`);
    expect(mail.from).toBe('no-reply@events.example');
    expect(mail.text).toContain('Hi Priya Natarajan,');
    expect(mail.link).toMatch(new RegExp(`^${w.url}/verify/[A-Za-z0-9_-]{43}$`));
    expect(mail.html).toContain(`href="${mail.link}"`);

    // Opening the link (a person, or a mail scanner) changes nothing.
    const browser = w.browser();
    for (let i = 0; i < 2; i += 1) {
      const page = await browser.get(mail.link);
      expect(page.status).toBe(200);
      expect(headingOf(page.body)).toBe('Verify your account');
      expect(formsOf(page.body)).toEqual([{ action: new URL(mail.link).pathname, method: 'post', fields: { csrf: expect.any(String) } }]);
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    }
    expect((await linkRow(w, mail.link)).used_at).toBeNull();
    expect(await registrationOf(w, person, SUMMIT)).toBe('registered/pending_verification');

    const done = await browser.submit(await browser.get(mail.link));
    expect(done.status).toBe(200);
    expect(headingOf(done.body)).toBe('Registration complete');
    expect(textOf(done.body)).toContain('your email address is confirmed and your registration is complete');
    expect(await registrationOf(w, person, SUMMIT)).toBe('registered/verified');
    const status = await w.t1(['status', person, '--event', SUMMIT]);
    expect(status.stdout).toContain('Stage\tregistered/verified');

    // The verification itself mails the sign-in link.
    const complete = await w.sink.nextMail(person, { after: 1 });
    expect(complete.subject).toBe(`Registration complete: ${SUMMIT_TITLE}`);
    expect(complete.link).toBe(`${w.url}/e/${SUMMIT}/login`);

    // The link worked once.
    const again = await browser.get(mail.link);
    expect(again.status).toBe(410);
    expect(headingOf(again.body)).toBe('This link was already used');
  });

  it('mails "registration complete" to a verified person, refuses a second resend within a minute, and sends with --force', async () => {
    const verified = 'ana.souza@cohowinery.example';
    const first = await w.t1(['verification', 'resend', verified, '--event', SUMMIT, '--yes']);
    expect(first.exitCode).toBe(0);
    expect(lines(first.stdout)).toEqual([`Sent the "registration complete" email to ${verified}: queued for delivery.`]);
    expect(first.stderr).toContain('Nothing is waiting for verification');

    const mail = await w.sink.nextMail(verified, { after: 0 });
    expect(mail.subject).toBe(`Registration complete: ${SUMMIT_TITLE}`);
    expect(mail.link).toBe(`${w.url}/e/${SUMMIT}/login`);
    const signInPage = await w.browser().get(mail.link);
    expect(signInPage.status).toBe(200);
    expect(headingOf(signInPage.body)).toBe('Sign in');

    const log = json(await w.t1(['--json', 'mail', 'log', verified]));
    const sentAt: string = log.items[0].createdAt;
    const second = await w.t1(['verification', 'resend', verified, '--event', SUMMIT, '--yes']);
    expect(second.exitCode).toBe(1);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain('went out');
    expect(second.stderr).toContain(`at ${sentAt.slice(11, 19)} UTC`);
    expect(second.stderr).toContain('--force');
    expect(await outboxCount(w, verified)).toBe(1);

    const forced = await w.t1(['verification', 'resend', verified, '--event', SUMMIT, '--force', '--yes']);
    expect(forced.exitCode).toBe(0);
    expect((await w.sink.nextMail(verified, { after: 1 })).subject).toBe(`Registration complete: ${SUMMIT_TITLE}`);
    expect(await outboxCount(w, verified)).toBe(2);
  });
});

describe('t1 magic-link create', () => {
  const person = DEMO_EXAMPLES.personWithOneRegistration; // Ngozi Okafor, live event, login link sent

  it('--send mails a login link; opening it shows a button, the POST signs the person in once', async () => {
    const result = await w.t1(['magic-link', 'create', person, '--event', LIVE, '--send', '--ticket', 'SUP-1', '--yes']);
    expect(result.exitCode).toBe(0);
    expect(lines(result.stdout)).toEqual([`Sent the "login link" email to ${person}: queued for delivery.`]);
    expect(result.stderr).toMatch(/^The link works once and expires \d{4}-\d\d-\d\d \d\d:\d\d UTC\.\n$/);

    const mail = await w.sink.nextMail(person, { after: 0 });
    expect(mail.subject).toBe('Your login link for Northwind Customer Day');
    expect(mail.link).toMatch(new RegExp(`^${w.url}/login-link/[A-Za-z0-9_-]{43}$`));
    const row = await linkRow(w, mail.link);
    expect(minutesBetween(row.created_at, row.expires_at!)).toBe(30); // the event's setting

    const browser = w.browser();
    const page = await browser.get(mail.link);
    expect(page.status).toBe(200);
    expect(headingOf(page.body)).toBe('Log in');
    expect(textOf(page.body)).toContain('The link works once.');
    expect(page.setCookies.t1_session).toBeUndefined();
    expect((await linkRow(w, mail.link)).used_at).toBeNull();

    const posted = await browser.submit(page);
    expect(posted.status).toBe(303);
    expect(posted.location).toBe(`${w.url}/e/${LIVE}`);
    expect(posted.setCookies.t1_session).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const site = await browser.follow(posted);
    expect(site.status).toBe(200);
    expect(textOf(site.body)).toContain('Welcome, Ngozi.');
    expect(formsOf(site.body).map((f) => f.action)).toContain(`/e/${LIVE}/logout`);
    expect(await registrationOf(w, person, LIVE)).toBe('attended/joined');

    // Its form was tied to the visitor before sign-in, so a stale copy asks for a reload;
    // reloaded, the link says it was used.
    const stale = await browser.submit(page);
    expect(stale.status).toBe(403);
    const reopened = await browser.get(mail.link);
    expect(reopened.status).toBe(410);
    expect(headingOf(reopened.body)).toBe('This link was already used');
  });

  it('without --send prints the link on stdout and mails nothing', async () => {
    const person2 = 'diego.fernandez@tailspintoys.example';
    const result = await w.t1(['magic-link', 'create', person2, '--event', LIVE, '--yes']);
    expect(result.exitCode).toBe(0);
    const [url, ...rest] = lines(result.stdout);
    expect(rest).toEqual([]);
    expect(url).toMatch(new RegExp(`^${w.url}/login-link/[A-Za-z0-9_-]{43}$`));
    expect(result.stderr).toContain('The link works once and expires');
    expect(await outboxCount(w, person2)).toBe(0);

    const browser = w.browser();
    const posted = await browser.submit(await browser.get(url!));
    expect(posted.status).toBe(303);
    expect(posted.location).toBe(`${w.url}/e/${LIVE}`);
    expect(textOf((await browser.follow(posted)).body)).toContain('Welcome, Diego.');
  });

  it('--ttl 2h sets the lifetime; --ttl 8d is refused', async () => {
    const person3 = 'arjun.patel@litware.example';
    const before = Date.now();
    const view = json(await w.t1(['--json', 'magic-link', 'create', person3, '--event', LIVE, '--ttl', '2h', '--yes']));
    expect(view.email).toBeNull();
    const expires = Date.parse(view.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 2 * 3_600_000 - 1_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000 + 1_000);
    const row = await linkRow(w, view.url);
    expect(row.expires_at).toBe(view.expiresAt);
    expect(minutesBetween(row.created_at, row.expires_at!)).toBe(120);

    const tokensBefore = await w.platform.platform.ctx.db.selectFrom('tokens').select('id').where('kind', '=', 'magic_link').execute();
    const refused = await w.t1(['magic-link', 'create', person3, '--event', LIVE, '--ttl', '8d', '--yes']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('at most 7 days');
    const tokensAfter = await w.platform.platform.ctx.db.selectFrom('tokens').select('id').where('kind', '=', 'magic_link').execute();
    expect(tokensAfter).toHaveLength(tokensBefore.length);
    // The 2-hour link still works: a refused request replaced nothing.
    expect((await w.browser().get(view.url)).status).toBe(200);
  });
});

describe('t1 set-password-link send', () => {
  const person = DEMO_EXAMPLES.passwordNotSetPerson; // Benjamin Cohen, created by webhook

  it('mails a set-password link; a too-short password is refused without burning it; a good one lets the person sign in', async () => {
    expect(await registrationOf(w, person, SUMMIT)).toBe('registered/password_not_set');
    const result = await w.t1(['set-password-link', 'send', person, '--event', SUMMIT, '--yes']);
    expect(result.exitCode).toBe(0);
    expect(lines(result.stdout)).toEqual([`Sent the "set your password" email to ${person}: queued for delivery.`]);

    const mail = await w.sink.nextMail(person, { after: 0 });
    expect(mail.subject).toBe(`Set your password for ${SUMMIT_TITLE}`);
    expect(mail.link).toMatch(new RegExp(`^${w.url}/set-password/[A-Za-z0-9_-]{43}$`));

    const browser = w.browser();
    const page = await browser.get(mail.link);
    expect(page.status).toBe(200);
    expect(headingOf(page.body)).toBe('Set your password');
    expect(textOf(page.body)).toContain('Use at least 10 characters.');

    const short = await browser.submit(page, { password: 'short-pw', confirmation: 'short-pw' });
    expect(short.status).toBe(422);
    expect(elementText(short.body, 'f-password-error')).toBe('Use at least 10 characters.');
    expect((await linkRow(w, mail.link)).used_at).toBeNull();

    const retry = await browser.get(mail.link);
    expect(retry.status).toBe(200);
    const newPassword = 'benjamin-summit-harbour-42';
    const done = await browser.submit(retry, { password: newPassword, confirmation: newPassword });
    expect(done.status).toBe(200);
    expect(headingOf(done.body)).toBe('Your password has been set');
    expect(await registrationOf(w, person, SUMMIT)).toBe('registered/verified');

    const signedIn = await signIn(w.browser(), SUMMIT, person, newPassword);
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe(`${w.url}/e/${SUMMIT}`);
    expect(signedIn.setCookies.t1_session).toBeTruthy();

    expect((await w.browser().get(mail.link)).status).toBe(410);
  });
});

describe('t1 password reset', () => {
  it('--send mails a reset link; the new password works and the old one stops working', async () => {
    const person = 'tomas.silva@contoso.example';
    const result = await w.t1(['password', 'reset', person, '--send', '--yes']);
    expect(result.exitCode).toBe(0);
    expect(lines(result.stdout)).toEqual([`Sent the "password reset" email to ${person}: queued for delivery.`]);
    const mail = await w.sink.nextMail(person, { after: 0 });
    expect(mail.subject).toBe('Reset your password');
    expect(mail.link).toMatch(new RegExp(`^${w.url}/reset-password/[A-Za-z0-9_-]{43}$`));
    const row = await linkRow(w, mail.link);
    expect(minutesBetween(row.created_at, row.expires_at!)).toBe(60);

    const browser = w.browser();
    const page = await browser.get(mail.link);
    expect(headingOf(page.body)).toBe('Choose a new password');
    const newPassword = 'tomas-lisbon-tramway-28';
    const done = await browser.submit(page, { password: newPassword, confirmation: newPassword });
    expect(done.status).toBe(200);
    expect(headingOf(done.body)).toBe('Your password has been set');

    expect((await signIn(w.browser(), SUMMIT, person, newPassword)).location).toBe(`${w.url}/e/${SUMMIT}`);
    const old = await signIn(w.browser(), SUMMIT, person, DEMO_PASSWORD);
    expect(old.status).toBe(401);
    expect(textOf(old.body)).toContain('The email or password is not correct.');
  });

  it('--print-link prints the link instead of mailing it', async () => {
    const person = 'camille.dubois@alpineskihouse.example';
    const result = await w.t1(['password', 'reset', person, '--print-link', '--yes']);
    expect(result.exitCode).toBe(0);
    const [url, ...rest] = lines(result.stdout);
    expect(rest).toEqual([]);
    expect(url).toMatch(new RegExp(`^${w.url}/reset-password/[A-Za-z0-9_-]{43}$`));
    expect(await outboxCount(w, person)).toBe(0);

    const browser = w.browser();
    const newPassword = 'camille-chamonix-piste-7';
    const done = await browser.submit(await browser.get(url!), { password: newPassword, confirmation: newPassword });
    expect(done.status).toBe(200);
    expect((await signIn(w.browser(), SUMMIT, person, newPassword)).location).toBe(`${w.url}/e/${SUMMIT}`);
  });
});

describe('t1 mfa', () => {
  const person = 'elena.petrova@contoso.example';

  it('qr --send mails an enrollment link; the page enrolls with a code and shows 10 recovery codes; reset needs an admin', async () => {
    const before = json(await w.t1(['--json', 'mfa', 'status', person]));
    expect(before).toMatchObject({ enrolled: false, recoveryCodesLeft: 0, pendingEnrollment: null });

    const result = await w.t1(['mfa', 'qr', person, '--send', '--yes']);
    expect(result.exitCode).toBe(0);
    expect(lines(result.stdout)).toEqual([`Sent the "set up two-factor authentication" email to ${person}: queued for delivery.`]);
    const pending = json(await w.t1(['--json', 'mfa', 'status', person]));
    expect(pending.enrolled).toBe(false);
    expect(minutesBetween(pending.pendingEnrollment.createdAt, pending.pendingEnrollment.expiresAt)).toBe(24 * 60);

    const mail = await w.sink.nextMail(person, { after: 0 });
    expect(mail.subject).toBe('Set up two-factor authentication');
    expect(mail.link).toMatch(new RegExp(`^${w.url}/mfa/enroll/[A-Za-z0-9_-]{43}$`));

    const browser = w.browser();
    const page = await browser.get(mail.link);
    expect(page.status).toBe(200);
    expect(headingOf(page.body)).toBe('Set up two-factor authentication');
    expect(page.body).toContain('<svg');
    const setupKey = elementText(page.body, 'setup-key')!;
    expect(setupKey).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/); // 160 bits in base32
    const secret = setupKey.replace(/ /g, '');
    // The agent never saw it.
    expect(result.stdout + result.stderr + JSON.stringify(pending)).not.toContain(secret);

    const step = stepAt(Date.now());
    const valid = new Set([-1, 0, 1].map((d) => totpForStep(secret, step + d)));
    const wrong = ['123456', '654321', '111111'].find((c) => !valid.has(c))!;
    const refused = await browser.submit(page, { code: wrong });
    expect(refused.status).toBe(422);
    expect(elementText(refused.body, 'f-code-error')).toContain('That code is not right.');
    expect((await linkRow(w, mail.link)).used_at).toBeNull();

    const enrolled = await browser.submit(refused, { code: totpForStep(secret, stepAt(Date.now())) });
    expect(enrolled.status).toBe(200);
    expect(headingOf(enrolled.body)).toBe('Two-factor authentication is on');
    const codes = listItems(enrolled.body, 'recovery-codes');
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);

    const after = json(await w.t1(['--json', 'mfa', 'status', person]));
    expect(after).toMatchObject({ email: person, enrolled: true, recoveryCodesLeft: 10, pendingEnrollment: null });
    const human = await w.t1(['mfa', 'status', person]);
    expect(human.stdout).toContain('Recovery codes left\t10\n');
    expect(human.stdout).toMatch(/2FA\tenrolled \d{4}-\d\d-\d\d \d\d:\d\d UTC/);

    // Signing in now asks for a code.
    const signedIn = await signIn(w.browser(), SUMMIT, person, DEMO_PASSWORD);
    expect(signedIn.location).toBe(`${w.url}/e/${SUMMIT}/login/code`);

    const asAgent = await w.t1(['mfa', 'reset', person, '--verified-by', 'video call', '--yes']);
    expect(asAgent.exitCode).toBe(4);
    expect(asAgent.stdout).toBe('');
    expect(asAgent.stderr).toContain('admin role');
    expect(json(await w.t1(['--json', 'mfa', 'status', person])).enrolled).toBe(true);

    const asAdmin = await w.t1(['mfa', 'reset', person, '--verified-by', 'video call', '--yes'], { role: 'admin' });
    expect(asAdmin.exitCode).toBe(0);
    expect(lines(asAdmin.stdout)).toEqual([
      `Removed 2FA from ${person}.`,
      `Sent the "two-factor authentication removed" email to ${person}: queued for delivery.`,
    ]);
    const removed = await w.sink.nextMail(person, { after: 1 });
    expect(removed.subject).toBe('Two-factor authentication was removed');
    expect(removed.text).toContain('Two-factor authentication has been turned off');
    expect(json(await w.t1(['--json', 'mfa', 'status', person]))).toMatchObject({ enrolled: false, recoveryCodesLeft: 0 });
    expect(await w.platform.platform.ctx.db.selectFrom('recovery_codes').select('id').where('user_id', '=', (await linkRow(w, mail.link)).user_id).execute()).toEqual([]);

    // Without 2FA the password alone signs in again.
    expect((await signIn(w.browser(), SUMMIT, person, DEMO_PASSWORD)).location).toBe(`${w.url}/e/${SUMMIT}`);
  });
});
