// The browser-ladder topics (the form does not open, fields cannot be reached,
// accessibility, "General Submission"), on states made through the real pages with real
// User-Agents: an old Safari is told to switch, a current Chrome goes down the reopen /
// clear-cache steps to the admin or an escalation, and without --user-agent the browser
// of the person's last recorded visit is judged. Also as a wizard, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { json, startActionWorld, type ActionWorld } from '../helpers/action-kit.ts';
import { scriptedPrompter } from '../helpers/scripted-prompter.ts';
import { Secrets, UaBrowser, UA } from './activity-support.ts';

const LIVE = DEMO_EVENT_SLUGS.live; // login links: registering needs no password
const ENDED = DEMO_EVENT_SLUGS.ended; // registration closed
const SAFARI_15 = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6.1 Safari/605.1.15';
const CHROME = UA.chromeWindows;

let world: ActionWorld;
beforeAll(async () => {
  world = await startActionWorld();
});
afterAll(async () => {
  await world?.close();
});

type Report = { findings: { check: string; verdict: string; summary: string; evidence: string[] }[]; outcome: { explain: string; tell: string; fixes: unknown[]; escalate?: string } };

const troubleshoot = async (topic: string, email: string, event: string | null, extra: string[] = []): Promise<Report> =>
  json(await world.t1(['troubleshoot', topic, '--email', email, ...(event ? ['--event', event] : []), '--no-input', '--json', ...extra]));

const browserFinding = (report: Report) => report.findings.find((f) => f.check === 'browser')!;

/** Fills in the live event's form in a browser with this User-Agent, leaving out what `values` blanks. */
async function submitForm(userAgent: string, email: string, values: Record<string, string> = {}) {
  const browser = new UaBrowser(world.url, userAgent, new Secrets());
  const page = await browser.get(`/e/${LIVE}/register`);
  expect(page.status).toBe(200);
  return browser.submit(page, { first_name: 'Ines', last_name: 'Duarte', company: 'Fabrikam', job_title: '', email, terms: 'yes', ...values }, `/e/${LIVE}/register`);
}

describe('the browser ladder', () => {
  it('tells someone on Safari 15 that the browser is not supported and to switch, without an escalation', async () => {
    const report = await troubleshoot('form-does-not-open', 'ines.duarte@fabrikam.example', LIVE, ['--user-agent', SAFARI_15]);
    expect(report.findings.map((f) => [f.check, f.verdict])).toEqual([
      ['registration-open', 'ok'],
      ['already-registered', 'ok'],
      ['browser', 'fail'],
    ]);
    expect(browserFinding(report).summary).toBe('Safari 15 on macOS is not supported by the event pages.');
    expect(report.outcome.tell).toContain('You are using Safari 15 on macOS, which the event pages do not support, and that is most likely why the form does not open.');
    expect(report.outcome.tell).toContain('update Safari to its latest version, or open the page in an up-to-date Chrome, Edge, Firefox or Safari');
    expect(report.outcome.escalate).toBeUndefined();
    expect(report.outcome.fixes).toEqual([]);
  });

  it('on a current Chrome goes down the reopen and clear-cache steps to the admin, and escalates when reproducible', async () => {
    const report = await troubleshoot('form-does-not-open', 'ines.duarte@fabrikam.example', LIVE, ['--user-agent', CHROME]);
    expect(browserFinding(report)).toMatchObject({ verdict: 'ok', summary: 'Chrome 156 on Windows is supported.' });
    expect(report.outcome.explain).toMatch(/1\. Close the browser completely .* 2\. Clear the browser's cache, then try again\. 3\. Involve the organiser's admin: .*same country, the same company network/);
    expect(report.outcome.tell).toMatch(/^Chrome 156 on Windows is supported, so let us try a few things\. Please close your browser completely/);
    expect(report.outcome.tell).toContain(`/e/${LIVE}/register`);
    expect(report.outcome.tell).toContain("clear your browser's cache");
    expect(report.outcome.tell).toContain('I will check with the event organiser whether other people have the same problem');
    expect(report.outcome.escalate).toMatch(/keeps happening and can be reproduced/);
  });

  it('without --user-agent, judges the browser of their last recorded visit', async () => {
    // The person tried the form on Safari 15 and the company field did not take their typing.
    const person = 'kai.moreno@fabrikam.example';
    expect((await submitForm(SAFARI_15, person, { company: '' })).status).toBe(422);

    const report = await troubleshoot('fields-not-reachable', person, LIVE, ['--answer', 'field=Company']);
    const browser = browserFinding(report);
    expect(browser.verdict).toBe('fail');
    expect(browser.summary).toMatch(/^Their last visit \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\) was from Safari 15 on macOS \(not supported\)\.$/);
    expect(browser.evidence.join('\n')).toContain('Registration refused: a required field was left empty: company');
    expect(report.outcome.tell).toMatch(/^Your last visit to the event pages was from Safari 15 on macOS, which the event pages do not support, and that is most likely why you cannot reach the Company field\./);
    expect(report.outcome.explain).toContain('check it is the one they use now');

    // The same person back on a current Chrome: now the recorded visit is a supported one,
    // and the last rung is the admin and tier two in high priority.
    expect((await submitForm(CHROME, person, { company: '' })).status).toBe(422);
    const again = await troubleshoot('fields-not-reachable', person, LIVE, ['--answer', 'field=Company']);
    expect(browserFinding(again)).toMatchObject({ verdict: 'ok' });
    expect(browserFinding(again).summary).toMatch(/was from Chrome 156 on Windows \(supported\)\.$/);
    expect(again.outcome.tell).toMatch(/^Your last visit was from Chrome 156 on Windows, which is supported/);
    expect(again.outcome.tell).toContain('pass it on to our technical team as urgent');
    expect(again.outcome.escalate).toMatch(/^High priority: .*the "Company" field still cannot be reached\. Likely a product defect/);
  });

  it('asks which browser when neither a User-Agent nor a visit is known', async () => {
    const report = await troubleshoot('accessibility-not-working', 'nobody.yet@fabrikam.example', null, ['--answer', 'feature=screen reader']);
    expect(browserFinding(report).verdict).toBe('warn');
    expect(report.outcome.tell).toMatch(/^Which browser are you using, and which version\?/);
    expect(report.outcome.explain).toContain("Involve the organiser's admin with what does not work (screen reader)");
    expect(report.outcome.escalate).toBeUndefined();
  });

  it('accessibility on a current Chrome ends with the admin, not an escalation', async () => {
    const report = await troubleshoot('accessibility-not-working', 'ines.duarte@fabrikam.example', LIVE, ['--user-agent', CHROME]);
    expect(browserFinding(report).verdict).toBe('ok');
    expect(report.outcome.tell).toContain('I will pass it on to the event organiser');
    expect(report.outcome.escalate).toBeUndefined();
  });

  it('a closed registration and an existing registration are answered before the browser', async () => {
    const closed = await troubleshoot('form-does-not-open', 'ines.duarte@fabrikam.example', ENDED, ['--user-agent', CHROME]);
    expect(closed.findings[0]).toMatchObject({ check: 'registration-open', verdict: 'fail' });
    expect(closed.outcome.tell).toMatch(/^Registration for Northwind Partner Kickoff 2026 is closed, so the page shows a notice instead of the form\./);
    expect(closed.outcome.escalate).toBeUndefined();

    const registered = await troubleshoot('form-does-not-open', DEMO_EXAMPLES.personWithOneRegistration, LIVE, ['--user-agent', CHROME]);
    expect(registered.findings[1]).toMatchObject({ check: 'already-registered', verdict: 'warn' });
    expect(registered.outcome.tell).toContain('you are already registered for Northwind Customer Day');
    expect(registered.outcome.tell).toContain(`/e/${LIVE}/login with a login link`);
  });
});

describe('troubleshoot general-submission', () => {
  it('with no submission on record: the ladder, then an escalation', async () => {
    const safari = await troubleshoot('general-submission', 'lea.fischer@fabrikam.example', LIVE, ['--user-agent', SAFARI_15]);
    expect(safari.findings.map((f) => [f.check, f.verdict])).toEqual([
      ['registration-open', 'ok'],
      ['form-submissions', 'warn'],
      ['browser', 'fail'],
    ]);
    expect(safari.outcome.tell).toContain('Safari 15 on macOS, which the event pages do not support, and that is most likely why the form keeps showing that error');

    const chrome = await troubleshoot('general-submission', 'lea.fischer@fabrikam.example', LIVE, ['--user-agent', CHROME]);
    expect(chrome.outcome.explain).toMatch(/3\. If it still fails, escalate to platform support/);
    expect(chrome.outcome.escalate).toMatch(/"General Submission" error repeats on a supported browser/);
  });

  it('names what the form refused when the log knows, and says when it went through', async () => {
    const person = 'lea.fischer@fabrikam.example';
    expect((await submitForm(CHROME, person, { terms: '' })).status).toBe(422);
    const refused = await troubleshoot('general-submission', person, LIVE, ['--user-agent', CHROME]);
    expect(refused.findings[1]).toMatchObject({ check: 'form-submissions', verdict: 'fail' });
    expect(refused.findings[1]!.summary).toContain('the terms and conditions box was not ticked');
    expect(refused.outcome.tell).toContain('tick the box that you agree to the terms and conditions');
    expect(refused.outcome.escalate).toBeUndefined();

    expect((await submitForm(CHROME, person)).status).toBe(200);
    const done = await troubleshoot('general-submission', person, LIVE);
    expect(done.findings[1]).toMatchObject({ check: 'form-submissions', verdict: 'ok' });
    expect(done.outcome.tell).toMatch(/^Your registration did go through\./);
  });
});

describe('as a wizard', () => {
  it('finds the topic by what the caller says, shows the steps and offers the escalation', async () => {
    const prompter = scriptedPrompter([
      { search: 'form does not open', pick: 'form-does-not-open' },
      { input: 'ines.duarte@fabrikam.example' },
      { input: LIVE },
      { input: CHROME },
      { select: 'escalate' },
      { input: 'SUP-77' },
    ]);
    const result = await world.t1(['troubleshoot'], { tty: true, prompter });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(prompter.left()).toBe(0);
    expect(result.stdout).toContain('✓ Registration for Northwind Customer Day is open');
    expect(result.stdout).toContain('✓ Chrome 156 on Windows is supported.');
    expect(result.stdout).toContain('Tell the caller: Chrome 156 on Windows is supported, so let us try a few things.');
    expect(result.stdout).toMatch(/Escalate: If the form still does not open/);
    // The escalate choice builds the packet; for a caller the platform knows nothing about
    // it says what to hand over instead.
    expect(result.stderr).toContain('No account has ines.duarte@fabrikam.example');
    expect(result.stderr).toContain('escalate with the ticket, the topic (form-does-not-open) and what the caller described');
  });
});
