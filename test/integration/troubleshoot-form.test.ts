// The form topics: explaining an event's own form (form-help), "Mandatory field not filled
// out" and "Please check this box", on refusals made through the real registration page
// and read back from the activity log. Run without prompts and as a wizard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { json, startActionWorld, type ActionWorld } from '../helpers/action-kit.ts';
import { scriptedPrompter } from '../helpers/scripted-prompter.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming; // password sign-in, verification, public domains refused
const LIVE = DEMO_EVENT_SLUGS.live; // login links
const ENDED = DEMO_EVENT_SLUGS.ended; // closed; approved domains only

let world: ActionWorld;
beforeAll(async () => {
  world = await startActionWorld();
});
afterAll(async () => {
  await world?.close();
});

type Report = { findings: { check: string; verdict: string; summary: string; evidence: string[] }[]; outcome: { explain: string; tell: string; fixes: unknown[]; escalate?: string } };

const troubleshoot = async (args: string[]): Promise<Report> => json(await world.t1(['troubleshoot', ...args, '--no-input', '--json']));

/** Posts an event's registration form as a person's browser would, with these values over a complete form. */
async function register(slug: string, values: Record<string, string>) {
  const browser = world.browser();
  const page = await browser.get(`/e/${slug}/register`);
  expect(page.status).toBe(200);
  const complete = { first_name: 'Ruth', last_name: 'Adeyemi', country: 'Ghana', job_title: '', company: 'Litware', password: 'lantern-orchard-2231', confirmation: 'lantern-orchard-2231', terms: 'yes' };
  return browser.submit(page, { ...complete, ...values }, `/e/${slug}/register`);
}

describe('troubleshoot form-help', () => {
  it("explains a password event's fields, the password rules, the address rule and the terms box", async () => {
    const report = await troubleshoot(['form-help', '--event', SUMMIT]);
    expect(report.findings[0]).toMatchObject({
      check: 'event-form',
      verdict: 'ok',
      summary: 'Northwind Product Summit 2027: required First name, Last name, Country and Company; optional Job title; sign-in with email and password (10 to 128 characters).',
    });
    const { explain, tell } = report.outcome;
    expect(explain).toContain('Job title (optional)');
    expect(explain).toContain('Country (required): the country you live or work in');
    expect(explain).toContain('Password (10 to 128 characters, not a common password, not the email address)');
    expect(tell).toContain('type your first name, your last name, your country and your company; you may leave Job title empty');
    expect(tell).toContain('it must be a work address');
    expect(tell).toContain('it must be between 10 and 128 characters long, not a commonly used password');
    expect(tell).toContain('tick the box to say you agree to the terms and conditions and the privacy policy');
    expect(tell).toContain('open it and press its button to confirm your address');
    expect(report.outcome.fixes).toEqual([]);
  });

  it('tells a login-link event needs no password, and a closed event has no form', async () => {
    const live = await troubleshoot(['form-help', '--event', LIVE]);
    expect(live.outcome.tell).toContain('You do not need a password: we will email you a link to sign in.');
    expect(live.outcome.tell).not.toContain('Country');

    const ended = await troubleshoot(['form-help', '--event', ENDED]);
    expect(ended.findings[0]!.verdict).toBe('warn');
    expect(ended.findings[0]!.evidence).toContain('approved domains: northwind.example, contoso.example');
    expect(ended.outcome.tell).toMatch(/is closed at the moment, so there is no form to fill in/);
  });
});

describe('troubleshoot mandatory-field', () => {
  it('names the fields the refused submission left empty, by their labels', async () => {
    const person = 'ruth.adeyemi@litware.example';
    expect((await register(SUMMIT, { email: person, country: '', company: '' })).status).toBe(422);
    const report = await troubleshoot(['mandatory-field', '--email', person, '--event', SUMMIT]);
    expect(report.findings[0]).toMatchObject({ check: 'missing-fields', verdict: 'fail' });
    expect(report.findings[0]!.summary).toMatch(/^Refused \d{4}-\d\d-\d\d \d\d:\d\d UTC: Country and Company left empty\.$/);
    expect(report.outcome.tell).toMatch(/^The form could not be sent because Country and Company were empty\. Please fill in every field marked with a star \(\*\): First name, Last name, Country, Company, Email, Password and Repeat password\./);
    expect(report.outcome.tell).toContain('type the password again in both');
  });

  it('says so when the log has no such refusal, and when a later submission went through', async () => {
    const none = await troubleshoot(['mandatory-field', '--email', 'no.tries@litware.example', '--event', LIVE]);
    expect(none.findings[0]!.verdict).toBe('warn');
    expect(none.outcome.tell).toMatch(/^Please fill in every field marked with a star \(\*\): First name, Last name, Company and Email\./);

    const person = 'kwame.asante@litware.example';
    expect((await register(LIVE, { email: person, last_name: '' })).status).toBe(422);
    expect((await troubleshoot(['mandatory-field', '--email', person, '--event', LIVE])).findings[0]!.summary).toContain('Last name left empty');
    expect((await register(LIVE, { email: person })).status).toBe(200);
    const after = await troubleshoot(['mandatory-field', '--email', person, '--event', LIVE]);
    expect(after.findings[0]!.verdict).toBe('ok');
    expect(after.outcome.tell).toMatch(/^Your registration went through\./);
  });

  it('runs as a wizard from what the caller says', async () => {
    const person = 'ruth.adeyemi@litware.example';
    const prompter = scriptedPrompter([{ search: 'mandatory field not filled out', pick: 'mandatory-field' }, { input: person }, { input: SUMMIT }]);
    const result = await world.t1(['troubleshoot'], { tty: true, prompter });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(prompter.left()).toBe(0);
    expect(result.stdout).toMatch(/✗ Refused .* Country and Company left empty\./);
    expect(result.stdout).toContain('Tell the caller: The form could not be sent because Country and Company were empty.');
  });
});

describe('troubleshoot check-this-box', () => {
  it('finds the unticked terms box in the log and tells them to tick it', async () => {
    const person = 'abena.owusu@litware.example';
    expect((await register(LIVE, { email: person, terms: '' })).status).toBe(422);
    const report = await troubleshoot(['check-this-box', '--email', person, '--event', LIVE]);
    expect(report.findings[0]).toMatchObject({ check: 'terms-box', verdict: 'fail' });
    expect(report.findings[0]!.summary).toMatch(/the terms and privacy box was not ticked\.$/);
    expect(report.outcome.tell).toContain('Please click it so a tick appears, then press Register again.');
    expect(report.outcome.tell).not.toContain('password');

    // On a password event, with an empty field too: both are named, and the password must be typed again.
    const other = 'yaw.boateng@litware.example';
    expect((await register(SUMMIT, { email: other, terms: '', company: '' })).status).toBe(422);
    const both = await troubleshoot(['check-this-box', '--email', other, '--event', SUMMIT]);
    expect(both.findings[0]!.summary).toContain('(also: a required field was left empty)');
    expect(both.outcome.tell).toContain('type your password again in both password fields');
  });

  it('runs as a wizard', async () => {
    const prompter = scriptedPrompter([{ search: 'check this box', pick: 'check-this-box' }, { input: 'abena.owusu@litware.example' }, { input: LIVE }]);
    const result = await world.t1(['troubleshoot'], { tty: true, prompter });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/✗ Refused .* the terms and privacy box was not ticked\./);
    expect(result.stdout).toContain('Tell the caller: Just above the Register button');
  });
});
