// The registration-email runbooks on states the real flows make: an extra "Registration
// Complete" (registering again, the activation page, an agent), a webhook registration
// that was received, refused or never arrived, a registration email that was sent, is
// stuck behind a mail server that defers it, failed for good, or was only captured by a
// platform with no SMTP, and the "Oops!" of a renew form sent without the address.
// Each runs without prompts (--no-input --json) and once as a wizard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { signWebhook } from '../../src/platform/services/webhooks.ts';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform } from '../helpers/platform.ts';
import { scriptedPrompter, type ScriptedAnswer } from '../helpers/scripted-prompter.ts';
import { waitFor } from '../helpers/action-kit.ts';
import { parsed, startActivityWorld, type ActivityWorld } from './activity-support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming; // password sign-in, verification on
const LIVE = DEMO_EVENT_SLUGS.live; // login links
const MINUTE = 60_000;

let w: ActivityWorld;
let secret: string;
beforeAll(async () => {
  w = await startActivityWorld();
  const rotated = await w.t1(['events', 'webhook-secret', SUMMIT, '--yes'], { role: 'admin' });
  expect(rotated.exitCode).toBe(0);
  secret = rotated.stdout.trim();
});
afterAll(async () => {
  await w?.close();
});

const troubleshoot = async (topic: string, email: string, event: string | null, extra: string[] = []) =>
  parsed<any>(await w.t1(['troubleshoot', topic, '--email', email, ...(event ? ['--event', event] : []), '--no-input', '--json', ...extra]));
const verdicts = (report: any) => report.findings.map((f: { check: string; verdict: string }) => [f.check, f.verdict]);

/** The wizard on a terminal, answered by the script, on the world's clock. */
async function wizard(args: string[], script: ScriptedAnswer[]) {
  const prompter = scriptedPrompter(script);
  const result = await runT1(args, { env: w.platform.env('agent'), tty: true, overrides: { prompter, now: () => w.clock.now() } });
  expect(result.exitCode, result.stderr).toBe(0);
  expect(prompter.left()).toBe(0);
  return result;
}

const form = (email: string, password?: string) => ({
  first_name: 'Lea',
  last_name: 'Roux',
  country: 'France',
  job_title: 'Buyer',
  company: 'Coho Winery',
  email,
  ...(password ? { password, confirmation: password } : {}),
  terms: 'yes',
});

async function register(slug: string, email: string, password?: string) {
  const browser = w.browser();
  return browser.submit(await browser.get(`/e/${slug}/register`), form(email, password), `/e/${slug}/register`);
}

async function mailLog(email: string): Promise<any[]> {
  return parsed<any>(await w.t1(['--json', 'mail', 'log', email])).items;
}

async function webhook(id: string, data: Record<string, unknown>) {
  const body = JSON.stringify({ type: 'registration.created', data: { event: SUMMIT, firstName: 'Lena', lastName: 'Hook', company: 'Fabrikam', ...data } });
  const timestamp = Math.floor(w.clock.now().getTime() / 1000);
  const response = await fetch(`${w.url}/v1/webhooks/registrations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, id, timestamp, body) },
    body,
  });
  return response.status;
}

async function audited(email: string, action: string, title: string) {
  const audit = parsed<any>(await w.t1(['audit', '--user', email, '--json']));
  expect(audit.items[0]).toMatchObject({ action, ticket: 'SUP-77', reason: `troubleshoot: ${title}`, result: 'ok' });
}

describe('troubleshoot extra-registration-complete', () => {
  const person = 'lea.roux@cohowinery.example';

  it('names what caused each "Registration Complete": verifying, the form again, the activation page, an agent', async () => {
    expect((await register(SUMMIT, person, 'coho-cellar-lantern-9')).status).toBe(200);
    const verify = await w.mail.nextMail(person, { after: 0 });
    const browser = w.browser();
    await browser.submit(await browser.get(verify.link));
    await w.mail.nextMail(person, { after: 1 });
    expect((await register(SUMMIT, person, 'coho-cellar-lantern-9')).status).toBe(200); // registers again
    await w.mail.nextMail(person, { after: 2 });
    const activate = w.browser();
    expect((await activate.submit(await activate.get(`/e/${SUMMIT}/activate`), { email: person }, `/e/${SUMMIT}/activate`)).status).toBe(200);
    await w.mail.nextMail(person, { after: 3 });
    expect((await w.t1(['verification', 'resend', person, '--event', SUMMIT, '--force', '--yes'])).exitCode).toBe(0);
    await w.mail.nextMail(person, { after: 4 });
    expect(w.mail.received.filter((m) => m.to === person).map((m) => m.subject.split(':')[0])).toEqual(['Verify your account for Northwind Product Summit 2027', ...Array(4).fill('Registration complete')]);

    const report = await troubleshoot('extra-registration-complete', person, SUMMIT);
    expect(verdicts(report)).toEqual([['registration-complete-mails', 'ok']]);
    expect(report.findings[0].summary).toMatch(/^4 "Registration Complete" emails to lea\.roux@cohowinery\.example, caused by the verification link being used; the registration form; the "send the activation email again" page; agent token:test agent; registered again 1 time while already registered\.$/);
    expect(report.outcome.explain).toContain('registering again with an address that is already registered creates nothing');
    expect(report.outcome.tell).toContain('you filled in the registration form again, and the "send activation email" page was used, and our support team sent it to you again');
    expect(report.outcome.fixes).toEqual([]);

    const result = await wizard(['troubleshoot'], [{ search: 'two registration complete', pick: 'extra-registration-complete' }, { input: person }, { input: SUMMIT }]);
    expect(result.stdout).toContain('✓ 4 "Registration Complete" emails');
    expect(result.stdout).toContain('Tell the caller: You received more than one because');
  });

  it('with a single one on record, asks which other email the caller means', async () => {
    const report = await troubleshoot('extra-registration-complete', 'priya.natarajan@fabrikam.example', SUMMIT);
    expect(report.findings[0].verdict).toBe('warn');
    expect(report.outcome.tell).toMatch(/subject and the event name of the other email/);
  });
});

describe('troubleshoot webhook-no-email', () => {
  it('a received webhook whose set-password email went out: the inbox steps, and a resend that really sends', async () => {
    const person = 'lena.hook@fabrikam.example';
    expect(await webhook('msg_ok_1', { email: person })).toBe(201);
    const first = await w.mail.nextMail(person, { after: 0 });
    expect(first.subject).toMatch(/^Set your password/);
    await waitFor(async () => (await mailLog(person)).map((m) => m.status), ['sent']);

    const report = await troubleshoot('webhook-no-email', person, SUMMIT);
    expect(verdicts(report)).toEqual([
      ['webhook', 'ok'],
      ['mail-delivery', 'ok'],
    ]);
    expect(report.outcome.tell).toMatch(/junk, spam and promotions.*quarantine/);
    expect(report.outcome.fixes.map((f: any) => f.argv)).toEqual([['verification', 'resend', person, '--event', SUMMIT]]);

    w.clock.advance(2 * MINUTE); // a resend within a minute of the last email is refused
    const result = await wizard(
      ['troubleshoot', 'webhook-no-email', '--email', person, '--event', SUMMIT],
      [{ select: /^Run: Send the email/ }, { input: 'SUP-77' }, { confirm: true }, { select: 'stop' }],
    );
    expect(result.stdout).toContain("✓ The integration's registration arrived at");
    const again = await w.mail.nextMail(person, { after: 1 });
    expect(again.subject).toMatch(/^Set your password/);
    await audited(person, 'verification.resend', 'Registered through an integration (webhook) but got no email');
  });

  it('a webhook refused for a public address: the reason, found by the address with no account', async () => {
    const person = 'lena.private@outlook.com';
    expect(await webhook('msg_public_9', { email: person })).toBe(422);
    const report = await troubleshoot('webhook-no-email', person, SUMMIT);
    expect(verdicts(report)).toEqual([['webhook', 'fail']]);
    expect(report.findings[0].summary).toMatch(/refused at .*: the address is not accepted for the event \(public_domain\)\.$/);
    expect(report.outcome.tell).toContain('Please register again with your work email address.');
    expect(report.outcome.fixes).toEqual([]);
  });

  it('nothing arrived: the integration on the customer\'s side must be checked', async () => {
    const report = await troubleshoot('webhook-no-email', 'never.arrived@fabrikam.example', SUMMIT);
    expect(verdicts(report)).toEqual([['webhook', 'fail']]);
    expect(report.outcome.explain).toContain('the registration never reached the platform');
    expect(report.outcome.escalate).toMatch(/integration owner/);
    expect(report.outcome.tell).toMatch(/register directly at http/);
  });
});

describe('troubleshoot no-registration-email', () => {
  it('sent: the guide\'s inbox steps, and the resend as the fix', async () => {
    const person = 'noor.sent@cohowinery.example';
    expect((await register(LIVE, person)).status).toBe(200);
    await w.mail.nextMail(person, { after: 0 });
    await waitFor(async () => (await mailLog(person)).map((m) => m.status), ['sent']);
    const report = await troubleshoot('no-registration-email', person, LIVE);
    expect(verdicts(report)).toEqual([
      ['registration', 'ok'],
      ['mail-delivery', 'ok'],
    ]);
    expect(report.findings[1].summary).toMatch(/^The newest email about customer-day-live, "Your login link for .*" \(.*\), was sent .*: the mail server took it\.$/);
    expect(report.outcome.tell).toMatch(/junk, spam and promotions folders.*safe senders.*quarantine/);
    expect(report.outcome.fixes[0].argv).toEqual(['magic-link', 'create', person, '--event', LIVE, '--send']);
    expect(report.outcome.escalate).toBeUndefined();
  });

  it('stuck behind a mail server that defers it: the error, patience, and when to escalate', async () => {
    const person = 'omar.deferred@cohowinery.example';
    w.mail.refuseNext(person, 50);
    expect((await register(LIVE, person)).status).toBe(200);
    await waitFor(async () => (await mailLog(person)).map((m) => [m.status, m.attempts]), [['queued', 1]]);
    const report = await troubleshoot('no-registration-email', person, LIVE);
    expect(report.findings[1]).toMatchObject({ check: 'mail-delivery', verdict: 'warn', summary: expect.stringMatching(/is stuck in the queue \(1 attempt; the mail server said: .*451.*\)\.$/) });
    expect(report.outcome.tell).toContain('Your mail server has not accepted our email yet');
    expect(report.outcome.escalate).toMatch(/after an hour/);

    // It keeps being refused until the platform gives up: the address may be wrong or refused.
    for (let attempts = 2; attempts <= 8; attempts += 1) {
      w.clock.advance(31 * MINUTE);
      await waitFor(async () => (await mailLog(person))[0].attempts, attempts);
    }
    await waitFor(async () => (await mailLog(person)).map((m) => m.status), ['failed']);
    const failed = await troubleshoot('no-registration-email', person, LIVE);
    expect(failed.findings[1]).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/failed for good after 8 attempts: .*451/) });
    expect(failed.outcome.explain).toMatch(/The address may be mistyped, or their mail server refuses mail/);
    expect(failed.outcome.fixes[0].argv).toEqual(['magic-link', 'create', person, '--event', LIVE, '--send']);
  });

  it('not registered because the address was refused: says why, sends nothing', async () => {
    const report = await troubleshoot('no-registration-email', 'lena.private@outlook.com', SUMMIT);
    expect(report.findings.map((f: any) => f.check)).toEqual(['registration']);
    expect(report.outcome.tell).toContain('Your registration did not go through (addresses at public email providers are not accepted)');
  });

  it('only captured by a platform with no SMTP: escalates to the platform admin, no resend', async () => {
    const bare = await startTestPlatform();
    try {
      await bare.platform.ctx.db.deleteFrom('emails').execute();
      const person = 'priya.natarajan@fabrikam.example';
      const t1 = (args: string[]) => runT1(args, { env: bare.env('agent') });
      expect((await t1(['verification', 'resend', person, '--event', SUMMIT, '--yes'])).exitCode).toBe(0);
      const report = parsed<any>(await t1(['troubleshoot', 'no-registration-email', '--email', person, '--event', SUMMIT, '--no-input', '--json']));
      expect(report.findings[1]).toMatchObject({ check: 'mail-delivery', verdict: 'fail', summary: expect.stringContaining('was only captured') });
      expect(report.outcome.fixes).toEqual([]);
      expect(report.outcome.escalate).toMatch(/platform admin/);
    } finally {
      await bare.close();
    }
  });

  it('runs as a wizard: the resend is carried out with the ticket', async () => {
    const person = 'noor.sent@cohowinery.example';
    const result = await wizard(
      ['troubleshoot'],
      [{ search: 'never got the verification email', pick: 'no-registration-email' }, { input: person }, { input: LIVE }, { select: /^Run: Email a new login link/ }, { input: 'SUP-77' }, { confirm: true }, { select: 'stop' }],
    );
    expect(result.stdout).toContain('✓ The newest email about customer-day-live');
    expect(result.stdout).toContain('Tell the caller: We sent the email and your mail server accepted it.');
    expect((await w.mail.nextMail(person, { after: 1 })).subject).toMatch(/^Your login link/);
    await audited(person, 'magic_link.create', "Didn't receive the registration email");
  });
});

describe('troubleshoot oops', () => {
  it('a renew form sent without the address: enter it again; the agent can send the login link', async () => {
    const person = 'ines.oops@cohowinery.example';
    expect((await register(LIVE, person)).status).toBe(200);
    const mail = await w.mail.nextMail(person, { after: 0 });
    w.clock.advance(35 * MINUTE); // login links live 30 minutes on the live event
    const browser = w.browser();
    const dead = await browser.get(mail.link);
    expect(dead.status).toBe(410);
    expect((await browser.submit(dead, { email: '' }, '/links/renew')).status).toBe(200); // the address lost: nothing sent
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(w.mail.received.filter((m) => m.to === person)).toHaveLength(1);

    const report = await troubleshoot('oops', person, null);
    expect(verdicts(report)).toEqual([['recent-requests', 'warn']]);
    expect(report.findings[0].summary).toMatch(/^A login link was refused at .* \(expired\): the caller was asking for a new one\.$/);
    expect(report.outcome.tell).toContain('Please type your email address into the box again, exactly as you registered it, and press Send.');
    expect(report.outcome.fixes[0].argv).toEqual(['magic-link', 'create', person, '--event', LIVE, '--send']);

    const result = await wizard(
      ['troubleshoot'],
      [{ search: 'oops', pick: 'oops' }, { input: person }, { input: '' }, { select: /^Run: Email a new login link/ }, { input: 'SUP-77' }, { confirm: true }, { select: 'stop' }],
    );
    expect(result.stdout).toContain('! A login link was refused');
    expect((await w.mail.nextMail(person, { after: 1 })).subject).toMatch(/^Your login link/);
    await audited(person, 'magic_link.create', '"Oops!" error after pressing Send');
  });

  it('too many requests: says the form is paused, and sends the email instead', async () => {
    const person = 'priya.natarajan@fabrikam.example'; // pending verification, summit
    const browser = w.browser();
    let last = 0;
    for (let i = 0; i < 6; i += 1) last = (await browser.submit(await browser.get(`/e/${SUMMIT}/activate`), { email: person }, `/e/${SUMMIT}/activate`)).status;
    expect(last).toBe(429);
    const report = await troubleshoot('oops', person, SUMMIT);
    expect(report.findings[0]).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/^Requests were refused for too many attempts/) });
    expect(report.outcome.tell).toContain('the form is paused for about an hour');
    expect(report.outcome.fixes[0].argv).toEqual(['verification', 'resend', person, '--event', SUMMIT]);
  });
});
