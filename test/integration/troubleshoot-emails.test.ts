// The email and status runbooks: "Something went wrong" on an expired verification
// link, looking up a registration status, resending the verification email (with a
// mail server that refuses delivery) and resending a login link a mail scanner burnt.
// The state each diagnoses is made through the real flows (link pages in browsers with
// a chosen User-Agent, agent actions, the clock moved past a link's lifetime); each runs
// without prompts and once as a wizard whose fix is carried out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { headingOf } from '../helpers/browserless.ts';
import { runT1 } from '../helpers/cli.ts';
import { scriptedPrompter, type ScriptedPrompter } from '../helpers/scripted-prompter.ts';
import { parsed, startActivityWorld, UA, type ActivityWorld } from './activity-support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming; // password sign-in, email verification, verification links live 48 hours
const LIVE = DEMO_EVENT_SLUGS.live; // login links that live 30 minutes
const HOUR = 3_600_000;

let w: ActivityWorld;
beforeAll(async () => {
  w = await startActivityWorld();
});
afterAll(async () => {
  await w?.close();
});

const t1 = (args: string[], prompter?: ScriptedPrompter) =>
  runT1(args, { env: w.platform.env('agent'), tty: Boolean(prompter), overrides: { now: () => w.clock.now(), ...(prompter ? { prompter } : {}) } });

const troubleshoot = async (topic: string, email: string, event?: string) =>
  parsed<any>(await t1(['troubleshoot', topic, '--email', email, ...(event ? ['--event', event] : []), '--no-input', '--json']));
const verdicts = (report: any) => report.findings.map((f: { check: string; verdict: string }) => [f.check, f.verdict]);
const summary = (report: any, check: string): string => report.findings.find((f: { check: string }) => f.check === check)?.summary ?? '';
const argvs = (report: any) => report.outcome.fixes.map((f: { argv: string[] }) => f.argv);

async function auditOf(email: string) {
  return parsed<{ items: { action: string; reason: string; ticket: string; result: string }[] }>(await t1(['audit', '--user', email, '--json'])).items;
}

/** Runs the topic as a wizard that picks the first fix, gives the ticket and confirms. */
async function wizard(search: string, topic: string, answers: string[], fix: RegExp, ticket: string) {
  const prompter = scriptedPrompter([{ search, pick: topic }, ...answers.map((input) => ({ input })), { select: fix }, { input: ticket }, { confirm: true }, { select: 'stop' }]);
  const result = await t1(['troubleshoot'], prompter);
  expect(result.exitCode, result.stderr).toBe(0);
  expect(prompter.left()).toBe(0);
  return result;
}

describe('troubleshoot verification-link-expired', () => {
  const person = DEMO_EXAMPLES.pendingVerificationPerson; // Priya Natarajan, summit, waiting for verification

  it('names the expired link and resends; the wizard carries the resend out', async () => {
    expect((await t1(['verification', 'resend', person, '--event', SUMMIT, '--yes'])).exitCode).toBe(0);
    const mail = await w.mail.nextMail(person, { after: 0 });
    w.clock.advance(49 * HOUR);
    const dead = await w.browser(UA.safariIphone).get(mail.link);
    expect(headingOf(dead.body)).toBe('This link has expired');

    const report = await troubleshoot('verification-link-expired', person, SUMMIT);
    expect(verdicts(report)).toEqual([
      ['registration', 'ok'],
      ['verification-refusals', 'fail'],
      ['verification-link', 'fail'],
      ['recent-mail', 'ok'],
    ]);
    expect(summary(report, 'verification-refusals')).toMatch(/^Verification link refused at .* from Safari 26 on iOS: it had expired\.$/);
    expect(report.outcome.explain).toMatch(/^The verification link expired at /);
    expect(report.outcome.tell).toContain('press "Send me a new link"');
    expect(argvs(report)).toEqual([['verification', 'resend', person, '--event', SUMMIT]]);

    const shown = await wizard('something went wrong verification', 'verification-link-expired', [person, SUMMIT], /^Run: Resend the verification email/, 'SUP-8001');
    expect(shown.stdout).toContain('✗ Verification link refused at');
    expect(shown.stdout).toContain('Tell the caller: The link in your email has expired');
    const fresh = await w.mail.nextMail(person, { after: 1 });
    expect(fresh.subject).toMatch(/^Verify your account/);
    expect((await auditOf(person))[0]).toMatchObject({ action: 'verification.resend', ticket: 'SUP-8001', reason: 'troubleshoot: "Something went wrong" on the verification link', result: 'ok' });

    // It happens again with the new link: the answer now says so and escalates.
    w.clock.advance(49 * HOUR);
    expect((await w.browser(UA.safariIphone).get(fresh.link)).status).toBe(410);
    const again = await troubleshoot('verification-link-expired', person, SUMMIT);
    expect(summary(again, 'verification-refusals')).toContain('(2 refusals, 2 different links)');
    expect(again.outcome.escalate).toMatch(/^Links of 2 different verification emails were refused as expired/);
  });

  it('an address verified meanwhile: nothing left to verify', async () => {
    const report = await troubleshoot('verification-link-expired', 'tomas.silva@contoso.example', SUMMIT);
    expect(report.outcome.tell).toContain('your email address is already confirmed');
    expect(report.outcome.fixes[0].label).toBe('Email "registration complete" with the sign-in button');
  });
});

describe('troubleshoot lookup-status', () => {
  const person = 'kwame.mensah@fourthcoffee.example'; // summit: pending verification; live: login link sent

  it('lists several registrations without an event, and explains one with the next step as a fix', async () => {
    const all = await troubleshoot('lookup-status', person);
    expect(verdicts(all)).toEqual([['registration', 'warn']]);
    expect(all.outcome.explain).toContain(`${SUMMIT}: registered/pending_verification`);
    expect(all.outcome.explain).toContain(`${LIVE}: registered/login_link_sent`);
    expect(all.outcome.tell).toBe('You are registered for more than one of our events. Which event are you calling about?');

    const one = await troubleshoot('lookup-status', person, SUMMIT);
    expect(verdicts(one)).toEqual([['registration', 'ok']]);
    expect(one.outcome.explain).toMatch(/^Registered, waiting for email verification \(registered\/pending_verification; attendee, registration form, for Northwind Product Summit 2027\)\. The person filled in/);
    expect(one.outcome.explain).toContain(`To look further: t1 mail log ${person} --event ${SUMMIT}.`);
    expect(one.outcome.tell).toContain('confirm your email address');
    expect(argvs(one)).toEqual([['verification', 'resend', person, '--event', SUMMIT]]);

    const shown = await wizard('registration status', 'lookup-status', [person, SUMMIT], /^Run: Resend the verification email/, 'SUP-8002');
    expect(shown.stdout).toContain('✓ Registered for Northwind Product Summit 2027: Registered, waiting for email verification.');
    expect(shown.stdout).toContain('What this means: Registered, waiting for email verification');
    expect((await w.mail.nextMail(person, { after: 0 })).subject).toMatch(/^Verify your account/);
    expect((await auditOf(person))[0]).toMatchObject({ action: 'verification.resend', ticket: 'SUP-8002', reason: 'troubleshoot: Look up and verify a registration status' });
  });

  it('a locked account gets the unlock first; a block is escalated; an unknown address has no account', async () => {
    const locked = await troubleshoot('lookup-status', DEMO_EXAMPLES.lockedPerson);
    expect(argvs(locked)[0]).toEqual(['users', 'unlock', DEMO_EXAMPLES.lockedPerson]);
    expect(locked.outcome.tell).toContain('Your account is locked');
    const blocked = await troubleshoot('lookup-status', DEMO_EXAMPLES.blockedPerson, LIVE);
    expect(blocked.outcome.escalate).toContain('organiser');
    expect(blocked.outcome.fixes).toEqual([]);
    const nobody = await troubleshoot('lookup-status', 'nobody.here@fabrikam.example');
    expect(nobody.outcome.explain).toBe('No account has nobody.here@fabrikam.example: the person is not registered for any event under this address.');
  });
});

describe('troubleshoot resend-verification', () => {
  it('says which email the state calls for, and warns when mail to them is failing', async () => {
    const omar = 'omar.haddad@blueyonderairlines.example'; // summit, waiting for verification
    w.mail.refuseNext(omar, 50);
    expect((await t1(['verification', 'resend', omar, '--event', SUMMIT, '--yes'])).exitCode).toBe(0);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const log = parsed<{ items: { attempts: number }[] }>(await t1(['--json', 'mail', 'log', omar]));
      if (log.items[0]?.attempts) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    w.clock.advance(2 * 60_000); // past the one-minute resend pause, not yet the retry backoff's
    const report = await troubleshoot('resend-verification', omar, SUMMIT);
    expect(verdicts(report)).toEqual([
      ['registration', 'ok'],
      ['which-email', 'ok'],
      ['last-resend', 'ok'],
      ['recent-mail', 'fail'],
    ]);
    expect(summary(report, 'which-email')).toBe('A resend sends the "Verify your account" email with a link to confirm the address: the address is not confirmed yet.');
    expect(summary(report, 'recent-mail')).toMatch(/^The email "Verify your account for Northwind Product Summit 2027" \(.*\) is still queued after \d+ failed attempts?: .*451/);
    expect(report.outcome.explain).toContain('Before resending:');
    expect(report.outcome.tell).toMatch(/^Our last email to you could not be delivered/);
    expect(report.outcome.escalate).toContain('mail server error');
    expect(argvs(report)).toEqual([['verification', 'resend', omar, '--event', SUMMIT]]);
  });

  it('a verified person gets "registration complete"; the wizard sends it', async () => {
    const person = 'ana.souza@cohowinery.example'; // summit, verified
    const report = await troubleshoot('resend-verification', person, SUMMIT);
    expect(summary(report, 'which-email')).toMatch(/^A resend sends the "Registration complete" email with the sign-in button: the address was confirmed at /);
    expect(report.outcome.tell).toContain('Your address is already confirmed');
    expect(report.outcome.explain).toContain(`/e/${SUMMIT}/activate`);

    const shown = await wizard('resend verification', 'resend-verification', [person, SUMMIT], /^Run: Email "registration complete"/, 'SUP-8003');
    expect(shown.stdout).toContain('✓ A resend sends the "Registration complete" email');
    expect((await w.mail.nextMail(person, { after: 0 })).subject).toMatch(/Registration complete/i);
    expect((await auditOf(person))[0]).toMatchObject({ action: 'verification.resend', ticket: 'SUP-8003', reason: 'troubleshoot: Resend the verification email' });

    // Asked again straight away: the platform would refuse a second one within a minute.
    const soon = await troubleshoot('resend-verification', person, SUMMIT);
    expect(verdicts(soon)[2]).toEqual(['last-resend', 'warn']);
    expect(soon.outcome.explain).toContain('--force');
  });
});

describe('troubleshoot resend-login-link', () => {
  const person = DEMO_EXAMPLES.personWithOneRegistration; // Ngozi, live event, login links

  it('shows a link a mail scanner used before the caller clicked; the wizard sends a new one', async () => {
    expect((await t1(['magic-link', 'create', person, '--event', LIVE, '--send', '--yes'])).exitCode).toBe(0);
    const mail = await w.mail.nextMail(person, { after: 0 });
    const scanner = w.browser(UA.scanner);
    expect((await scanner.submit(await scanner.get(mail.link))).status).toBe(303);
    w.clock.advance(6 * 60_000);
    const dead = await w.browser(UA.chromeWindows).get(mail.link);
    expect(headingOf(dead.body)).toBe('This link was already used');

    const report = await troubleshoot('resend-login-link', person, LIVE);
    expect(verdicts(report)).toEqual([
      ['registration', 'ok'],
      ['login-link', 'warn'],
      ['login-link-use', 'fail'],
      ['recent-mail', 'ok'],
    ]);
    expect(summary(report, 'login-link-use')).toMatch(
      /^The link was used at .* from an unrecognised browser or program on Windows, 6 minutes before the caller's click from Chrome 156 on Windows: most likely their mail security opened it\.$/,
    );
    expect(report.outcome.explain).toContain('Each login link works once and stops working 30 minutes after it is sent.');
    expect(report.outcome.tell).toContain('most likely the security filter of your mailbox');
    expect(report.outcome.tell).toContain('open the newest email');
    expect(argvs(report)).toEqual([['magic-link', 'create', person, '--event', LIVE, '--send']]);

    const shown = await wizard('link was already used', 'resend-login-link', [person, LIVE], /^Run: Email a new login link/, 'SUP-8004');
    expect(shown.stdout).toContain("✗ The link was used at");
    expect(shown.stdout).toContain('Tell the caller: Your link was opened at');
    expect((await w.mail.nextMail(person, { after: 1 })).subject).toMatch(/log in|login/i);
    expect((await auditOf(person))[0]).toMatchObject({ action: 'magic_link.create', ticket: 'SUP-8004', reason: 'troubleshoot: Resend the login-link email' });

    const after = await troubleshoot('resend-login-link', person, LIVE);
    expect(summary(after, 'login-link')).toMatch(/still valid until/);
  });

  it('an expired login link: a new one, with the lifetime explained', async () => {
    const person = 'arjun.patel@litware.example'; // live, verified
    expect((await t1(['magic-link', 'create', person, '--event', LIVE, '--send', '--yes'])).exitCode).toBe(0);
    w.clock.advance(31 * 60_000);
    const report = await troubleshoot('resend-login-link', person, LIVE);
    expect(verdicts(report).slice(0, 2)).toEqual([
      ['registration', 'ok'],
      ['login-link', 'fail'],
    ]);
    expect(report.outcome.explain).toMatch(/^The newest login link is expired since /);
    expect(report.outcome.tell).toContain('only for 30 minutes');
  });
});
