// The two-factor topics, on states made through the real flows: an enrollment link left
// to expire and then clicked, a password reset that replaced 2FA, a setup that is still
// waiting or was never started, and a sign-in stopped at the code step. Each runs
// without prompts (--no-input --json), and the ones with a fix once as a wizard that
// carries it out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import { enterCode, json, signIn, startActionWorld, testClock, type ActionWorld } from '../helpers/action-kit.ts';
import { textOf } from '../helpers/browserless.ts';
import { scriptedPrompter } from '../helpers/scripted-prompter.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming;
const clock = testClock();
let world: ActionWorld;
beforeAll(async () => {
  world = await startActionWorld({ clock });
});
afterAll(async () => {
  await world?.close();
});

const run = (topic: string, email: string) => world.t1(['troubleshoot', topic, '--email', email, '--no-input', '--json']);
const verdicts = (report: any) => Object.fromEntries(report.findings.map((f: { check: string; verdict: string }) => [f.check, f.verdict]));

/** Emails a new enrollment link as an agent and returns it. */
async function enrollmentLink(email: string): Promise<string> {
  const before = world.sink.mailsTo(email).length;
  expect((await world.t1(['mfa', 'qr', email, '--send', '--yes'])).exitCode).toBe(0);
  return (await world.sink.nextMail(email, { after: before })).link;
}

async function auditFor(email: string) {
  return json(await world.t1(['--json', 'audit', '--user', email], { role: 'admin' })).items as any[];
}

/** Runs a topic as a wizard: the email asked, then the fix chosen, a ticket and the confirmation. */
async function wizardFix(topic: string, email: string, fix: RegExp) {
  const before = world.sink.mailsTo(email).length;
  const prompter = scriptedPrompter([{ input: email }, { select: fix }, { input: 'SUP-2FA' }, { confirm: true }, { select: 'stop' }]);
  const result = await world.t1(['troubleshoot', topic], { tty: true, prompter });
  expect(result.exitCode, result.stderr).toBe(0);
  expect(prompter.left()).toBe(0);
  return { result, mail: await world.sink.nextMail(email, { after: before }) };
}

describe('troubleshoot reset-asks-new-qr', () => {
  const person = DEMO_EXAMPLES.twoFactorPerson;

  it('finds the reset that replaced 2FA and says it is expected', async () => {
    const before = world.sink.mailsTo(person).length;
    expect((await world.t1(['password', 'reset', person, '--send', '--yes'])).exitCode).toBe(0);
    const mail = await world.sink.nextMail(person, { after: before });
    const browser = world.browser();
    const password = 'hiroshi-new-kyoto-garden-9';
    const done = await browser.submit(await browser.get(mail.link), { password, confirmation: password });
    expect(done.location).toMatch(/\/mfa\/enroll\//);

    const report = json(await run('reset-asks-new-qr', person));
    expect(verdicts(report)).toEqual({ 'two-factor': 'warn', 'reset-replaced-2fa': 'ok' });
    expect(report.findings[1].summary).toMatch(/password reset of .* replaced 2FA/);
    expect(report.outcome.explain).toMatch(/Expected/);
    expect(report.outcome.tell).toMatch(/delete the old entry/);
    expect(report.outcome.fixes).toEqual([]);
  });

  it('offers a new setup link once the page from the reset has expired', async () => {
    clock.advance(25 * 60 * 60_000);
    const report = json(await run('reset-asks-new-qr', person));
    expect(report.outcome.fixes.map((f: { argv: string[] }) => f.argv)).toEqual([['mfa', 'qr', person, '--send']]);
  });
});

describe('troubleshoot qr-expired', () => {
  const person = DEMO_EXAMPLES.personWithOneRegistration;

  it('sees the expired link and its refused click, and offers a new one', async () => {
    const link = await enrollmentLink(person);
    clock.advance(25 * 60 * 60_000);
    const page = await world.browser().get(link);
    expect(textOf(page.body)).toMatch(/expired/i);

    const report = json(await run('qr-expired', person));
    expect(verdicts(report)).toMatchObject({ 'enrollment-link': 'fail', 'enrollment-refusals': 'fail' });
    expect(report.findings.find((f: any) => f.check === 'enrollment-refusals').summary).toMatch(/it had expired/);
    expect(report.outcome.tell).toMatch(/24 hours/);
    expect(report.outcome.tell).toMatch(/Forgot password/);
    expect(report.outcome.fixes[0].argv).toEqual(['mfa', 'qr', person, '--send']);
  });

  it('runs as a wizard whose fix emails a working setup link', async () => {
    const { result, mail } = await wizardFix('qr-expired', person, /^Run: Email a new 2FA setup link/);
    expect(result.stdout).toContain('✗ 2FA enrollment link');
    expect(result.stdout).toContain('Tell the caller:');
    expect(mail.subject).toBe('Set up two-factor authentication');
    expect((await world.browser().get(mail.link)).status).toBe(200);
    expect((await auditFor(person))[0]).toMatchObject({ action: 'mfa.enrollment', ticket: 'SUP-2FA', reason: 'troubleshoot: The QR code or 2FA setup link has expired', result: 'ok' });
    const after = json(await run('qr-expired', person));
    expect(after.findings[0].summary).toMatch(/enrollment link works until/);
  });
});

describe('troubleshoot cannot-scan-qr', () => {
  it('points at the setup key of a waiting setup, which the page really shows', async () => {
    const person = 'tomas.silva@contoso.example';
    const link = await enrollmentLink(person);
    expect(textOf((await world.browser().get(link)).body)).toContain("Can't scan it? Type this setup key instead");
    const report = json(await run('cannot-scan-qr', person));
    expect(verdicts(report)).toEqual({ 'two-factor': 'warn', 'enrollment-link': 'ok' });
    expect(report.outcome.tell).toContain('"Can\'t scan it?"');
    expect(report.outcome.fixes).toEqual([]);
  });

  it('offers a new setup when none waits, and the wizard sends it', async () => {
    const person = 'grace.kim@contoso.example';
    const report = json(await run('cannot-scan-qr', person));
    expect(report.outcome.explain).toMatch(/No setup link is waiting/);
    expect(report.outcome.fixes[0].argv).toEqual(['mfa', 'qr', person, '--send']);
    const { mail } = await wizardFix('cannot-scan-qr', person, /^Run: Email a new 2FA setup link/);
    expect(mail.subject).toBe('Set up two-factor authentication');
    expect((await auditFor(person))[0]).toMatchObject({ action: 'mfa.enrollment', reason: "troubleshoot: Can't scan the QR code" });
  });
});

describe('troubleshoot switch-account-asks-code', () => {
  it('explains the code asked by a 2FA account reached from several event sites', async () => {
    const person = DEMO_EXAMPLES.personWithSeveralRegistrations;
    const browser = world.browser();
    expect((await signIn(browser, SUMMIT, person, DEMO_PASSWORD)).location).toMatch(/\/login\/code$/);
    expect((await enterCode(browser, SUMMIT, '000000')).status).not.toBe(303);

    const report = json(await run('switch-account-asks-code', person));
    expect(verdicts(report)).toEqual({ 'two-factor': 'ok', accounts: 'ok', 'code-step': 'warn' });
    expect(report.findings[1].summary).toMatch(/reaches 3 event sites/);
    expect(report.findings[2].summary).toMatch(/wrong two-factor code/);
    expect(report.outcome.tell).toMatch(/Sign out .* sign in again/);
    expect(report.outcome.tell).toMatch(/entry for this account/);

    const prompter = scriptedPrompter([{ input: person }]);
    const shown = await world.t1(['troubleshoot', 'switch-account-asks-code'], { tty: true, prompter });
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('! 1 refused code');
    expect(shown.stdout).toContain('Tell the caller: Each site signs you in on its own');
  });

  it('says the code comes from another account when this one has no 2FA', async () => {
    const report = json(await run('switch-account-asks-code', 'mei.chen@contoso.example'));
    expect(report.outcome.explain).toMatch(/another account/);
  });
});
