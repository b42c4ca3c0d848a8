// Interactive runs (the scripted prompter on a terminal) of the topics whose own test
// files run them only without prompts: the browser-ladder topics (accessibility, fields
// not reachable, "General Submission"), form-help, and the two-factor setup topics
// (cannot-scan-qr's words, reset-asks-new-qr). The state each diagnoses is made through
// the real flows first (registration pages in browsers with a chosen User-Agent, agent
// actions, the reset and setup pages, the clock moved past a link's lifetime); each run
// checks the ✓ ! ✗ lines and the words for the caller, and, where the outcome has a fix,
// that choosing "Run: ..." and confirming really carries it out (mail and audit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { textOf } from '../helpers/browserless.ts';
import { runT1 } from '../helpers/cli.ts';
import { scriptedPrompter, type ScriptedAnswer } from '../helpers/scripted-prompter.ts';
import { parsed, startActivityWorld, UA, type ActivityWorld } from './activity-support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming; // password sign-in, public domains refused
const LIVE = DEMO_EVENT_SLUGS.live; // login links: registering needs no password
const SAFARI_15 = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6.1 Safari/605.1.15';
const CHROME = UA.chromeWindows;
const HOUR = 3_600_000;

let w: ActivityWorld;
beforeAll(async () => {
  w = await startActivityWorld();
});
afterAll(async () => {
  await w?.close();
});

/** The wizard on a terminal, answered by the script (every answer used), on the world's clock. */
async function wizard(args: string[], script: ScriptedAnswer[]) {
  const prompter = scriptedPrompter(script);
  const result = await runT1(args, { env: w.platform.env('agent'), tty: true, overrides: { prompter, now: () => w.clock.now() } });
  expect(result.exitCode, result.stderr).toBe(0);
  expect(prompter.left()).toBe(0);
  return { result, asked: prompter.asked };
}

const troubleshoot = async (topic: string, email: string, extra: string[] = []) =>
  parsed<any>(await w.t1(['troubleshoot', topic, '--email', email, '--no-input', '--json', ...extra]));

async function auditOf(email: string) {
  return parsed<{ items: { action: string; reason: string; ticket: string; result: string }[] }>(await w.t1(['audit', '--user', email, '--json'], { role: 'admin' })).items;
}

/** Fills in the live event's form in a browser with this User-Agent, with `values` over a complete form. */
async function submitForm(userAgent: string, email: string, values: Record<string, string> = {}) {
  const browser = w.browser(userAgent);
  const page = await browser.get(`/e/${LIVE}/register`);
  expect(page.status).toBe(200);
  return browser.submit(page, { first_name: 'Ines', last_name: 'Duarte', company: 'Fabrikam', job_title: '', email, terms: 'yes', ...values }, `/e/${LIVE}/register`);
}

describe('the browser-ladder topics as wizards', () => {
  it('accessibility-not-working: judges the browser of their registration visit and names the admin', async () => {
    const person = 'ana.luz@fabrikam.example';
    expect((await submitForm(SAFARI_15, person)).status).toBe(200);

    const { result } = await wizard(['troubleshoot'], [{ search: 'screen reader does not work', pick: 'accessibility-not-working' }, { input: person }, { input: LIVE }, { input: '' }, { input: 'screen reader' }]);
    expect(result.stdout).toMatch(/✗ Their last visit \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\) was from Safari 15 on macOS \(not supported\)\./);
    expect(result.stdout).toContain('Tell the caller: Your last visit to the event pages was from Safari 15 on macOS, which the event pages do not support');
    expect(result.stdout).not.toContain('Fix:');

    // Back on a current Chrome, told as a User-Agent: the reopen / clear-cache steps, then the admin.
    const chrome = await wizard(['troubleshoot', 'accessibility-not-working', '--user-agent', CHROME], [{ input: person }, { input: LIVE }, { input: 'keyboard' }]);
    expect(chrome.result.stdout).toContain('✓ Chrome 156 on Windows is supported.');
    expect(chrome.result.stdout).toMatch(/Tell the caller: Chrome 156 on Windows is supported, so let us try a few things\./);
    expect(chrome.result.stdout).toContain('I will pass it on to the event organiser');
    expect(chrome.result.stdout).not.toContain('Escalate:');
  });

  it('fields-not-reachable: a supported browser still refused: shown as urgent, and the wizard ends on the escalation', async () => {
    const person = 'kai.brandt@fabrikam.example';
    expect((await submitForm(CHROME, person, { company: '' })).status).toBe(422);

    const { result } = await wizard(
      ['troubleshoot'],
      [{ search: 'cannot click into a field', pick: 'fields-not-reachable' }, { input: person }, { input: LIVE }, { input: '' }, { input: 'Company' }, { select: 'escalate' }, { input: 'SUP-ESC1' }],
    );
    expect(result.stdout).toContain('✓ Registration for Northwind Customer Day is open');
    expect(result.stdout).toMatch(/✓ Their last visit \(.*\) was from Chrome 156 on Windows \(supported\)\./);
    expect(result.stdout).toContain('Tell the caller: Your last visit was from Chrome 156 on Windows, which is supported');
    expect(result.stdout).toMatch(/Escalate: High priority: .*the "Company" field still cannot be reached/);
    // "Escalate to tier two" asks for the ticket and prints the packet, with this topic's run in it.
    expect(result.stdout).toContain(`# Escalation SUP-ESC1: \`${person}\``);
    expect(result.stdout).toContain('Troubleshooting topic `fields-not-reachable`');
  });

  it('general-submission: names what the form refused, and without a submission on record offers the escalation', async () => {
    const person = 'lea.brun@fabrikam.example';
    expect((await submitForm(CHROME, person, { terms: '' })).status).toBe(422);
    const refused = await wizard(['troubleshoot'], [{ search: 'general submission error', pick: 'general-submission' }, { input: person }, { input: LIVE }, { input: CHROME }]);
    expect(refused.result.stdout).toMatch(/✗ .*the terms and conditions box was not ticked/);
    expect(refused.result.stdout).toContain('Tell the caller: Your last try did reach us, but the form could not accept it. Please tick the box that you agree to the terms and conditions');
    expect(refused.asked).not.toContain('What next?');

    const never = 'ana.souza@cohowinery.example'; // registered for the summit; never sent the live event's form
    const ladder = await wizard(['troubleshoot', 'general-submission', '--email', never, '--event', LIVE, '--user-agent', CHROME], [{ select: 'escalate' }, { input: 'SUP-ESC2' }]);
    expect(ladder.result.stdout).toContain(`! No registration form submission from ${never} for ${LIVE} reached the platform.`);
    expect(ladder.result.stdout).toContain('Tell the caller: Chrome 156 on Windows is supported, so let us try a few things.');
    expect(ladder.result.stdout).toMatch(/Escalate: The "General Submission" error repeats on a supported browser/);
    expect(ladder.result.stdout).toContain(`# Escalation SUP-ESC2: Ana Souza (\`${never}\`)`);
    expect(ladder.result.stdout).toContain('Troubleshooting topic `general-submission`');
  });
});

describe('form-help as a wizard', () => {
  it('explains the event the caller names, field by field', async () => {
    const { result, asked } = await wizard(['troubleshoot'], [{ search: 'which fields are required', pick: 'form-help' }, { input: SUMMIT }]);
    expect(asked).toEqual(['What does the caller say?', 'Which event (slug)?']);
    expect(result.stdout).toContain('✓ Northwind Product Summit 2027: required First name, Last name, Country and Company; optional Job title; sign-in with email and password (10 to 128 characters).');
    expect(result.stdout).toContain('Tell the caller: Let us go through it together. 1. Open the registration page at');
    expect(result.stdout).toContain('you may leave Job title empty');
    expect(result.stdout).not.toContain('Fix:');

    const live = await wizard(['troubleshoot', 'form-help'], [{ input: LIVE }]);
    expect(live.result.stdout).toContain('sign-in with a login link by email (no password)');
    expect(live.result.stdout).toContain('You do not need a password: we will email you a link to sign in.');
  });
});

describe('the two-factor setup topics as wizards', () => {
  it('cannot-scan-qr: a waiting setup is shown with the setup-key steps; an enrolled person gets a new link that is sent', async () => {
    const waiting = 'tomas.silva@contoso.example';
    expect((await w.t1(['mfa', 'qr', waiting, '--send', '--yes'])).exitCode).toBe(0);
    const link = (await w.mail.nextMail(waiting, { after: 0 })).link;
    expect(textOf((await w.browser().get(link)).body)).toContain("Can't scan it? Type this setup key instead");

    const shown = await wizard(['troubleshoot'], [{ search: "can't scan the QR code", pick: 'cannot-scan-qr' }, { input: waiting }]);
    expect(shown.result.stdout).toMatch(/! 2FA is not set up yet: an enrollment link works until /);
    expect(shown.result.stdout).toContain('Tell the caller: No problem, you can type it in instead.');
    expect(shown.result.stdout).toContain('"Can\'t scan it?"');
    expect(shown.asked).not.toContain('What next?');

    const enrolled = DEMO_EXAMPLES.personWithSeveralRegistrations;
    const report = await troubleshoot('cannot-scan-qr', enrolled);
    expect(report.findings[0]).toMatchObject({ check: 'two-factor', verdict: 'ok' });
    const before = w.mail.received.filter((m) => m.to === enrolled).length;
    const fixed = await wizard(['troubleshoot', 'cannot-scan-qr'], [{ input: enrolled }, { select: /^Run: Email a new 2FA setup link/ }, { input: 'SUP-QR1' }, { confirm: true }, { select: 'stop' }]);
    expect(fixed.result.stdout).toMatch(/✓ 2FA is set up since /);
    expect(fixed.result.stdout).toContain('Tell the caller: Your two-factor authentication is already set up, so there is nothing to scan.');
    const mail = await w.mail.nextMail(enrolled, { after: before });
    expect(mail.subject).toBe('Set up two-factor authentication');
    expect((await w.browser().get(mail.link)).status).toBe(200);
    expect((await auditOf(enrolled))[0]).toMatchObject({ action: 'mfa.enrollment', ticket: 'SUP-QR1', reason: "troubleshoot: Can't scan the QR code", result: 'ok' });
  });

  it('reset-asks-new-qr: the reset that replaced 2FA, then, once its setup page expired, a new one the wizard sends', async () => {
    const person = DEMO_EXAMPLES.twoFactorPerson;
    const before = w.mail.received.filter((m) => m.to === person).length;
    expect((await w.t1(['password', 'reset', person, '--send', '--yes'])).exitCode).toBe(0);
    const reset = await w.mail.nextMail(person, { after: before });
    const browser = w.browser();
    const password = 'hiroshi-new-kyoto-garden-9';
    const done = await browser.submit(await browser.get(reset.link), { password, confirmation: password });
    expect(done.location).toMatch(/\/mfa\/enroll\//);

    const expected = await wizard(['troubleshoot'], [{ search: 'new QR code after password reset', pick: 'reset-asks-new-qr' }, { input: person }]);
    expect(expected.result.stdout).toMatch(/! 2FA is not set up yet: an enrollment link works until /);
    expect(expected.result.stdout).toMatch(/✓ The password reset of .* replaced 2FA, as it always does\./);
    expect(expected.result.stdout).toContain('Tell the caller: That is expected: for your security, choosing a new password also renews your two-factor setup.');
    expect(expected.asked).not.toContain('What next?');

    w.clock.advance(25 * HOUR); // the setup page from the reset lives 24 hours
    const sent = w.mail.received.filter((m) => m.to === person).length;
    const fixed = await wizard(['troubleshoot', 'reset-asks-new-qr'], [{ input: person }, { select: /^Run: Email a new 2FA setup link/ }, { input: 'SUP-QR2' }, { confirm: true }, { select: 'stop' }]);
    expect(fixed.result.stdout).toMatch(/! 2FA is not set up and no enrollment link is waiting/);
    expect(fixed.result.stdout).toContain('Tell the caller: That is expected: choosing a new password also renews your two-factor setup. The page with the new QR code has expired, so I am emailing you a new setup link.');
    const mail = await w.mail.nextMail(person, { after: sent });
    expect(mail.subject).toBe('Set up two-factor authentication');
    expect((await w.browser().get(mail.link)).status).toBe(200);
    expect((await auditOf(person))[0]).toMatchObject({ action: 'mfa.enrollment', ticket: 'SUP-QR2', reason: 'troubleshoot: After a password reset it asks to scan a new QR code', result: 'ok' });
    const after = await troubleshoot('reset-asks-new-qr', person);
    expect(after.outcome.fixes).toEqual([]);
  });
});
