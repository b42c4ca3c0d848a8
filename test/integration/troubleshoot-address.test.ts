// The address runbooks on refusals the real registration page makes: a public email
// provider (public-domain), an address outside an event's approved domains ("Something
// went wrong" at registration), and a caller who cannot read the mailbox they signed up
// with (no-email-access) and gives another address. Run without prompts and as a wizard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { runT1 } from '../helpers/cli.ts';
import { scriptedPrompter, type ScriptedAnswer } from '../helpers/scripted-prompter.ts';
import { parsed, startActivityWorld, type ActivityWorld } from './activity-support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming; // password sign-in, public domains refused
const LIVE = DEMO_EVENT_SLUGS.live; // login links

let w: ActivityWorld;
beforeAll(async () => {
  w = await startActivityWorld();
});
afterAll(async () => {
  await w?.close();
});

const troubleshoot = async (topic: string, email: string, event: string, extra: string[] = []) =>
  parsed<any>(await w.t1(['troubleshoot', topic, '--email', email, '--event', event, '--no-input', '--json', ...extra]));
const verdicts = (report: any) => report.findings.map((f: { check: string; verdict: string }) => [f.check, f.verdict]);

async function wizard(args: string[], script: ScriptedAnswer[]) {
  const prompter = scriptedPrompter(script);
  const result = await runT1(args, { env: w.platform.env('agent'), tty: true, overrides: { prompter, now: () => w.clock.now() } });
  expect(result.exitCode, result.stderr).toBe(0);
  expect(prompter.left()).toBe(0);
  return result;
}

async function register(slug: string, email: string) {
  const browser = w.browser();
  const values = { first_name: 'Jo', last_name: 'Public', country: 'Sweden', job_title: 'Engineer', company: 'Contoso', email, terms: 'yes', password: 'jo-public-harbour-77', confirmation: 'jo-public-harbour-77' };
  return browser.submit(await browser.get(`/e/${slug}/register`), values, `/e/${slug}/register`);
}

describe('troubleshoot public-domain', () => {
  const person = 'jo.public@gmail.com';

  it('names the refusal from the log and the rule, and checks the work address the caller offers', async () => {
    const page = await register(SUMMIT, person);
    expect(page.status).toBe(422);
    const report = await troubleshoot('public-domain', person, SUMMIT, ['--answer', 'workEmail=jo.public@contoso.example']);
    expect(verdicts(report)).toEqual([
      ['address-refusal', 'fail'],
      ['address-rules', 'fail'],
      ['work-address', 'ok'],
    ]);
    expect(report.findings[0].summary).toMatch(/^The registration form was refused at .* for product-summit-2027: the address is a public email provider the event refuses\.$/);
    expect(report.outcome.explain).toContain('gmail.com is a public email provider');
    expect(report.outcome.explain).toContain(`t1 events check-email ${SUMMIT} <address>`);
    expect(report.outcome.tell).toBe(
      'This event does not accept addresses at public email providers such as gmail.com. Please register with your work (company) email address. The address jo.public@contoso.example would be accepted, so you can use that one.',
    );
    expect(report.outcome.fixes).toEqual([]);
  });

  it('runs as a wizard from what the caller says', async () => {
    const result = await wizard(['troubleshoot'], [{ search: 'my email is not allowed', pick: 'public-domain' }, { input: person }, { input: SUMMIT }, { input: 'jo@outlook.com' }]);
    expect(result.stdout).toContain('✗ The registration form was refused');
    expect(result.stdout).toContain('✗ jo@outlook.com is refused for Northwind Product Summit 2027');
    expect(result.stdout).toContain('would not be accepted either: it is also at a public email provider');
  });
});

describe('troubleshoot registration-something-wrong', () => {
  const person = 'ines.outside@fabrikam.example';
  beforeAll(async () => {
    // The organiser's setting (no flow in the platform changes it).
    await w.platform.platform.ctx.db.updateTable('events').set({ approved_domains: JSON.stringify(['litware.example', 'contoso.example']) }).where('slug', '=', LIVE).execute();
  });
  afterAll(async () => {
    await w.platform.platform.ctx.db.updateTable('events').set({ approved_domains: '[]' }).where('slug', '=', LIVE).execute();
  });

  it('an address outside the approved domains: says which domains are approved', async () => {
    expect((await register(LIVE, person)).status).toBe(422);
    const report = await troubleshoot('registration-something-wrong', person, LIVE, ['--answer', 'otherEmail=ines@litware.example']);
    expect(verdicts(report)).toEqual([
      ['address-refusal', 'fail'],
      ['address-rules', 'fail'],
      ['other-address', 'ok'],
    ]);
    expect(report.outcome.explain).toMatch(/accepts only addresses at litware\.example, contoso\.example; public email providers refused; fabrikam\.example is not approved/);
    expect(report.outcome.tell).toContain('This event is open to email addresses at litware.example, contoso.example only, and fabrikam.example is not one of them.');
    expect(report.outcome.tell).toContain('The address ines@litware.example would be accepted');
    expect(report.outcome.fixes).toEqual([]);

    const result = await wizard(['troubleshoot', 'registration-something-wrong'], [{ input: person }, { input: LIVE }, { input: '' }]);
    expect(result.stdout).toContain("✗ The registration form was refused");
    expect(result.stdout).toContain('Tell the caller: This event is open to email addresses at litware.example, contoso.example only');
  });

  it('an accepted address nothing refused: escalates with the time and the reference', async () => {
    const report = await troubleshoot('registration-something-wrong', 'someone@litware.example', LIVE);
    expect(verdicts(report)).toEqual([
      ['address-refusal', 'ok'],
      ['address-rules', 'ok'],
    ]);
    expect(report.outcome.escalate).toMatch(/reference number/);
  });
});

describe('troubleshoot no-email-access', () => {
  const old = DEMO_EXAMPLES.pendingVerificationPerson; // pending verification for the summit

  it('without the new address: register again; the old registration stays unused', async () => {
    const report = await troubleshoot('no-email-access', old, SUMMIT);
    expect(verdicts(report)).toEqual([['registration', 'ok']]);
    expect(report.outcome.explain).toContain('Tier one cannot move a registration to another address.');
    expect(report.outcome.explain).toMatch(/stays as it is and simply goes unused; the organiser can remove it/);
    expect(report.outcome.tell).toMatch(/register again at http\S+\/e\/product-summit-2027\/register with an email address you can open/);
    expect(report.outcome.fixes).toEqual([]);
  });

  it('a new address the event refuses, and one it accepts', async () => {
    const refused = await troubleshoot('no-email-access', old, SUMMIT, ['--answer', 'newEmail=priya.n@gmail.com']);
    expect(verdicts(refused)).toEqual([
      ['registration', 'ok'],
      ['new-address', 'fail'],
      ['new-address-registration', 'ok'],
    ]);
    expect(refused.outcome.tell).toContain('The address priya.n@gmail.com would not be accepted either');
    const accepted = await troubleshoot('no-email-access', old, SUMMIT, ['--answer', 'newEmail=priya.n@fabrikam-mail.example']);
    expect(accepted.findings[1]).toMatchObject({ check: 'new-address', verdict: 'ok' });
    expect(accepted.outcome.tell).toContain('with priya.n@fabrikam-mail.example; that address is accepted for this event');
    expect(accepted.outcome.fixes).toEqual([]);
  });

  it('a new address already registered: the wizard sends it the registration email', async () => {
    const fresh = DEMO_EXAMPLES.personWithSeveralRegistrations;
    const report = await troubleshoot('no-email-access', old, SUMMIT, ['--answer', `newEmail=${fresh}`]);
    expect(report.findings[2].summary).toMatch(/is already registered/);
    expect(report.outcome.fixes.map((f: any) => f.argv)).toEqual([['verification', 'resend', fresh, '--event', SUMMIT]]);

    const result = await wizard(
      ['troubleshoot', 'no-email-access', '--answer', `newEmail=${fresh}`],
      [{ input: old }, { input: SUMMIT }, { select: /^Run: Send/ }, { input: 'SUP-88' }, { confirm: true }, { select: 'stop' }],
    );
    expect(result.stdout).toContain(`Tell the caller: You are already registered with ${fresh}`);
    await w.mail.nextMail(fresh, { after: 0 });
    const audit = parsed<any>(await w.t1(['audit', '--user', fresh, '--json']));
    expect(audit.items[0]).toMatchObject({ action: 'verification.resend', ticket: 'SUP-88', reason: 'troubleshoot: No access to the email they registered with', result: 'ok' });
  });
});
