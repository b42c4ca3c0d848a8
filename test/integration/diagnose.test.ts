// t1 diagnose: every check that applies to a person, against states made through the real
// flows: a locked account, mail a refusing SMTP server would not take, a login link a mail
// scanner used before the person, an unsupported browser, and a verification link and a
// 2FA enrollment that expired while the clock moved on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES, DEMO_ORG_ID } from '../../src/platform/seed/demo.ts';
import { enrolPhone, userSubject } from '../helpers/sms-enrol.ts';
import { signIn, waitFor } from '../helpers/action-kit.ts';
import { headingOf } from '../helpers/browserless.ts';
import { lines } from './support.ts';
import { parsed, startActivityWorld, UA, type ActivityWorld } from './activity-support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming;
const LIVE = DEMO_EVENT_SLUGS.live;
const ENDED = DEMO_EVENT_SLUGS.ended;
const HOUR = 3_600_000;
const IE11 = 'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko';

interface Result {
  check: string;
  title: string;
  event: string | null;
  verdict: 'ok' | 'warn' | 'fail';
  summary: string;
  evidence: string[];
  fixes: { label: string; argv: string[] }[];
  hint?: string;
}
interface Report {
  email: string;
  person: { id: string; name: string } | null;
  events: string[];
  results: Result[];
  counts: { ok: number; warn: number; fail: number };
}

let w: ActivityWorld;
beforeAll(async () => {
  w = await startActivityWorld();
});
afterAll(async () => {
  await w?.close();
});

const diagnose = async (email: string, extra: string[] = []) => parsed<Report>(await w.t1(['--json', 'diagnose', email, ...extra]));
const result = (report: Report, check: string, event: string | null = null) => report.results.find((r) => r.check === check && r.event === event);

/** Lines of the report that start with a mark, and the indented fix lines under them. */
const reportLines = (stdout: string) => lines(stdout).filter((l) => /^[✓!✗] |^    /.test(l));

// Ordered: the clock only moves forward, and the demo's lock would run out after a day or so.
describe('t1 diagnose', () => {
  it('names a lock and the unlock command; exit 0 for a report with problems', async () => {
    const person = DEMO_EXAMPLES.lockedPerson;
    const report = await diagnose(person);
    expect(report.person?.name).toBe('Yuki Sato');
    expect(result(report, 'sign-in')).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/^The account is locked/), fixes: [{ argv: ['users', 'unlock', person] }] });
    const text = await w.t1(['diagnose', person]);
    expect(text.exitCode).toBe(0);
    expect(reportLines(text.stdout)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^✗ Sign-in: The account is locked after repeated failed sign-ins \(until .* UTC\)\.$/), `    Unlock the account: t1 users unlock ${person}`]),
    );
    expect(lines(text.stdout).at(-1)).toBe('1 problem, 0 warnings.');
  });

  it('names the SMTP error of mail the server refused until the platform gave up', async () => {
    const person = 'omar.haddad@blueyonderairlines.example'; // pending verification, summit
    w.mail.refuseNext(person, 50);
    expect((await w.t1(['verification', 'resend', person, '--event', SUMMIT, '--yes'])).exitCode).toBe(0);
    const status = async () => parsed<{ items: { status: string; attempts: number }[] }>(await w.t1(['--json', 'mail', 'log', person])).items.map((m) => [m.status, m.attempts]);
    await waitFor(status, [['queued', 1]]);
    // While it is retried, the error is already named.
    const retrying = await diagnose(person);
    expect(result(retrying, 'mail')).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/still queued after 1 failed attempt: .*451.*Mailbox busy/) });
    for (let attempts = 2; attempts <= 8; attempts += 1) {
      w.clock.advance(31 * 60_000);
      await waitFor(async () => (await status())[0]![1], attempts);
    }
    await waitFor(status, [['failed', 8]]);

    const report = await diagnose(person);
    expect(result(report, 'mail')).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/^The email "Verify your account for Northwind Product Summit 2027" \(.*\) failed: .*451.*Mailbox busy, try again later/) });
    expect(result(report, 'mail')!.fixes[0]!.argv).toEqual(['mail', 'log', person]);
    const text = await w.t1(['diagnose', person, '--event', SUMMIT]);
    expect(text.exitCode).toBe(0);
    expect(reportLines(text.stdout)).toContainEqual(expect.stringMatching(/^✗ Email delivery: The email .* failed: .*451 Mailbox busy/));
    // The verification is still owed, with the resend command.
    expect(reportLines(text.stdout)).toContain(`    Resend the verification email: t1 verification resend ${person} --event ${SUMMIT}`);
  });

  it('says a mail scanner used the login link before the person, and offers a fresh one', async () => {
    const person = DEMO_EXAMPLES.personWithOneRegistration; // Ngozi, live event, login links
    expect((await w.t1(['magic-link', 'create', person, '--event', LIVE, '--send', '--yes'])).exitCode).toBe(0);
    const mail = await w.mail.nextMail(person, { after: 0 });
    const scanner = w.browser(UA.scanner);
    expect((await scanner.submit(await scanner.get(mail.link))).status).toBe(303);
    w.clock.advance(5 * 60_000);
    const dead = await w.browser(UA.chromeWindows).get(mail.link);
    expect(headingOf(dead.body)).toBe('This link was already used');

    const report = await diagnose(person);
    expect(result(report, 'links')).toMatchObject({
      verdict: 'fail',
      summary: expect.stringMatching(/^The login link for customer-day-live was used at .* from an unrecognised browser or program on Windows \(someone else, such as a mail scanner\?\); the person's click at .* \(Chrome 156 on Windows\) was refused "already used"\.$/),
      fixes: [{ argv: ['magic-link', 'create', person, '--event', LIVE, '--send'] }],
    });
    // The person's own last visit (not the scanner's) is what the browser check judges.
    expect(result(report, 'browser')).toMatchObject({ verdict: 'ok', summary: expect.stringMatching(/Chrome 156 on Windows, which is supported/) });
  });

  it('flags an unsupported browser on the last visit', async () => {
    const person = 'tomas.silva@contoso.example';
    await signIn(w.browser(IE11), SUMMIT, person, 'not-the-password-1');
    const report = await diagnose(person, ['--event', SUMMIT]);
    expect(result(report, 'browser')).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/Internet Explorer .*do not support/) });
    expect(result(report, 'sign-in')).toMatchObject({ verdict: 'warn', summary: expect.stringMatching(/wrong password/), fixes: [{ argv: ['password', 'reset', person, '--send'] }] });
    expect(report.events).toEqual([SUMMIT]);
  });

  it('names an expired verification link and an expired 2FA enrollment, with the commands that renew them', async () => {
    const pending = 'kwame.mensah@fourthcoffee.example'; // pending verification, summit
    const enrolling = 'elena.petrova@contoso.example';
    expect((await w.t1(['verification', 'resend', pending, '--event', SUMMIT, '--yes'])).exitCode).toBe(0);
    expect((await w.t1(['mfa', 'qr', enrolling, '--send', '--yes'])).exitCode).toBe(0);
    const verify = await w.mail.nextMail(pending, { after: 0 });
    const enroll = await w.mail.nextMail(enrolling, { after: 0 });
    const before = await diagnose(enrolling);
    expect(result(before, 'mfa')).toMatchObject({ verdict: 'warn', summary: expect.stringMatching(/^2FA enrollment is pending/) });

    w.clock.advance(49 * HOUR); // verification links live 48 hours on the summit, enrollments 24
    expect((await w.browser().get(verify.link)).status).toBe(410);
    expect((await w.browser().get(enroll.link)).status).toBe(410);

    const report = await diagnose(pending);
    expect(report.events.sort()).toEqual([LIVE, SUMMIT]);
    expect(result(report, 'verification', SUMMIT)).toMatchObject({
      verdict: 'fail',
      summary: expect.stringMatching(/^Waiting for email verification: the verification link sent .* UTC expired at .* UTC \(refused when opened at .* UTC\)\.$/),
      fixes: [{ argv: ['verification', 'resend', pending, '--event', SUMMIT] }],
    });
    const text = await w.t1(['diagnose', pending]);
    expect(text.exitCode).toBe(0);
    const shown = reportLines(text.stdout);
    expect(shown).toContainEqual(expect.stringMatching(/^✗ Email verification \(product-summit-2027\): Waiting for email verification: the verification link sent .* expired at /));
    expect(shown).toContain(`    Resend the verification email: t1 verification resend ${pending} --event ${SUMMIT}`);

    const mfa = result(await diagnose(enrolling), 'mfa');
    expect(mfa).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/2FA enrollment link expired at .* before it was used/), fixes: [{ argv: ['mfa', 'qr', enrolling, '--send'] }] });
  });

  it('follows the codes texted to a person with SMS 2FA, and says when none left the platform', async () => {
    const person = 'tomas.silva@contoso.example';
    const ctx = w.platform.platform.ctx;
    await ctx.db.updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
    const phone = await enrolPhone(ctx, await userSubject(ctx, person));
    const report = await diagnose(person);
    const sms = result(report, 'sms');
    expect(sms).toMatchObject({ verdict: 'fail', fixes: [{ argv: ['sms', 'log', person] }] });
    expect(sms!.summary).toMatch(/only captured: the platform has no SMS provider/);
    expect(sms!.hint).toContain('--sms-gateway');
    expect(JSON.stringify(report)).not.toContain(phone.replace(/\s/g, '').slice(3));
  });

  it('checks each registration without --event: coming soon expected, ended event, blocked, removed, no password', async () => {
    const several = await diagnose(DEMO_EXAMPLES.personWithSeveralRegistrations);
    expect(several.events.sort()).toEqual([LIVE, ENDED, SUMMIT].sort());
    expect(result(several, 'event', SUMMIT)).toMatchObject({ verdict: 'ok', summary: expect.stringContaining('"coming soon" page is expected') });
    expect(result(several, 'event', ENDED)).toMatchObject({ verdict: 'warn', summary: expect.stringContaining('ended') });
    for (const slug of [LIVE, ENDED, SUMMIT]) expect(result(several, 'registration', slug)?.verdict).toBe('ok');

    const blocked = await diagnose(DEMO_EXAMPLES.blockedPerson);
    expect(result(blocked, 'account')).toMatchObject({ verdict: 'fail', summary: expect.stringContaining('is blocked') });
    expect(result(blocked, 'registration', LIVE)?.verdict).toBe('fail');
    const removed = await diagnose('dmitri.volkov@treyresearch.example');
    expect(result(removed, 'registration', SUMMIT)).toMatchObject({ verdict: 'fail', hint: expect.stringContaining('organiser') });

    const noPassword = await diagnose(DEMO_EXAMPLES.passwordNotSetPerson);
    expect(result(noPassword, 'password', SUMMIT)).toMatchObject({ verdict: 'fail', fixes: [{ argv: ['set-password-link', 'send', DEMO_EXAMPLES.passwordNotSetPerson, '--event', SUMMIT] }] });
  });

  it('reports an address with only refused attempts, and exits 3 for one the platform never saw', async () => {
    const browser = w.browser();
    const page = await browser.get(`/e/${SUMMIT}/register`);
    const refused = await browser.submit(
      page,
      { first_name: 'Sam', last_name: 'Doe', country: 'Kenya', job_title: '', company: 'Home', email: 'sam.doe@gmail.com', password: 'a-long-unusual-passphrase', confirmation: 'a-long-unusual-passphrase', terms: 'yes' },
      `/e/${SUMMIT}/register`,
    );
    expect(refused.status).toBe(422);
    const report = await diagnose('sam.doe@gmail.com');
    expect(report.person).toBeNull();
    expect(result(report, 'account')).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/^No account has sam\.doe@gmail\.com; the last attempt with it: Registration refused: addresses at public email providers are not accepted/) });
    expect(result(report, 'account')!.hint).toBe(`Check which addresses the event accepts: t1 events check-email ${SUMMIT} sam.doe@gmail.com`);

    const unknown = await w.t1(['diagnose', 'nobody.ever@contoso.example']);
    expect(unknown.exitCode).toBe(3);
    expect(unknown.stderr).toContain('No account has nobody.ever@contoso.example');
    expect((await w.t1(['diagnose', DEMO_EXAMPLES.lockedPerson, '--event', 'no-such-event'])).exitCode).toBe(3);
  });
});
