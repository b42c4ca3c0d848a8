// The mail log tells cause and truth, and delivery trouble shows where the agent acts:
// real registration pages and agent actions make the mails, a real SMTP server takes
// them (or refuses an address), and a platform without SMTP only captures them.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { runT1 } from '../helpers/cli.ts';
import { json, startActionWorld, testClock, waitFor, type ActionWorld } from '../helpers/action-kit.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { lines, rows } from './support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming;

const registrationForm = {
  first_name: 'Ana',
  last_name: 'Souza',
  country: 'Brazil',
  job_title: 'Digital Marketing Specialist',
  company: 'Coho Winery',
  password: 'a-long-unusual-passphrase',
  confirmation: 'a-long-unusual-passphrase',
  terms: 'yes',
};

describe('t1 mail log names what led to each mail', () => {
  let w: ActionWorld;
  beforeAll(async () => {
    w = await startActionWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('the registration form, the activation page and an agent, in words', async () => {
    const person = 'ana.souza@cohowinery.example'; // registered and verified for the summit
    const browser = w.browser();
    const registered = await browser.submit(await browser.get(`/e/${SUMMIT}/register`), { ...registrationForm, email: person }, `/e/${SUMMIT}/register`);
    expect(registered.status).toBe(200);
    await w.sink.nextMail(person, { after: 0 });
    const activated = await browser.submit(await browser.get(`/e/${SUMMIT}/activate`), { email: person }, `/e/${SUMMIT}/activate`);
    expect(activated.status).toBe(200);
    await w.sink.nextMail(person, { after: 1 });
    expect((await w.t1(['verification', 'resend', person, '--event', SUMMIT, '--force', '--yes'])).exitCode).toBe(0);
    await w.sink.nextMail(person, { after: 2 });
    expect(w.sink.mailsTo(person).map((m) => m.subject)).toEqual(Array(3).fill('Registration complete: Northwind Product Summit 2027'));
    await waitFor(async () => json(await w.t1(['--json', 'mail', 'log', person])).items.map((e: any) => e.status), ['sent', 'sent', 'sent']);

    const log = json(await w.t1(['--json', 'mail', 'log', person]));
    expect(log.captured).toBe(false);
    expect(log.items.map((e: any) => [e.cause, e.causeText])).toEqual([
      ['agent', expect.stringMatching(/^agent \S+/)],
      ['activation_page', 'the "send the activation email again" page'],
      ['registration_form', 'the registration form'],
    ]);
    for (const item of log.items) expect(item).toMatchObject({ template: 'registration_complete', attempts: 1, currentError: null, delivery: expect.stringMatching(/^sent \d{4}-\d\d-\d\d \d\d:\d\d UTC$/) });

    const text = await w.t1(['mail', 'log', person]);
    expect(text.exitCode).toBe(0);
    expect(rows(text.stdout).map((row) => [row[4], row[5], row[6], row[7]])).toEqual([
      [expect.stringMatching(/^sent /), '1', '', log.items[0].causeText],
      [expect.stringMatching(/^sent /), '1', '', 'the "send the activation email again" page'],
      [expect.stringMatching(/^sent /), '1', '', 'the registration form'],
    ]);
    // Nothing to explain: no captured mail, no retries.
    expect(text.stderr).toBe('');

    const table = await w.t1(['mail', 'log', person], { tty: true });
    expect(table.stdout).toMatch(/Cause/);
    expect(table.stdout).not.toMatch(/Last error/);
  });
});

/** An SMTP server that refuses the addresses in `refuse` at RCPT TO, as a mailbox that does not exist. */
async function startRefusingSink() {
  const refuse = new Set<string>();
  const accepted: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse.has(address.address)) callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      else callback();
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        accepted.push(...session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    refuse,
    accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a mail server that refuses an address', () => {
  let platform: TestPlatform;
  let sink: Awaited<ReturnType<typeof startRefusingSink>>;
  const clock = testClock();
  const t1 = (args: string[]) => runT1(args, { env: platform.env('agent') });

  beforeAll(async () => {
    sink = await startRefusingSink();
    platform = await startTestPlatform({ clock, smtpUrl: sink.url, mailPollMs: 50, signInDelayMs: () => 0 });
    await platform.platform.ctx.db.deleteFrom('emails').execute();
  });
  afterAll(async () => {
    await platform?.close();
    await sink?.close();
  });

  const mailsOf = async (recipient: string) =>
    platform.platform.ctx.db.selectFrom('emails').select(['id', 'status', 'attempts', 'last_error']).where('recipient', '=', recipient).orderBy('created_at', 'desc').execute();

  /** Moves the platform's clock past the retry delay and waits for the next attempt on mail `id`. */
  async function nextAttempt(id: string, attempts: number): Promise<void> {
    clock.advance(31 * 60_000);
    await waitFor(async () => Number((await platform.platform.ctx.db.selectFrom('emails').select('attempts').where('id', '=', id).executeTakeFirstOrThrow()).attempts), attempts);
  }

  it('a mail delivered after a failure says "after 2 attempts" and no longer shows the old error', async () => {
    const person = 'noah.williams@relecloud.example';
    sink.refuse.add(person);
    const reset = await t1(['password', 'reset', person, '--send', '--yes']);
    expect(reset.exitCode).toBe(0);
    await waitFor(async () => (await mailsOf(person)).map((m) => [m.status, Number(m.attempts)]), [['queued', 1]]);

    // Meanwhile the status says the mail is stuck, and why.
    const stuck = await t1(['status', person]);
    expect(stuck.exitCode).toBe(0);
    const warning = lines(stuck.stdout).find((line) => line.startsWith('! An email to'));
    expect(warning).toMatch(new RegExp(`^! An email to ${person} is stuck in the queue \\("Reset your password", .*1 failed attempt; the mail server said: .*550.*\\)\\. The platform keeps retrying, but the person has not got it yet;`));
    const queuedLog = await t1(['mail', 'log', person]);
    expect(rows(queuedLog.stdout)[0]!.slice(4, 7)).toEqual(['queued, retrying', '1', expect.stringMatching(/^retrying after: .*550/)]);

    // The server takes it at the retry.
    sink.refuse.delete(person);
    clock.advance(31_000);
    await waitFor(async () => (await mailsOf(person)).map((m) => [m.status, Number(m.attempts)]), [['sent', 2]]);
    expect(sink.accepted).toContain(person);

    const log = await t1(['mail', 'log', person]);
    expect(log.exitCode).toBe(0);
    const [row] = rows(log.stdout);
    expect(row!.slice(1, 2)).toEqual(['password_reset']);
    expect(row!.slice(4)).toEqual([expect.stringMatching(/^sent \d{4}-\d\d-\d\d \d\d:\d\d UTC after 2 attempts$/), '2', '', expect.stringMatching(/^agent /)]);
    expect(log.stdout).not.toMatch(/550|Mailbox unavailable/);
    expect(log.stderr).toBe(`Each delivery attempt, with its error: t1 users timeline ${person} --kind mail\n`);
    const item = json(await t1(['--json', 'mail', 'log', person])).items[0];
    expect(item).toMatchObject({ status: 'sent', attempts: 2, currentError: null, lastError: expect.stringMatching(/550/) });

    // The attempts are in the timeline, and nothing is wrong any more.
    const timeline = await t1(['users', 'timeline', person, '--kind', 'mail', '--json']);
    expect(timeline.exitCode).toBe(0);
    const kinds = (JSON.parse(timeline.stdout).items as { kind: string }[]).map((e) => e.kind);
    expect(kinds).toContain('mail.failed');
    expect(kinds).toContain('mail.sent');
    const after = await t1(['status', person]);
    expect(lines(after.stdout).filter((line) => line.startsWith('! '))).toEqual([]);
    expect(json(await t1(['--json', 'status', person])).deliveryWarnings).toEqual([]);
  });

  it('after a mail failed for good, status and the next action warn that the person did not get it', async () => {
    const person = 'omar.haddad@blueyonderairlines.example';
    sink.refuse.add(person);
    const first = await t1(['verification', 'resend', person, '--event', SUMMIT, '--yes']);
    expect(first.exitCode).toBe(0);
    await waitFor(async () => (await mailsOf(person)).map((m) => Number(m.attempts)), [1]);
    const [mail] = await mailsOf(person);
    for (let attempts = 2; attempts <= 8; attempts += 1) await nextAttempt(mail!.id, attempts);
    await waitFor(async () => (await mailsOf(person)).map((m) => m.status), ['failed']);

    const status = await t1(['status', person]);
    expect(status.exitCode).toBe(0);
    const warnings = lines(status.stdout).filter((line) => line.startsWith('! '));
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^! The last email to ${person} failed \\("Verify your account for Northwind Product Summit 2027", [^)]*\\): .*550.*\\. The person did not get it: check the address for typos, or ask them whether their mail server blocks mail from the platform`)),
    ]);
    expect(json(await t1(['--json', 'status', person])).deliveryWarnings).toEqual([warnings[0]!.slice(2)]);

    // The next action succeeds, and says on stderr that the earlier mail never arrived.
    const again = await t1(['verification', 'resend', person, '--event', SUMMIT, '--force', '--yes']);
    expect(again.exitCode).toBe(0);
    expect(lines(again.stdout)).toEqual([`Sent the "verify your account" email to ${person}: queued for delivery.`]);
    expect(again.stderr).toMatch(new RegExp(`^! An email to ${person} failed \\(.*550.*The person did not get it`, 'm'));

    // --json keeps stdout the result; the warning still reaches the agent on stderr.
    const asJson = await t1(['--json', 'password', 'reset', person, '--send', '--yes']);
    expect(asJson.exitCode).toBe(0);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ email: { recipient: person, delivery: 'queued' } });
    expect(asJson.stdout).not.toContain('did not get');
    expect(asJson.stderr).toMatch(/^! .*failed .*The person did not get it/m);
  });
});

describe('a platform without SMTP only captures mail', () => {
  let platform: TestPlatform;
  const t1 = (args: string[], tty = false) => runT1(args, { env: platform.env('agent'), tty });
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(async () => {
    await platform?.close();
  });

  it('the action says so once; the mail log explains "captured"; status warns that nothing reaches the person', async () => {
    const person = 'camille.dubois@alpineskihouse.example';
    const sent = await t1(['verification', 'resend', person, '--event', SUMMIT, '--yes']);
    expect(sent.exitCode).toBe(0);
    expect(lines(sent.stdout)).toEqual([`Sent the "registration complete" email to ${person}: kept by the platform (no SMTP configured).`]);
    expect(sent.stderr).not.toContain('captured');

    const log = await t1(['mail', 'log', person]);
    expect(log.exitCode).toBe(0);
    expect(rows(log.stdout)[0]!.slice(4)).toEqual(['captured', '0', '', expect.stringMatching(/^agent /)]);
    expect(log.stderr).toContain('Captured: the platform kept these emails without sending them, because it has no SMTP server configured, so the person never received them.');
    expect(log.stderr).toContain('"t1 platform start --smtp <url>" (or set T1_SMTP_URL)');
    expect(json(await t1(['--json', 'mail', 'log', person]))).toMatchObject({ captured: true, items: [expect.objectContaining({ status: 'captured', delivery: 'captured' }), expect.anything()] });

    const status = await t1(['status', person]);
    expect(lines(status.stdout)).toContain(
      `! Emails are only captured on this platform (no SMTP server configured): nothing reaches ${person}, who never got the last email. To send email, the platform must run with "t1 platform start --smtp <url>" (or T1_SMTP_URL).`,
    );
    expect(json(await t1(['--json', 'status', person])).deliveryWarnings).toHaveLength(1);
  });
});
