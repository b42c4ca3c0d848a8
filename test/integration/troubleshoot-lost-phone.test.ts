// The lost-phone topic, whose fixes depend on who runs it: an agent ends with a password
// reset emailed (it replaces 2FA); an admin ends with the identity code emailed, the code
// the caller reads back checked, and 2FA removed on that evidence. And the escalation
// topic, which gathers what the packet needs and points at `t1 escalate`. And the caller
// who changed their phone number while their codes come by text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES, DEMO_ORG_ID } from '../../src/platform/seed/demo.ts';
import type { Prompter } from '../../src/cli/prompter.ts';
import { json, startActionWorld, type ActionWorld } from '../helpers/action-kit.ts';
import { scriptedPrompter, type ScriptedPrompter } from '../helpers/scripted-prompter.ts';
import { enrolPhone, userSubject } from '../helpers/sms-enrol.ts';

let world: ActionWorld;
beforeAll(async () => {
  world = await startActionWorld();
});
afterAll(async () => {
  await world?.close();
});

const TITLE = 'troubleshoot: Lost the phone or authenticator app';

/** A scripted prompter whose "__CODE__" answer is the code of the newest identity email to `email`, read when asked (as the caller reads it out). */
function readingCodeFrom(email: string, script: ScriptedPrompter): Prompter {
  const before = world.sink.mailsTo(email).length;
  return {
    ...script,
    async input(message, hint, options) {
      const answer = await script.input(message, hint, options);
      if (answer !== '__CODE__') return answer;
      const mail = await world.sink.nextMail(email, { after: before });
      expect(mail.subject).toBe('Your verification code');
      return /\b(\d{6})\b/.exec(mail.text)![1]!;
    },
  };
}

async function auditFor(email: string) {
  return json(await world.t1(['--json', 'audit', '--user', email], { role: 'admin' })).items as any[];
}

describe('troubleshoot lost-phone', () => {
  it('offers an agent the password reset, and an admin the identity check and removal', async () => {
    const person = DEMO_EXAMPLES.twoFactorPerson;
    const asAgent = json(await world.t1(['troubleshoot', 'lost-phone', '--email', person, '--no-input', '--json']));
    expect(asAgent.findings.map((f: any) => [f.check, f.verdict])).toEqual([
      ['two-factor', 'ok'],
      ['recovery-codes', 'ok'],
      ['your-role', 'ok'],
    ]);
    expect(asAgent.findings[2].summary).toMatch(/\(agent\): you can start a password reset/);
    expect(asAgent.outcome.tell).toMatch(/recovery codes/);
    expect(asAgent.outcome.fixes.map((f: any) => f.argv)).toEqual([['password', 'reset', person, '--send']]);

    const asAdmin = json(await world.t1(['troubleshoot', 'lost-phone', '--email', person, '--no-input', '--json'], { role: 'admin' }));
    expect(asAdmin.outcome.fixes.map((f: any) => f.argv)).toEqual([
      ['identity', 'send-code', person],
      ['identity', 'check', person, '{ask:code}'],
      ['mfa', 'reset', person, '--identity-check'],
      ['password', 'reset', person, '--send'],
    ]);

    const asViewer = json(await world.t1(['troubleshoot', 'lost-phone', '--email', person, '--no-input', '--json'], { role: 'viewer' }));
    expect(asViewer.outcome.fixes).toEqual([]);
    expect(asViewer.outcome.escalate).toMatch(/agent/);
  });

  it('run by an agent, ends with a password-reset email sent', async () => {
    const person = DEMO_EXAMPLES.twoFactorPerson;
    const before = world.sink.mailsTo(person).length;
    const prompter = scriptedPrompter([{ input: person }, { select: /^Run: Email a password reset/ }, { input: 'SUP-LOST' }, { confirm: true }, { select: 'stop' }]);
    const result = await world.t1(['troubleshoot', 'lost-phone'], { tty: true, prompter });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(prompter.left()).toBe(0);
    expect(result.stdout).toMatch(/✓ \d+ recovery codes? left: one of them signs the caller in/);
    const mail = await world.sink.nextMail(person, { after: before });
    expect(mail.subject).toBe('Reset your password');
    expect((await auditFor(person))[0]).toMatchObject({ action: 'password.reset', ticket: 'SUP-LOST', reason: TITLE, result: 'ok' });
  });

  it('run by an admin, ends with the identity code sent and checked and 2FA removed', async () => {
    const person = DEMO_EXAMPLES.personWithSeveralRegistrations;
    expect(json(await world.t1(['--json', 'mfa', 'status', person])).enrolled).toBe(true);
    const script = scriptedPrompter([
      { input: person },
      { select: /^Run: Email the caller an identity code/ },
      { input: 'SUP-ID' },
      { confirm: true },
      { select: /^Run: Check the code/ },
      { input: '__CODE__' },
      { select: /^Run: Remove 2FA/ },
      { confirm: true },
      { select: 'stop' },
    ]);
    const result = await world.t1(['troubleshoot', 'lost-phone'], { role: 'admin', tty: true, prompter: readingCodeFrom(person, script) });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(script.left()).toBe(0);
    expect(script.asked).toContain('What the caller reads back (code)');
    expect(result.stdout).toContain('The code is right');
    expect(result.stdout).toContain(`Removed 2FA from ${person}.`);
    expect(json(await world.t1(['--json', 'mfa', 'status', person])).enrolled).toBe(false);
    const entries = (await auditFor(person)).slice(0, 3);
    expect(entries.map((e) => [e.action, e.result, e.ticket, e.reason])).toEqual([
      ['mfa.reset', 'ok', 'SUP-ID', TITLE],
      ['identity.check', 'ok', 'SUP-ID', TITLE],
      ['identity.send_code', 'ok', 'SUP-ID', TITLE],
    ]);
    expect(entries[0].detail).toMatchObject({ evidence: 'identity_check' });
    expect(JSON.stringify(entries)).not.toMatch(/\b\d{6}\b/);
  });
});

describe('troubleshoot lost-phone: "I changed my phone number"', () => {
  const person = DEMO_EXAMPLES.personWithOneRegistration;
  let maskedPhone = '';

  beforeAll(async () => {
    const ctx = world.platform.platform.ctx;
    await ctx.db.updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
    await enrolPhone(ctx, await userSubject(ctx, person));
    maskedPhone = json(await world.t1(['--json', 'mfa', 'status', person])).methods.sms.maskedPhone;
  });

  it('found by what the caller says; the old number or a recovery code, then the account page; else identity checks', async () => {
    const search = json(await world.t1(['troubleshoot', 'list', '--json']));
    const topic = search.topics.find((t: any) => t.id === 'lost-phone');
    expect(topic.phrases).toContain('I changed my phone number');

    const report = json(await world.t1(['troubleshoot', 'lost-phone', '--email', person, '--no-input', '--json']));
    const sms = report.findings.find((f: any) => f.check === 'sms-delivery');
    expect(sms.summary).toContain(`Codes go to ${maskedPhone}`);
    expect(report.findings.find((f: any) => f.check === 'two-factor').summary).toContain(`(codes by text to ${maskedPhone})`);
    const slug = json(await world.t1(['--json', 'users', 'show', person])).registrations[0].eventSlug;
    const ending = /(\d+)\D*$/.exec(maskedPhone)![1]!;
    expect(report.outcome.tell).toContain(`the number ending in ${ending}`);
    expect(report.outcome.tell).toContain(`${world.url}/e/${slug}/account`);
    expect(report.outcome.tell).toMatch(/change the phone number there: we text the new number a code/);
    expect(report.outcome.fixes).toEqual([]);
    expect(report.outcome.escalate).toMatch(/identity check/);

    const asAdmin = json(await world.t1(['troubleshoot', 'lost-phone', '--email', person, '--no-input', '--json'], { role: 'admin' }));
    expect(asAdmin.outcome.fixes.map((f: any) => f.argv)).toEqual([
      ['identity', 'send-code', person],
      ['identity', 'check', person, '{ask:code}'],
      ['mfa', 'reset', person, '--identity-check'],
    ]);
  });

  it('an admin ends it: identity code read back, then 2FA with the old number removed', async () => {
    const script = scriptedPrompter([
      { input: person },
      { select: /^Run: Email the caller an identity code/ },
      { input: 'SUP-NUM' },
      { confirm: true },
      { select: /^Run: Check the code/ },
      { input: '__CODE__' },
      { select: /^Run: Remove 2FA/ },
      { confirm: true },
      { select: 'stop' },
    ]);
    const result = await world.t1(['troubleshoot', 'lost-phone'], { role: 'admin', tty: true, prompter: readingCodeFrom(person, script) });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Removed 2FA from ${person}.`);
    expect(json(await world.t1(['--json', 'mfa', 'status', person]))).toMatchObject({ enrolled: false, methods: { app: null, sms: null }, pending: { sms: null } });
  });
});

describe('troubleshoot escalation', () => {
  const person = DEMO_EXAMPLES.lockedPerson;

  it('gathers the packet facts and names the escalate command, without prompts', async () => {
    const report = json(
      await world.t1([
        'troubleshoot', 'escalation', '--email', person, '--event', 'product-summit-2027',
        '--answer', 'ticket=SUP-9', '--answer', 'topic=credentials-incorrect', '--answer', 'scope=group', '--answer', 'reproducible=always',
        '--no-input', '--json',
      ]),
    );
    expect(report.findings.map((f: any) => [f.check, f.verdict])).toEqual([
      ['registration', 'ok'],
      ['topic', 'ok'],
      ['browser', 'warn'],
      // The demo left this person locked after wrong passwords today.
      ['recent-trouble', 'warn'],
    ]);
    expect(report.findings[3].summary).toMatch(/with a request id for tier two/);
    expect(report.outcome.explain).toContain(`t1 escalate ${person} --ticket SUP-9 --topic credentials-incorrect --event product-summit-2027`);
    expect(report.outcome.explain).toMatch(/still missing: the browser/);
    expect(report.outcome.escalate).toMatch(/reproducible, it affects a group/);
    expect(report.outcome.fixes).toEqual([]);
    const missing = await world.t1(['troubleshoot', 'escalation', '--email', person, '--no-input']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('--answer ticket=<id>');
  });

  it('runs as a wizard that asks each question and ends on the escalate command', async () => {
    const prompter = scriptedPrompter([
      { search: 'escalate', pick: 'escalation' },
      { input: person },
      { input: '' },
      { input: 'SUP-10' },
      { input: 'lost-phone' },
      { select: 'sometimes' },
      { select: 'one' },
      { input: '' },
      { select: 'escalate' },
    ]);
    const result = await world.t1(['troubleshoot'], { tty: true, prompter });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(prompter.left()).toBe(0);
    expect(result.stdout).toContain(`t1 escalate ${person} --ticket SUP-10 --topic lost-phone`);
    expect(result.stdout).toContain('Tell the caller: I am passing this to our specialist team under ticket SUP-10');
  });
});
