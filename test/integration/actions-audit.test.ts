// Support actions are audited (who, what, whom, reason, ticket,
// result, request id; refusals too), an organisation can require a ticket, `t1 audit`
// filters, `t1 mail log` shows each mail's delivery, and actions ask before acting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES, DEMO_ORG_ID } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import { confirming, json, outboxCount, startActionWorld, testClock, type ActionWorld } from '../helpers/action-kit.ts';
import { lines, rows } from './support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming;
const LIVE = DEMO_EVENT_SLUGS.live;
const SAM = DEMO_EXAMPLES.agentStaff;
const DAY_MS = 24 * 3_600_000;

const clock = testClock();
let w: ActionWorld;
/** An API token that belongs to the agent Sam Okonkwo, so the audit log names him. */
let samToken: string;

beforeAll(async () => {
  w = await startActionWorld({ clock });
  const db = w.platform.platform.ctx.db;
  const sam = await db.selectFrom('staff').select('id').where('email', '=', SAM).executeTakeFirstOrThrow();
  samToken = (await issueApiToken(db, w.platform.platform.ctx, { orgId: DEMO_ORG_ID, role: 'agent', name: 'sam laptop', staffId: sam.id, createdBy: 'test' })).token;
});
afterAll(async () => {
  await w?.close();
});

const asSam = (args: string[]) => w.t1(args, { token: samToken });

async function audit(args: string[] = []): Promise<any[]> {
  return json(await w.t1(['--json', 'audit', ...args])).items;
}

describe('the audit log', () => {
  const pending = DEMO_EXAMPLES.pendingVerificationPerson;
  const locked = DEMO_EXAMPLES.lockedPerson;
  const twoFactor = DEMO_EXAMPLES.twoFactorPerson;

  beforeAll(async () => {
    // Ten days ago, someone unlocked Yuki.
    clock.advance(-10 * DAY_MS);
    expect((await w.t1(['users', 'unlock', locked, '--reason', 'old lock', '--yes'])).exitCode).toBe(0);
    clock.advance(10 * DAY_MS);
  });

  it('records who did what to whom, why, with which ticket and result, and the request id', async () => {
    const ok = await asSam(['verification', 'resend', pending, '--event', SUMMIT, '--reason', 'caller lost the email', '--ticket', 'SUP-100', '--yes']);
    expect(ok.exitCode).toBe(0);
    const refused = await asSam(['--verbose', 'verification', 'resend', pending, '--event', SUMMIT, '--reason', 'caller asked again', '--ticket', 'SUP-100', '--yes']);
    expect(refused.exitCode).toBe(1);
    const refusedRequestId = /request id: (req_\S+)/.exec(refused.stderr)?.[1];
    expect(refusedRequestId).toBeTruthy();
    expect((await asSam(['magic-link', 'create', DEMO_EXAMPLES.personWithOneRegistration, '--event', LIVE, '--send', '--reason', 'cannot find the invite', '--ticket', 'SUP-101', '--yes'])).exitCode).toBe(0);
    expect((await w.t1(['mfa', 'reset', twoFactor, '--verified-by', 'video call', '--reason', 'lost phone', '--ticket', 'SUP-102', '--yes'], { role: 'admin' })).exitCode).toBe(0);

    const items = await audit();
    const resends = items.filter((a) => a.action === 'verification.resend');
    expect(resends).toHaveLength(2);
    const [refusedEntry, okEntry] = resends; // newest first
    expect(okEntry).toMatchObject({
      actor: SAM,
      actorRole: 'agent',
      action: 'verification.resend',
      target: pending,
      eventSlug: SUMMIT,
      reason: 'caller lost the email',
      ticket: 'SUP-100',
      result: 'ok',
      detail: { template: 'verify_account', forced: false },
    });
    expect(okEntry.requestId).toMatch(/^req_/);
    expect(refusedEntry).toMatchObject({ actor: SAM, target: pending, reason: 'caller asked again', ticket: 'SUP-100', result: 'refused', requestId: refusedRequestId });
    expect(refusedEntry.detail.error).toBe('conflict');
    expect(refusedEntry.requestId).not.toBe(okEntry.requestId);

    expect(items.find((a) => a.action === 'magic_link.create')).toMatchObject({
      actor: SAM,
      target: DEMO_EXAMPLES.personWithOneRegistration,
      eventSlug: LIVE,
      ticket: 'SUP-101',
      result: 'ok',
      detail: { emailed: true },
    });
    expect(items.find((a) => a.action === 'mfa.reset')).toMatchObject({
      actor: 'token:test admin',
      actorRole: 'admin',
      target: twoFactor,
      reason: 'lost phone',
      ticket: 'SUP-102',
      result: 'ok',
      detail: { verification: 'verified by video call', hadMfa: true },
    });

    // The table an agent reads on a terminal says the same.
    const table = await w.t1(['audit', '--user', pending]);
    expect(rows(table.stdout).map((r) => r.slice(1))).toEqual([
      [SAM, 'verification.resend', pending, SUMMIT, 'refused (conflict)', 'SUP-100', 'caller asked again'],
      [SAM, 'verification.resend', pending, SUMMIT, 'ok', 'SUP-100', 'caller lost the email'],
    ]);
  });

  it('records an action refused for lacking the role', async () => {
    const result = await asSam(['--verbose', 'mfa', 'reset', 'priya.sharma@contoso.example', '--verified-by', 'video call', '--ticket', 'SUP-103', '--yes']);
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('admin role');
    const entry = (await audit()).find((a) => a.action === 'mfa.reset' && a.target === 'priya.sharma@contoso.example');
    expect(entry).toMatchObject({ actor: SAM, actorRole: 'agent', target: 'priya.sharma@contoso.example', ticket: 'SUP-103', result: 'refused' });
  });

  it('filters by --since, --user and --agent', async () => {
    const all = await audit();
    expect(all.some((a) => a.target === locked && a.action === 'user.unlock')).toBe(true);
    const recent = await audit(['--since', '7d']);
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.some((a) => a.action === 'user.unlock')).toBe(false);
    for (const entry of recent) expect(Date.parse(entry.at)).toBeGreaterThan(Date.now() - 7 * DAY_MS);
    expect((await audit(['--since', '30d'])).length).toBe(all.length);

    const yuki = await audit(['--user', locked]);
    expect(yuki.map((a) => [a.action, a.target, a.reason])).toEqual([['user.unlock', locked, 'old lock']]);

    const bySam = await audit(['--agent', SAM]);
    expect(bySam.length).toBeGreaterThanOrEqual(3);
    expect(bySam.every((a) => a.actor === SAM)).toBe(true);
    const byAdmin = await audit(['--agent', 'token:test admin']);
    expect(byAdmin.map((a) => a.action)).toEqual(['mfa.reset']);
  });

  it('an organisation that requires a ticket refuses an action without one and accepts it with one', async () => {
    const db = w.platform.platform.ctx.db;
    const person = 'elena.petrova@contoso.example';
    await db.updateTable('organisations').set({ ticket_required: 1 }).where('id', '=', DEMO_ORG_ID).execute();
    try {
      const without = await asSam(['password', 'reset', person, '--send', '--reason', 'forgot it', '--yes']);
      expect(without.exitCode).toBe(2);
      expect(without.stderr).toContain('requires a ticket id');
      expect(await outboxCount(w, person)).toBe(0);

      const withTicket = await asSam(['password', 'reset', person, '--send', '--reason', 'forgot it', '--ticket', 'SUP-200', '--yes']);
      expect(withTicket.exitCode).toBe(0);
      expect((await w.sink.nextMail(person, { after: 0 })).subject).toBe('Reset your password');
    } finally {
      await db.updateTable('organisations').set({ ticket_required: 0 }).where('id', '=', DEMO_ORG_ID).execute();
    }
    const expected = [
      { action: 'password.reset', target: person, result: 'ok', ticket: 'SUP-200', error: null },
      { action: 'password.reset', target: person, result: 'refused', ticket: null, error: 'validation_failed' },
    ];
    const summary = (a: any) => ({ action: a.action, target: a.target, result: a.result, ticket: a.ticket, error: a.detail?.error ?? null });
    expect((await audit()).filter((a) => a.target === person).map(summary)).toEqual(expected);
    // `t1 audit --user` lists the refusal too: it was an action on this person.
    expect((await audit(['--user', person])).map(summary)).toEqual(expected);
  });
});

describe('t1 mail log', () => {
  it('shows each mail with time, template, subject, status and attempts', async () => {
    const person = 'camille.dubois@alpineskihouse.example';
    expect((await w.t1(['verification', 'resend', person, '--event', SUMMIT, '--yes'])).exitCode).toBe(0);
    expect((await w.t1(['password', 'reset', person, '--send', '--yes'])).exitCode).toBe(0);
    await w.sink.nextMail(person, { after: 1 });
    await expect
      .poll(async () => json(await w.t1(['--json', 'mail', 'log', person])).items.map((e: any) => e.status), { timeout: 5_000 })
      .toEqual(['sent', 'sent']);

    const log = json(await w.t1(['--json', 'mail', 'log', person]));
    expect(log.items).toEqual([
      expect.objectContaining({ template: 'password_reset', subject: 'Reset your password', recipient: person, eventSlug: null, status: 'sent', attempts: 1, lastError: null }),
      expect.objectContaining({
        template: 'registration_complete',
        subject: 'Registration complete: Northwind Product Summit 2027',
        eventSlug: SUMMIT,
        status: 'sent',
        attempts: 1,
        lastError: null,
      }),
    ]);
    for (const entry of log.items) expect(Date.parse(entry.sentAt)).toBeGreaterThanOrEqual(Date.parse(entry.createdAt));

    const text = await w.t1(['mail', 'log', person]);
    const [newest, oldest] = rows(text.stdout);
    expect(newest).toEqual([
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/),
      'password_reset',
      'Reset your password',
      '-',
      expect.stringMatching(/^sent \d{4}-\d\d-\d\d \d\d:\d\d UTC$/),
      '1',
      '',
      expect.stringMatching(/^agent /),
    ]);
    expect(oldest!.slice(1, 4)).toEqual(['registration_complete', 'Registration complete: Northwind Product Summit 2027', SUMMIT]);

    const onlySummit = json(await w.t1(['--json', 'mail', 'log', person, '--event', SUMMIT]));
    expect(onlySummit.items.map((e: any) => e.template)).toEqual(['registration_complete']);
  });
});

describe('confirmation', () => {
  const ACTIONS: { name: string; args: string[]; role?: 'admin' }[] = [
    { name: 'verification resend', args: ['verification', 'resend', 'omar.haddad@blueyonderairlines.example', '--event', SUMMIT] },
    { name: 'magic-link create', args: ['magic-link', 'create', 'arjun.patel@litware.example', '--event', LIVE, '--send'] },
    { name: 'set-password-link send', args: ['set-password-link', 'send', DEMO_EXAMPLES.passwordNotSetPerson, '--event', SUMMIT] },
    { name: 'password reset', args: ['password', 'reset', 'noah.williams@relecloud.example', '--send'] },
    { name: 'mfa qr', args: ['mfa', 'qr', 'kenji.watanabe@proseware.example', '--send'] },
    { name: 'mfa reset', args: ['mfa', 'reset', 'zanele.dlamini@northwind.example', '--verified-by', 'video call'], role: 'admin' },
    { name: 'users unlock', args: ['users', 'unlock', 'yuki.sato@proseware.example'] },
  ];

  /** Rows an action would add: mails, links, audit entries. */
  async function footprint() {
    const db = w.platform.platform.ctx.db;
    const count = async (table: 'emails' | 'tokens' | 'audit_log') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return { emails: await count('emails'), tokens: await count('tokens'), audit: await count('audit_log') };
  }

  for (const action of ACTIONS) {
    it(`${action.name}: off a terminal without --yes exits 2 and says to pass --yes`, async () => {
      const before = await footprint();
      const result = await w.t1(action.args, { role: action.role });
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('Confirm with --yes');
      expect(await footprint()).toEqual(before);
    });

    it(`${action.name}: on a terminal, answering no exits 130 and sends nothing`, async () => {
      const before = await footprint();
      const prompter = confirming(false);
      const result = await w.t1(action.args, { role: action.role, tty: true, prompter });
      expect(result.exitCode).toBe(130);
      expect(result.stderr).toContain('Cancelled.');
      expect(prompter.asked).toHaveLength(1);
      expect(prompter.asked[0]).toContain(action.args[2]);
      expect(await footprint()).toEqual(before);
    });
  }

  it('on a terminal, answering yes acts', async () => {
    const person = 'arjun.patel@litware.example';
    const before = w.sink.mailsTo(person).length;
    const prompter = confirming(true);
    const result = await w.t1(['magic-link', 'create', person, '--event', LIVE, '--send'], { tty: true, prompter });
    expect(result.exitCode).toBe(0);
    expect(prompter.asked).toEqual([`Email a login link for ${person} (${LIVE})?`]);
    expect(lines(result.stdout)).toEqual([`Sent the "login link" email to ${person}: queued for delivery.`]);
    expect((await w.sink.nextMail(person, { after: before })).subject).toBe('Your login link for Northwind Customer Day');
  });
});
