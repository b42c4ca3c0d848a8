// Text that people type reaches agents' terminals. The platform refuses control characters
// in what people submit; whatever is stored anyway (an import, an older version, another
// tool writing the database) reaches t1 as it is, and t1 shows every control, bidirectional
// and invisible character as an escape wherever it prints: tables, tab-separated rows,
// records, JSON, CSV, notices and errors. A name can never clear the screen, retitle the
// window, plant a link, fill the clipboard or read backwards.
import { randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1, type CliResult } from '../helpers/cli.ts';
import { personRow } from '../helpers/people.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID } from '../../src/platform/seed/demo.ts';

// Clear the screen, a hyperlink (OSC 8), the clipboard (OSC 52), bell, NUL, a C1 CSI,
// right-to-left override, zero-width space.
const CLEAR = '\u001b[2J';
const LINK = '\u001b]8;;https://evil.example/\u0007click\u001b]8;;\u0007';
const CLIPBOARD = '\u001b]52;c;cm0gLXJmIH4=\u0007';
const FIRST = `Eve${CLEAR}${LINK}`;
const LAST = `Mallory\u0000\u202egnp.exe`;
const COMPANY = `Evil\u009b31m${CLIPBOARD} Corp\u200b`;
const TITLE = `Summit\u0007 \u202eeltit`;
const MAIL_ERROR = `550 no such user${CLEAR}\u001b]0;owned\u0007`;
const EMAIL = 'eve.hostile@contoso.example';

// What a terminal would act on: C0 but tab and newline, DEL, C1 (ESC, CSI).
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const RAW_INVISIBLE = /[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u061c\ufeff]/;

/** The same text as t1 shows it. */
const escaped = (text: string) => text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e\u200b]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function expectInert(result: CliResult): void {
  for (const [stream, text] of [['stdout', result.stdout], ['stderr', result.stderr]] as const) {
    expect(text, stream).not.toMatch(RAW_CONTROL);
    expect(text, stream).not.toMatch(RAW_INVISIBLE);
  }
}

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
  const { db } = platform.platform.ctx;
  const now = new Date().toISOString();
  const event = await db.selectFrom('events').select('id').where('slug', '=', DEMO_EVENT_SLUGS.upcoming).executeTakeFirstOrThrow();
  await db.updateTable('events').set({ title: TITLE }).where('id', '=', event.id).execute();
  await db.insertInto('users').values(personRow({ id: 'usr_hostile', email: EMAIL, first: FIRST, last: LAST, company: COMPANY })).execute();
  await db
    .insertInto('registrations')
    .values({ id: 'reg_hostile', user_id: 'usr_hostile', event_id: event.id, role: 'attendee', type: 'registration', status: 'registered', stage: 'pending_verification', attended_at: null, created_at: now, updated_at: now })
    .execute();
  const emailId = `eml_${randomBytes(6).toString('hex')}`;
  await db
    .insertInto('emails')
    .values({
      id: emailId,
      org_id: DEMO_ORG_ID,
      user_id: 'usr_hostile',
      staff_id: null,
      event_id: event.id,
      recipient: EMAIL,
      template: 'verify_account',
      subject: `Verify your account for ${TITLE}`,
      body_sealed: null,
      status: 'failed',
      attempts: 5,
      last_error: MAIL_ERROR,
      next_attempt_at: now,
      lease_until: null,
      message_id: `<${randomBytes(6).toString('hex')}@t1.test>`,
      created_at: now,
      sent_at: null,
      updated_at: now,
    })
    .execute();
  // The delivery attempt as the timeline shows it, with the mail server's answer.
  await db
    .insertInto('activity')
    .values({
      id: `act_${randomBytes(6).toString('hex')}`,
      org_id: DEMO_ORG_ID,
      user_id: 'usr_hostile',
      email: null,
      event_id: event.id,
      kind: 'mail.failed',
      outcome: 'failed',
      reason: 'gave_up',
      detail: JSON.stringify({ template: 'verify_account', subject: `Verify your account for ${TITLE}`, attempts: 5, error: MAIL_ERROR, nextAttemptAt: null }),
      cause: null,
      actor: null,
      staff_id: null,
      request_id: null,
      browser_family: null,
      browser_version: null,
      browser_os: null,
      browser_supported: null,
      network: null,
      token_id: null,
      email_id: emailId,
      webhook_id: null,
      created_at: now,
    })
    .execute();
});
afterAll(async () => {
  await platform.close();
});

// Wide enough that no cell wraps, so each value shows on one line.
const t1 = (argv: string[], tty = false) => runT1(argv, { env: platform.env(), tty, columns: tty ? 400 : undefined });

describe('stored text with control, bidirectional and invisible characters', () => {
  it('shows in a table and in tab-separated rows as escapes', async () => {
    for (const tty of [true, false]) {
      const result = await t1(['users', 'find', 'eve.hostile'], tty);
      expect(result.exitCode).toBe(0);
      expectInert(result);
      expect(result.stdout).toContain(escaped(`${FIRST} ${LAST}`));
      expect(result.stdout).toContain(escaped(COMPANY));
    }
  });

  it('shows in a record and its registrations as escapes', async () => {
    for (const tty of [true, false]) {
      const result = await t1(['users', 'show', EMAIL], tty);
      expect(result.exitCode).toBe(0);
      expectInert(result);
      expect(result.stdout).toContain(escaped(COMPANY));
    }
  });

  it('shows in the status, its delivery warning, the timeline and the mail log as escapes', async () => {
    const status = await t1(['status', EMAIL], true);
    expect(status.exitCode).toBe(0);
    expectInert(status);
    expect(status.stdout).toContain(escaped(TITLE));
    expect(status.stdout).toContain(escaped(MAIL_ERROR));
    for (const tty of [true, false]) {
      const timeline = await t1(['users', 'timeline', EMAIL], tty);
      expect(timeline.exitCode).toBe(0);
      expectInert(timeline);
      expect(timeline.stdout).toContain(escaped(MAIL_ERROR));
    }
    const mail = await t1(['mail', 'log', EMAIL], true);
    expectInert(mail);
    expect(mail.stdout).toContain(escaped(TITLE));
  });

  it('stays exact in JSON, escaped as JSON escapes', async () => {
    const result = await t1(['users', 'show', EMAIL, '--json']);
    expectInert(result);
    const user = JSON.parse(result.stdout);
    expect([user.firstName, user.lastName, user.company]).toEqual([FIRST, LAST, COMPANY]);
    const picked = await t1(['users', 'find', 'eve.hostile', '--json', 'fullName,company']);
    expectInert(picked);
    expect(JSON.parse(picked.stdout)).toEqual([{ fullName: `${FIRST} ${LAST}`, company: COMPANY }]);
  });

  it('shows escaped in what --jq picks and in CSV', async () => {
    const jq = await t1(['users', 'find', 'eve.hostile', '--jq', '.[].company']);
    expectInert(jq);
    expect(jq.stdout).toBe(`${escaped(COMPANY)}\n`);
    const csv = await t1(['users', 'find', 'eve.hostile', '--csv', 'email,fullName,company']);
    expectInert(csv);
    expect(parse(csv.stdout)).toEqual([['email', 'fullName', 'company'], [EMAIL, escaped(`${FIRST} ${LAST}`), escaped(COMPANY)]]);
  });

  it('shows escaped in errors quoting it, as text and as JSON', async () => {
    const typed = `nobody${CLIPBOARD}\u202e@contoso.example`;
    const text = await t1(['users', 'show', typed]);
    expect(text.exitCode).toBe(3);
    expectInert(text);
    expect(text.stderr).toMatch(/^Error: No person matches "nobody.*@contoso\.example"\.$/m);
    const json = await t1(['users', 'show', typed, '--json']);
    expectInert(json);
    expect(JSON.parse(json.stderr).error.code).toBe('not_found');
    const usage = await t1(['users', 'find', 'x', `--bad${CLEAR}`]);
    expect(usage.exitCode).toBe(2);
    expectInert(usage);
  });
});

describe('every command that shows the person or the event', () => {
  const SLUG = DEMO_EVENT_SLUGS.upcoming;
  const commands: string[][] = [
    ['status', EMAIL],
    ['status', EMAIL, '--event', SLUG],
    ['users', 'find', 'Eve'],
    ['users', 'show', 'usr_hostile'],
    ['users', 'timeline', EMAIL, '--all'],
    ['links', EMAIL],
    ['mail', 'log', EMAIL],
    ['mfa', 'status', EMAIL],
    ['diagnose', EMAIL],
    ['diagnose', EMAIL, '--event', SLUG],
    ['escalate', EMAIL, '--event', SLUG, '--ticket', 'T-1'],
    ['troubleshoot', 'no-registration-email', '--email', EMAIL, '--event', SLUG, '--no-input'],
    ['events', 'list'],
    ['events', 'show', SLUG],
    ['events', 'check-email', SLUG, EMAIL],
    ['audit'],
  ];

  it.each(commands.map((argv) => [argv.join(' '), argv]))('%s prints no raw control or invisible character', async (_label, argv) => {
    for (const variant of [[], ['--json'], ['--csv']]) {
      for (const tty of [false, true]) {
        const result = await runT1([...argv, ...variant], { env: platform.env(), tty, columns: 80, overrides: {} });
        expectInert(result);
        if (variant.length === 0) expect(result.exitCode, result.stderr).toBe(0);
      }
    }
  });
});

describe('control characters in submitted text', () => {
  it('are refused when an agent invites someone', async () => {
    const result = await runT1(
      ['invitations', 'send', 'new.person@contoso.example', '--event', 'product-summit-2027', '--first-name', 'New\u001b[2J', '--last-name', 'Person', '--yes'],
      { env: platform.env() },
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('must not contain control characters');
    expectInert(result);
  });
});
