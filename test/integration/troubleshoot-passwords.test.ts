// The password runbooks: "I can't set my password", "Your link has expired" on the
// set-password link of a webhook registration, and "Couldn't set password" after one.
// The state each diagnoses is made through the real flows: signed webhooks, the
// set-password and registration pages in a browser, agent actions, and the clock moved
// past a link's lifetime. Each runs without prompts (--no-input --json) and once as a
// wizard whose fix is carried out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { signWebhook } from '../../src/platform/services/webhooks.ts';
import { headingOf } from '../helpers/browserless.ts';
import { runT1 } from '../helpers/cli.ts';
import { scriptedPrompter, type ScriptedPrompter } from '../helpers/scripted-prompter.ts';
import { parsed, startActivityWorld, type ActivityWorld } from './activity-support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming; // password sign-in, 10..128 characters, set-password links live 3 days
const HOUR = 3_600_000;

let w: ActivityWorld;
let secret: string;
beforeAll(async () => {
  w = await startActivityWorld();
  const rotated = await w.t1(['events', 'webhook-secret', SUMMIT, '--yes'], { role: 'admin' });
  expect(rotated.exitCode, rotated.stderr).toBe(0);
  secret = rotated.stdout.trim();
});
afterAll(async () => {
  await w?.close();
});

/** t1 as an agent on the world's clock, with a scripted prompter when given one. */
const t1 = (args: string[], prompter?: ScriptedPrompter) =>
  runT1(args, { env: w.platform.env('agent'), tty: Boolean(prompter), overrides: { now: () => w.clock.now(), ...(prompter ? { prompter } : {}) } });

const troubleshoot = async (topic: string, email: string) => parsed<any>(await t1(['troubleshoot', topic, '--email', email, '--event', SUMMIT, '--no-input', '--json']));
const verdicts = (report: any) => report.findings.map((f: { check: string; verdict: string }) => [f.check, f.verdict]);
const summary = (report: any, check: string): string => report.findings.find((f: { check: string }) => f.check === check)?.summary ?? '';
const argvs = (report: any) => report.outcome.fixes.map((f: { argv: string[] }) => f.argv);

/** Posts a signed registration webhook the way an integration would. */
async function webhook(id: string, email: string) {
  const body = JSON.stringify({ type: 'registration.created', data: { event: SUMMIT, email, firstName: 'Lena', lastName: 'Hook', company: 'Fabrikam' } });
  const timestamp = Math.floor(w.clock.now().getTime() / 1000);
  const response = await fetch(`${w.url}/v1/webhooks/registrations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, id, timestamp, body) },
    body,
  });
  return response.status;
}

async function auditOf(email: string) {
  return parsed<{ items: { action: string; reason: string; ticket: string; result: string }[] }>(await t1(['audit', '--user', email, '--json'])).items;
}

describe('troubleshoot cannot-set-password', () => {
  const person = DEMO_EXAMPLES.passwordNotSetPerson; // Benjamin: webhook registration, no password yet

  it('names the rule that refused the password, from the set-password page, and keeps the live link', async () => {
    expect((await t1(['set-password-link', 'send', person, '--event', SUMMIT, '--yes'])).exitCode).toBe(0);
    const mail = await w.mail.nextMail(person, { after: 0 });
    const browser = w.browser();
    expect((await browser.submit(await browser.get(mail.link), { password: 'short-pw', confirmation: 'short-pw' })).status).toBe(422);

    const report = await troubleshoot('cannot-set-password', person);
    expect(verdicts(report)).toEqual([
      ['registration', 'ok'],
      ['password-rules', 'ok'],
      ['password-refusals', 'fail'],
      ['set-password-link', 'ok'],
    ]);
    expect(summary(report, 'password-rules')).toContain('10 to 128 characters');
    expect(summary(report, 'password-refusals')).toMatch(/refused at .* on the set-password page: too short \(the password must have at least 10 characters\)/);
    expect(report.outcome.tell).toContain('not accepted because the password must have at least 10 characters');
    expect(report.outcome.tell).toContain('the link still works');
    expect(report.outcome.fixes).toEqual([]);

    expect((await browser.submit(await browser.get(mail.link), { password: 'password1234', confirmation: 'password1234' })).status).toBe(422);
    const common = await troubleshoot('cannot-set-password', person);
    expect(summary(common, 'password-refusals')).toMatch(/too common .*; 2 refusals in a row\.$/);
    expect(common.outcome.tell).toContain('commonly used passwords');
  });

  it('once the link expired, offers a new set-password link; the wizard sends it with the ticket', async () => {
    w.clock.advance(73 * HOUR); // set-password links live three days on the summit
    const report = await troubleshoot('cannot-set-password', person);
    expect(verdicts(report).at(-1)).toEqual(['set-password-link', 'fail']);
    expect(summary(report, 'set-password-link')).toMatch(/^Set-password link issued .*, expired /);
    expect(argvs(report)).toEqual([['set-password-link', 'send', person, '--event', SUMMIT]]);
    expect(report.outcome.tell).toContain('sending you a new one');

    const before = w.mail.received.filter((m) => m.to === person).length;
    const prompter = scriptedPrompter([
      { search: "can't set my password", pick: 'cannot-set-password' },
      { input: person },
      { input: SUMMIT },
      { select: /^Run: Email a new set-password link/ },
      { input: 'SUP-7001' },
      { confirm: true },
      { select: 'stop' },
    ]);
    const result = await t1(['troubleshoot'], prompter);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('✗ The password was refused at');
    expect(result.stdout).toContain('✗ Set-password link issued');
    expect(result.stdout).toContain('Tell the caller: The password was not accepted because');
    expect(prompter.left()).toBe(0);
    const fresh = await w.mail.nextMail(person, { after: before });
    expect(fresh.subject).toMatch(/password/i);
    expect((await auditOf(person))[0]).toMatchObject({ action: 'set_password_link.send', ticket: 'SUP-7001', reason: 'troubleshoot: Unable to set a password', result: 'ok' });

    // With the new link the person sets a good password: the topic now says it is set.
    const browser = w.browser();
    const done = await browser.submit(await browser.get(fresh.link), { password: 'harbour-lights-1971', confirmation: 'harbour-lights-1971' });
    expect(headingOf(done.body)).toBe('Your password has been set');
    const after = await troubleshoot('cannot-set-password', person);
    expect(summary(after, 'password-refusals')).toMatch(/^A password was set at .* \(after 2 refused attempts\)\.$/);
    expect(summary(after, 'set-password-link')).toMatch(/used .* from Chrome 156 on Windows\.$/);
    expect(after.outcome.tell).toContain('Your password is already set');
    expect(argvs(after)).toEqual([['password', 'reset', person, '--send', '--event', SUMMIT]]);
  });

  it('a password the registration form refused: the rule, and "fill in the form again"', async () => {
    const email = 'kai.newcomer@fabrikam.example';
    const browser = w.browser();
    const form = { first_name: 'Kai', last_name: 'Newcomer', country: 'Sweden', job_title: 'Engineer', company: 'Fabrikam', email, password: 'kai-pass-1', confirmation: 'kai-pass-2', terms: 'yes' };
    expect((await browser.submit(await browser.get(`/e/${SUMMIT}/register`), form, `/e/${SUMMIT}/register`)).status).toBe(422);
    const report = await troubleshoot('cannot-set-password', email);
    expect(verdicts(report)).toEqual([
      ['registration', 'fail'],
      ['password-rules', 'ok'],
      ['password-refusals', 'fail'],
    ]);
    expect(summary(report, 'password-refusals')).toContain('on the registration form: the two passwords did not match');
    expect(report.outcome.tell).toContain('the two password boxes must contain exactly the same password');
    expect(report.outcome.tell).toContain('fill in the registration form again');
    expect(report.outcome.fixes).toEqual([]);
  });
});

describe('troubleshoot webhook-link-expired', () => {
  const person = 'lena.hook@fabrikam.example';

  it('finds the webhook registration and the expired link; the wizard sends a new one', async () => {
    expect(await webhook('msg_ts_expired_1', person)).toBe(201);
    const mail = await w.mail.nextMail(person, { after: 0 });
    w.clock.advance(73 * HOUR);
    const dead = await w.browser().get(mail.link);
    expect(dead.status).toBe(410);
    expect(headingOf(dead.body)).toBe('This link has expired');

    const report = await troubleshoot('webhook-link-expired', person);
    expect(verdicts(report)).toEqual([
      ['registration', 'ok'],
      ['webhook-registration', 'ok'],
      ['set-password-refusals', 'fail'],
      ['set-password-link', 'fail'],
    ]);
    expect(summary(report, 'webhook-registration')).toMatch(/^Registered by the integration's webhook at /);
    expect(summary(report, 'set-password-refusals')).toMatch(/^Set-password link refused at .* from Chrome 156 on Windows: it had expired\.$/);
    expect(report.outcome.explain).toContain('last 3 days');
    expect(report.outcome.tell).toContain('press "Send me a new link"');
    expect(report.outcome.tell).toContain('A "Registration complete" email follows');
    expect(argvs(report)).toEqual([['set-password-link', 'send', person, '--event', SUMMIT]]);

    const prompter = scriptedPrompter([
      { search: 'your link has expired', pick: 'webhook-link-expired' },
      { input: person },
      { input: SUMMIT },
      { select: /^Run: Email a new set-password link/ },
      { input: 'SUP-7002' },
      { confirm: true },
      { select: 'stop' },
    ]);
    const result = await t1(['troubleshoot'], prompter);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain("✓ Registered by the integration's webhook");
    expect(result.stdout).toContain('Tell the caller: Links stop working after a while');
    expect(prompter.left()).toBe(0);
    expect((await w.mail.nextMail(person, { after: 1 })).subject).toMatch(/password/i);
    expect((await auditOf(person))[0]).toMatchObject({ action: 'set_password_link.send', ticket: 'SUP-7002', reason: 'troubleshoot: "Your link has expired" on the set-password link (webhook registration)' });
    const after = await troubleshoot('webhook-link-expired', person);
    expect(summary(after, 'set-password-link')).toMatch(/still valid until/);
  });
});

describe('troubleshoot webhook-couldnt-set-password', () => {
  it('an address the webhook never registered: the refusal from the log, the integration to check', async () => {
    const email = 'lena.public@gmail.com';
    expect(await webhook('msg_ts_public_1', email)).toBe(422);
    const report = await troubleshoot('webhook-couldnt-set-password', email);
    expect(verdicts(report)).toEqual([
      ['registration', 'fail'],
      ['webhook-registration', 'fail'],
      ['password-refusals', 'ok'],
    ]);
    expect(summary(report, 'webhook-registration')).toMatch(/webhook for lena\.public@gmail\.com was refused at .*: the address is not accepted for the event\./);
    expect(report.outcome.escalate).toContain('investigate their integration');
    expect(report.outcome.fixes).toEqual([]);
  });

  it('a refused password while the link works, then a click on a replaced link', async () => {
    const person = 'omar.hookworth@fabrikam.example';
    expect(await webhook('msg_ts_couldnt_1', person)).toBe(201);
    const mail = await w.mail.nextMail(person, { after: 0 });
    const browser = w.browser();
    expect((await browser.submit(await browser.get(mail.link), { password: 'omar.hookworth', confirmation: 'omar.hookworth' })).status).toBe(422);

    const rule = await troubleshoot('webhook-couldnt-set-password', person);
    expect(verdicts(rule)).toEqual([
      ['registration', 'ok'],
      ['webhook-registration', 'ok'],
      ['password-refusals', 'fail'],
      ['set-password-link', 'ok'],
    ]);
    expect(rule.outcome.explain).toMatch(/^The account is registered by webhook\. The page refused the password at .* because the password may not be the email address/);
    expect(rule.outcome.fixes).toEqual([]);

    // An agent sent a newer link meanwhile; the person clicks the old email.
    expect((await t1(['set-password-link', 'send', person, '--event', SUMMIT, '--yes'])).exitCode).toBe(0);
    await w.mail.nextMail(person, { after: 1 });
    expect((await browser.get(mail.link)).status).toBe(410);
    const replaced = await troubleshoot('webhook-couldnt-set-password', person);
    expect(summary(replaced, 'set-password-refusals')).toContain('a newer link had replaced it');
    expect(replaced.outcome.explain).toContain('the newest email is the one to use');
    expect(replaced.outcome.tell).toContain('only the newest one works');
    expect(argvs(replaced)).toEqual([['set-password-link', 'send', person, '--event', SUMMIT]]);

    const prompter = scriptedPrompter([
      { search: "couldn't set password", pick: 'webhook-couldnt-set-password' },
      { input: person },
      { input: SUMMIT },
      { select: /^Run: Email a new set-password link/ },
      { input: 'SUP-7003' },
      { confirm: true },
      { select: 'stop' },
    ]);
    const result = await t1(['troubleshoot'], prompter);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('✗ Set-password link refused at');
    expect(prompter.left()).toBe(0);
    await w.mail.nextMail(person, { after: 2 });
    expect((await auditOf(person))[0]).toMatchObject({ action: 'set_password_link.send', ticket: 'SUP-7003', reason: 'troubleshoot: "Couldn\'t set password" after a webhook registration' });
  });
});
