// The two-factor topics, on states made through the real flows: an enrollment link left
// to expire and then clicked, a password reset that replaced 2FA, a setup that is still
// waiting or was never started, and a sign-in stopped at the code step. Each runs
// without prompts (--no-input --json), and the ones with a fix once as a wizard that
// carries it out. And a code texted through an SMS gateway of the test's own, which
// takes the text or refuses it, for the caller whose code never arrived.
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { DEMO_ORG_ID, seedDemo } from '../../src/platform/seed/demo.ts';
import { sendSignInCode, type SmsSubject } from '../../src/platform/services/sms-mfa.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import { runT1 } from '../helpers/cli.ts';
import { tempDir } from '../helpers/platform.ts';
import { enrolPhone, userSubject } from '../helpers/sms-enrol.ts';
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

  it('a texted code the platform only captured (no SMS provider): nothing will arrive, escalate', async () => {
    const person = DEMO_EXAMPLES.passwordNotSetPerson;
    const ctx = world.platform.platform.ctx;
    await ctx.db.updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
    const subject = await userSubject(ctx, person);
    await enrolPhone(ctx, subject);
    await ctx.db.transaction().execute((trx) => sendSignInCode(trx, ctx, subject));

    const report = json(await run('switch-account-asks-code', person));
    const sms = report.findings.find((f: any) => f.check === 'sms-delivery');
    expect(sms.verdict).toBe('fail');
    expect(sms.summary).toMatch(/The newest sign-in code .* was only captured: the platform has no SMS provider, so no text left it\./);
    expect(sms.evidence).toHaveLength(2);
    expect(sms.evidence[1]).toMatch(/ enroll \+44 .* captured$/);
    expect(report.outcome.tell).toMatch(/will not reach you, however long you wait/);
    expect(report.outcome.escalate).toMatch(/captures text messages instead of sending them/);
    // The phrases find the topic for what the caller says.
    const topics = json(await world.t1(['troubleshoot', 'list', '--json'])).topics;
    expect(topics.find((t: any) => t.id === 'switch-account-asks-code').phrases).toContain('no SMS code arrived');
    expect(topics).toHaveLength(29);
  });
});

describe('troubleshoot switch-account-asks-code: no SMS code arrived', () => {
  // A platform with an SMS gateway of the test's own: it takes texts (200) or refuses them (503).
  const smsClock = testClock();
  const received: { to: string; body: string }[] = [];
  let gatewayStatus = 200;
  let gateway: Server;
  let platform: Platform;
  let home: string;
  const tokens: Record<string, string> = {};
  let url: string;
  const person = DEMO_EXAMPLES.personWithOneRegistration;
  let subject: SmsSubject;

  beforeAll(async () => {
    gateway = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        if (gatewayStatus === 200) received.push(JSON.parse(text) as { to: string; body: string });
        response.writeHead(gatewayStatus).end();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const dir = tempDir();
    home = join(dir, 'home');
    platform = await openPlatform({
      database: join(dir, 'p.db'),
      publicUrl: 'http://127.0.0.1:4747',
      env: { T1_SMS_GATEWAY_SECRET: 'gateway-secret-for-tests-0123456789' },
      smsGatewayUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`,
      smsPollMs: 60_000,
      clock: smsClock,
    });
    await seedDemo(platform.ctx.db, platform.ctx);
    for (const role of ['agent', 'admin'] as const) {
      tokens[role] = (await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role, name: `sms ${role}`, createdBy: 'test' })).token;
    }
    url = await platform.listen('127.0.0.1', 0);
    await platform.ctx.db.updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
    // The phone shows the setup code the gateway passed on.
    subject = await userSubject(platform.ctx, person);
    await enrolPhone(platform.ctx, subject, { readCode: () => textedCode(received.length) });
  });
  afterAll(async () => {
    await platform?.close();
    await new Promise((resolve) => gateway?.close(resolve));
  });

  /** The code of the text after the first `seen`, once the gateway has it. */
  async function textedCode(seen: number): Promise<string> {
    for (const deadline = Date.now() + 5_000; received.length <= seen; ) {
      if (Date.now() > deadline) throw new Error('the gateway received no text');
      await sleep(20);
    }
    return /\b(\d{6})\b/.exec(received.at(-1)!.body)![1]!;
  }

  // t1 reads the same clock as the platform.
  const topic = async (role: 'agent' | 'admin') =>
    json(
      await runT1(['troubleshoot', 'switch-account-asks-code', '--email', person, '--no-input', '--json'], {
        env: { T1_API_URL: url, T1_TOKEN: tokens[role]!, T1_HOME: home },
        overrides: { now: () => smsClock.now() },
      }),
    );

  /** The person presses "Sign in": a code is texted to their number. */
  const signInCode = () => platform.ctx.db.transaction().execute((trx) => sendSignInCode(trx, platform.ctx, subject));

  it('a code that went out: the SMS log says so; then the number, signal, short codes, filters, the 5 minutes', async () => {
    const before = received.length;
    await signInCode();
    await textedCode(before);
    await expect.poll(async () => (await platform.ctx.db.selectFrom('sms_messages').select('status').where('user_id', '=', subject.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow()).status).toBe('sent');

    const report = await topic('agent');
    const sms = report.findings.find((f: any) => f.check === 'sms-delivery');
    expect(sms.verdict).toBe('ok');
    expect(sms.summary).toMatch(/^Codes go to \+44 .*\d{3} \(confirmed .*\)\. The newest sign-in code .* was handed to the phone network at .*; it works for 5 minutes\.$/);
    expect(sms.evidence[0]).toMatch(/ sign_in \+44 .* sent$/);
    const ending = /(\d+)\D*$/.exec(sms.summary.match(/Codes go to (\+44 [^(]+) \(/)[1])![1]!;
    expect(report.outcome.tell).toContain(`the number ending in ${ending}`);
    expect(report.outcome.tell).toMatch(/signal/);
    expect(report.outcome.tell).toMatch(/short numbers/);
    expect(report.outcome.tell).toMatch(/SMS blocking/);
    expect(report.outcome.tell).toMatch(/5 minutes and only the newest one counts/);
    expect(report.outcome.tell).toContain('"Text me a new code"');
    expect(report.outcome.explain).toContain('t1 troubleshoot lost-phone');
    // No code ever reaches the agent.
    expect(JSON.stringify(report)).not.toMatch(/\b\d{6}\b(?!.*UTC)/);
    expect(report.outcome.fixes).toEqual([]);
    expect(report.outcome.escalate).toMatch(/admin can remove 2FA after an identity check/);

    // An admin is offered the reset after the identity check.
    expect((await topic('admin')).outcome.fixes.map((f: any) => f.argv)).toEqual([
      ['identity', 'send-code', person],
      ['identity', 'check', person, '{ask:code}'],
      ['mfa', 'reset', person, '--identity-check'],
    ]);

    // Six minutes on, the code is over: only a new one works.
    smsClock.advance(6 * 60_000);
    const later = (await topic('agent')).findings.find((f: any) => f.check === 'sms-delivery');
    expect(later.verdict).toBe('warn');
    expect(later.summary).toMatch(/its 5 minutes are over, so only a new code works now/);
  });

  it('a gateway that refuses: retried, then failed with the error, and the caller is asked to check the number', async () => {
    gatewayStatus = 503;
    await signInCode();
    await expect.poll(async () => (await platform.ctx.db.selectFrom('sms_messages').select('attempts').where('user_id', '=', subject.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow()).attempts).toBeGreaterThan(0);
    const retrying = (await topic('agent')).findings.find((f: any) => f.check === 'sms-delivery');
    expect(retrying.verdict).toBe('warn');
    expect(retrying.summary).toMatch(/is still waiting to be sent \(retried: The SMS gateway answered HTTP 503\.\)/);

    for (let pass = 0; pass < 6; pass++) {
      smsClock.advance(20_000);
      await platform.smsDelivery!.deliverDue();
    }
    const report = await topic('agent');
    const failed = report.findings.find((f: any) => f.check === 'sms-delivery');
    expect(failed.verdict).toBe('fail');
    expect(failed.summary).toMatch(/could not be delivered: .*HTTP 503/);
    expect(report.outcome.explain).toMatch(/The last text failed \(.*HTTP 503/);
    expect(report.outcome.tell).toMatch(/is that still your number\?/);
    gatewayStatus = 200;
  });
});
