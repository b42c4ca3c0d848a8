// The "coming soon" runbook on states the real flows make: a person who registered for
// the upcoming summit through its form, confirmed the address, signed in and was shown
// the "Coming soon" page; a person on the live event (who must never be told that
// "coming soon" is fine); the clock moved to the summit's start and past its end; and
// people not registered for the event they name. Each runs without prompts (--no-input
// --json), and as a wizard: the start time in the caller's zone, and the fresh login
// link for a live event carried out with the ticket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInZone } from '../../src/cli/render/format.ts';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { signIn } from '../helpers/action-kit.ts';
import { headingOf } from '../helpers/browserless.ts';
import { runT1 } from '../helpers/cli.ts';
import { scriptedPrompter, type ScriptedAnswer } from '../helpers/scripted-prompter.ts';
import { parsed, startActivityWorld, type ActivityWorld } from './activity-support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming; // starts in three weeks, America/New_York; password sign-in, verification on
const LIVE = DEMO_EVENT_SLUGS.live; // started two hours ago, Europe/London; login links
const TITLE = 'troubleshoot: Only sees the "coming soon" page';
const HOUR = 3_600_000;

let w: ActivityWorld;
beforeAll(async () => {
  w = await startActivityWorld();
});
afterAll(async () => {
  await w?.close();
});

const troubleshoot = async (email: string, event: string, extra: string[] = []) =>
  parsed<any>(await w.t1(['troubleshoot', 'coming-soon', '--email', email, '--event', event, '--no-input', '--json', ...extra]));
const verdicts = (report: any) => report.findings.map((f: { check: string; verdict: string }) => [f.check, f.verdict]);
const phaseOf = (report: any) => report.findings.find((f: { check: string }) => f.check === 'event-phase');

async function eventOf(slug: string): Promise<{ title: string; startsAt: string; endsAt: string; timezone: string; phase: string }> {
  return parsed<any>(await w.t1(['--json', 'events', 'show', slug]));
}

async function wizard(args: string[], script: ScriptedAnswer[]) {
  const prompter = scriptedPrompter(script);
  const result = await runT1(args, { env: w.platform.env('agent'), tty: true, overrides: { prompter, now: () => w.clock.now() } });
  expect(result.exitCode, result.stderr).toBe(0);
  expect(prompter.left()).toBe(0);
  return result;
}

const PASSWORD = 'sakura-harbour-lantern-41';
const form = (email: string, password?: string) => ({
  first_name: 'Mina',
  last_name: 'Sato',
  country: 'Japan',
  job_title: 'Planner',
  company: 'Contoso',
  email,
  ...(password ? { password, confirmation: password } : {}),
  terms: 'yes',
});

describe('troubleshoot coming-soon', () => {
  const early = 'mina.sato@contoso.example'; // registers for the summit
  const live = 'kenji.mori@contoso.example'; // registers for the live event

  it('an upcoming event: "opens <start>" in the caller\'s time zone, and in the event\'s without one', async () => {
    // Register, confirm the address, sign in: the event page is the "Coming soon" one.
    const browser = w.browser();
    expect((await browser.submit(await browser.get(`/e/${SUMMIT}/register`), form(early, PASSWORD), `/e/${SUMMIT}/register`)).status).toBe(200);
    const verify = await w.mail.nextMail(early, { after: 0 });
    await browser.submit(await browser.get(verify.link));
    expect((await signIn(browser, SUMMIT, early, PASSWORD)).status).toBe(303);
    expect(headingOf((await browser.get(`/e/${SUMMIT}`)).body)).toBe('Coming soon');

    const summit = await eventOf(SUMMIT);
    expect(summit.timezone).toBe('America/New_York');
    const inTokyo = formatInZone(summit.startsAt, 'Asia/Tokyo');
    const inNewYork = formatInZone(summit.startsAt, 'America/New_York');
    expect(inTokyo).not.toBe(inNewYork.replace('America/New_York', 'Asia/Tokyo'));

    const tokyo = await troubleshoot(early, SUMMIT, ['--answer', 'timezone=Asia/Tokyo']);
    expect(verdicts(tokyo)).toEqual([
      ['registration', 'ok'],
      ['event-phase', 'ok'],
    ]);
    expect(tokyo.findings[0].summary).toMatch(/^Registered for Northwind Product Summit 2027: /);
    expect(phaseOf(tokyo).summary).toBe(`Northwind Product Summit 2027 has not started: it opens ${inTokyo}.`);
    expect(tokyo.outcome.explain).toContain('Nothing is wrong.');
    expect(tokyo.outcome.tell).toBe(`You are all set. The event has not started yet: it opens ${inTokyo}. Come back then with the same sign-in and the page turns into the event.`);
    expect(tokyo.outcome.fixes).toEqual([]);
    expect(tokyo.outcome.escalate).toBeUndefined();

    const own = await troubleshoot(early, SUMMIT);
    expect(phaseOf(own).summary).toBe(`Northwind Product Summit 2027 has not started: it opens ${inNewYork}.`);
    expect(own.outcome.tell).toContain(`it opens ${inNewYork}.`);
    // A zone that does not exist falls back to the event's.
    const bogus = await troubleshoot(early, SUMMIT, ['--answer', 'timezone=Mars/Olympus_Mons']);
    expect(bogus.outcome.tell).toContain(`it opens ${inNewYork}.`);
  });

  it('runs as a wizard from what the caller says, with the time in their zone', async () => {
    const { startsAt } = await eventOf(SUMMIT);
    const result = await wizard(['troubleshoot'], [{ search: 'page says coming soon', pick: 'coming-soon' }, { input: early }, { input: SUMMIT }, { input: 'Asia/Tokyo' }]);
    expect(result.stdout).toContain('✓ Registered for Northwind Product Summit 2027');
    expect(result.stdout).toContain(`✓ Northwind Product Summit 2027 has not started: it opens ${formatInZone(startsAt, 'Asia/Tokyo')}.`);
    expect(result.stdout).toContain(`Tell the caller: You are all set. The event has not started yet: it opens ${formatInZone(startsAt, 'Asia/Tokyo')}.`);
    expect(result.stdout).not.toContain('Fix:');
  });

  it('a live event is not "coming soon": ✗, and a fresh login link the wizard emails', async () => {
    const browser = w.browser();
    expect((await browser.submit(await browser.get(`/e/${LIVE}/register`), form(live), `/e/${LIVE}/register`)).status).toBe(200);
    const login = await w.mail.nextMail(live, { after: 0 });
    await browser.submit(await browser.get(login.link));
    expect(headingOf((await browser.get(`/e/${LIVE}`)).body)).not.toBe('Coming soon');

    const event = await eventOf(LIVE);
    expect(event.phase).toBe('live');
    const report = await troubleshoot(live, LIVE, ['--answer', 'timezone=Asia/Tokyo']);
    expect(verdicts(report)).toEqual([
      ['registration', 'ok'],
      ['event-phase', 'fail'],
    ]);
    expect(phaseOf(report).summary).toBe(`Northwind Customer Day is live now (since ${formatInZone(event.startsAt, 'Asia/Tokyo')}): "coming soon" is not expected.`);
    expect(report.outcome.tell).not.toContain('You are all set');
    expect(report.outcome.tell).toMatch(/^The event has started\. Please reload the page/);
    expect(report.outcome.fixes).toEqual([{ label: 'Send a fresh login link', argv: ['magic-link', 'create', live, '--event', LIVE, '--send'] }]);
    expect(report.outcome.escalate).toMatch(/after a reload and a new sign-in/);

    w.clock.advance(2 * 60_000);
    const result = await wizard(
      ['troubleshoot', 'coming-soon'],
      [{ input: live }, { input: LIVE }, { input: '' }, { select: /^Run: Send a fresh login link/ }, { input: 'SUP-6100' }, { confirm: true }, { select: 'stop' }],
    );
    expect(result.stdout).toContain('✗ Northwind Customer Day is live now');
    expect(result.stdout).toContain('Tell the caller: The event has started.');
    expect(result.stdout).not.toContain('You are all set');
    const fresh = await w.mail.nextMail(live, { after: 1 });
    expect(fresh.subject).toMatch(/^Your login link/);
    const audit = parsed<any>(await w.t1(['audit', '--user', live, '--json']));
    expect(audit.items[0]).toMatchObject({ action: 'magic_link.create', ticket: 'SUP-6100', reason: TITLE, result: 'ok' });
  });

  it('a person not registered for the event is told to register, on an upcoming or a live event', async () => {
    for (const [email, event] of [
      [live, SUMMIT], // has an account, registered for the live event only
      [early, LIVE], // registered for the summit only; the live event must not get its login link
      ['nobody.here@contoso.example', LIVE],
    ] as const) {
      const report = await troubleshoot(email, event);
      expect(report.findings[0], `${email} ${event}`).toMatchObject({ check: 'registration', verdict: 'fail' });
      expect(report.outcome.tell, `${email} ${event}`).toBe('We could not find your registration for this event. Please register first.');
      expect(report.outcome.tell).not.toContain('You are all set');
      expect(report.outcome.fixes, `${email} ${event}`).toEqual([]);
    }
  });

  it('the clock moved to the summit\'s start: now live, ✗; past its end: ended', async () => {
    const summit = await eventOf(SUMMIT);
    w.clock.advance(Date.parse(summit.startsAt) - w.clock.now().getTime() + HOUR);
    const started = await troubleshoot(early, SUMMIT);
    expect(verdicts(started)).toEqual([
      ['registration', 'ok'],
      ['event-phase', 'fail'],
    ]);
    expect(started.outcome.tell).not.toContain('You are all set');
    expect(started.outcome.fixes.map((f: { argv: string[] }) => f.argv)).toEqual([['magic-link', 'create', early, '--event', SUMMIT, '--send']]);

    w.clock.advance(Date.parse(summit.endsAt) - w.clock.now().getTime() + HOUR);
    const ended = await troubleshoot(early, SUMMIT);
    expect(verdicts(ended)).toEqual([
      ['registration', 'ok'],
      ['event-phase', 'warn'],
    ]);
    expect(phaseOf(ended).summary).toBe('Northwind Product Summit 2027 has ended.');
    expect(ended.outcome.explain).toContain('The event is over');
    expect(ended.outcome.tell).toBe('This event has ended, so its site no longer opens.');
    expect(ended.outcome.fixes).toEqual([]);
    expect(ended.outcome.escalate).toBeUndefined();
  });
});
