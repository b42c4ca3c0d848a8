// What support sees of a person's two-factor methods: `t1 mfa status` lists the
// authenticator app (since when), text messages (the number masked, confirmed when),
// recovery codes left and what is pending (an app link, a phone waiting for its code),
// the same in --json; `t1 mfa reset` removes every method and everything pending; and
// the person's timeline shows each code texted to them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES, DEMO_ORG_ID } from '../../src/platform/seed/demo.ts';
import type { PlatformContext } from '../../src/platform/context.ts';
import { sendSignInCode, startSmsEnrollment, type SmsSubject } from '../../src/platform/services/sms-mfa.ts';
import { json, startActionWorld, type ActionWorld } from '../helpers/action-kit.ts';
import { personRow } from '../helpers/people.ts';
import { capturedCode, enrolPhone as enrol, ukMobile } from '../helpers/sms-enrol.ts';
import { record } from './support.ts';

let w: ActionWorld;
let ctx: PlatformContext;
beforeAll(async () => {
  w = await startActionWorld();
  ctx = w.platform.platform.ctx;
  await ctx.db.updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
});
afterAll(async () => {
  await w?.close();
});

let people = 0;
async function newPerson(): Promise<{ subject: SmsSubject; email: string }> {
  people += 1;
  const id = `usr_mfam${people}${randomBytes(3).toString('hex')}`;
  const email = `mfa.methods${people}.${randomBytes(2).toString('hex')}@contoso.example`;
  await ctx.db.insertInto('users').values(personRow({ id, email, first: 'Method', last: `Person${people}`, org_id: DEMO_ORG_ID })).execute();
  return { subject: { kind: 'user', id, orgId: DEMO_ORG_ID }, email };
}

const enrolPhone = (subject: SmsSubject) => enrol(ctx, subject);

describe('t1 mfa status: the methods', () => {
  it('an app user: app on since, no SMS, recovery codes, nothing pending; --json carries the same', async () => {
    const person = DEMO_EXAMPLES.twoFactorPerson;
    const status = json(await w.t1(['--json', 'mfa', 'status', person]));
    expect(status).toMatchObject({
      email: person,
      enrolled: true,
      methods: { app: { enrolledAt: status.enrolledAt }, sms: null },
      pending: { app: null, sms: null },
      allowedMethods: ['app', 'sms'],
    });
    expect(status.recoveryCodesLeft).toBeGreaterThan(0);
    const shown = record((await w.t1(['mfa', 'status', person])).stdout);
    expect(shown['Authenticator app']).toMatch(/^on since \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(shown['Text messages (SMS)']).toBe('off');
    expect(shown['Pending phone']).toBe('none');
  });

  it('an SMS user: the number only masked, when it was confirmed; a phone being changed shows as pending', async () => {
    const { subject, email } = await newPerson();
    const phone = await enrolPhone(subject);
    const status = json(await w.t1(['--json', 'mfa', 'status', email]));
    expect(status.enrolled).toBe(true);
    expect(status.methods.app).toBeNull();
    expect(status.methods.sms).toEqual({ maskedPhone: expect.stringMatching(/^\+44 .*\d{3}$/), confirmedAt: expect.any(String) });
    const digits = phone.replace(/\D/g, '');
    const out = await w.t1(['mfa', 'status', email]);
    // The whole number never reaches the agent, in JSON or on screen.
    for (const text of [JSON.stringify(status), out.stdout]) {
      expect(text.replace(/\D/g, '')).not.toContain(digits.slice(2));
    }
    const shown = record(out.stdout);
    expect(shown['Text messages (SMS)']).toBe(`${status.methods.sms.maskedPhone}, confirmed ${status.methods.sms.confirmedAt.slice(0, 10)} ${status.methods.sms.confirmedAt.slice(11, 16)} UTC`);
    expect(shown['Authenticator app']).toBe('off');

    // A new number with its code not entered yet: pending, the confirmed one still on.
    await ctx.db.transaction().execute((trx) => startSmsEnrollment(trx, ctx, subject, ukMobile()));
    const changing = json(await w.t1(['--json', 'mfa', 'status', email]));
    expect(changing.methods.sms.maskedPhone).toBe(status.methods.sms.maskedPhone);
    expect(changing.pending.sms).toEqual({ maskedPhone: expect.stringMatching(/^\+44 /), expiresAt: expect.any(String) });
    expect(new Date(changing.pending.sms.expiresAt).getTime() - ctx.clock.now().getTime()).toBeLessThanOrEqual(5 * 60_000);
    expect(record((await w.t1(['mfa', 'status', email])).stdout)['Pending phone']).toMatch(/^\+44 .*, code expires \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  });

  it('a pending app link shows in both the old field and pending.app', async () => {
    const { email } = await newPerson();
    expect((await w.t1(['mfa', 'qr', email, '--send', '--yes'])).exitCode).toBe(0);
    const status = json(await w.t1(['--json', 'mfa', 'status', email]));
    expect(status.enrolled).toBe(false);
    expect(status.pending.app).toEqual(status.pendingEnrollment);
    expect(status.pending.app).toEqual({ createdAt: expect.any(String), expiresAt: expect.any(String) });
  });

  it('an organisation without SMS says so', async () => {
    await ctx.db.updateTable('organisations').set({ mfa_methods: 'app' }).where('id', '=', DEMO_ORG_ID).execute();
    try {
      const { email } = await newPerson();
      expect(json(await w.t1(['--json', 'mfa', 'status', email])).allowedMethods).toEqual(['app']);
      expect(record((await w.t1(['mfa', 'status', email])).stdout)['Text messages (SMS)']).toBe('off (not allowed by the organisation)');
    } finally {
      await ctx.db.updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
    }
  });
});

describe('t1 mfa reset removes every method', () => {
  it('SMS, recovery codes, a pending phone and a pending app link all go; audited; the person is told', async () => {
    const { subject, email } = await newPerson();
    await enrolPhone(subject);
    await ctx.db
      .insertInto('recovery_codes')
      .values({ id: `rc_${randomBytes(6).toString('hex')}`, user_id: subject.id, staff_id: null, hash: randomBytes(16).toString('hex'), used_at: null, created_at: ctx.clock.now().toISOString() })
      .execute();
    await ctx.db.transaction().execute((trx) => startSmsEnrollment(trx, ctx, subject, ukMobile()));
    expect((await w.t1(['mfa', 'qr', email, '--send', '--yes'])).exitCode).toBe(0);
    const before = json(await w.t1(['--json', 'mfa', 'status', email]));
    expect(before).toMatchObject({ enrolled: true, recoveryCodesLeft: 1, pending: { app: expect.any(Object), sms: expect.any(Object) } });

    const reset = await w.t1(['mfa', 'reset', email, '--verified-by', 'video call with ID', '--ticket', 'SUP-77', '--yes'], { role: 'admin' });
    expect(reset.exitCode, reset.stderr).toBe(0);
    expect(reset.stdout).toContain(`Removed 2FA from ${email}.`);

    const after = json(await w.t1(['--json', 'mfa', 'status', email]));
    expect(after).toMatchObject({
      enrolled: false,
      enrolledAt: null,
      recoveryCodesLeft: 0,
      pendingEnrollment: null,
      methods: { app: null, sms: null },
      pending: { app: null, sms: null },
    });
    const db = ctx.db;
    expect(await db.selectFrom('sms_phones').select('id').where('user_id', '=', subject.id).execute()).toEqual([]);
    expect(await db.selectFrom('sms_codes').select('id').where('user_id', '=', subject.id).execute()).toEqual([]);
    expect(await db.selectFrom('recovery_codes').select('id').where('user_id', '=', subject.id).execute()).toEqual([]);
    // A text not sent yet is not sent any more.
    const unsent = await db.selectFrom('sms_messages').select('status').where('user_id', '=', subject.id).where('status', '=', 'queued').execute();
    expect(unsent).toEqual([]);

    const audit = json(await w.t1(['--json', 'audit', '--user', email], { role: 'admin' })).items as any[];
    expect(audit[0]).toMatchObject({ action: 'mfa.reset', result: 'ok', ticket: 'SUP-77' });
  });

  it('a person with no method (only a phone waiting for its code): nothing to remove, nobody told; the phone goes', async () => {
    const { subject, email } = await newPerson();
    await ctx.db.transaction().execute((trx) => startSmsEnrollment(trx, ctx, subject, ukMobile()));
    const reset = await w.t1(['mfa', 'reset', email, '--verified-by', 'video call with ID', '--yes'], { role: 'admin' });
    expect(reset.exitCode).toBe(0);
    expect(reset.stdout).toBe(`${email} had no 2FA enrolled; nothing was removed.\n`);
    expect(json(await w.t1(['--json', 'mfa', 'status', email])).pending.sms).toBeNull();
  });
});

describe('the timeline shows the codes texted to the person', () => {
  it('each text with its purpose, masked number and delivery; in the mfa group; never the code or the number', async () => {
    const { subject, email } = await newPerson();
    const phone = await enrolPhone(subject);
    await ctx.db.transaction().execute((trx) => sendSignInCode(trx, ctx, subject));
    const code = await capturedCode(ctx.db, ctx, subject.id);

    const entries = json(await w.t1(['--json', 'users', 'timeline', email, '--kind', 'mfa'])).items as any[];
    const texts = entries.filter((e) => e.kind === 'mfa.code_texted');
    expect(texts.map((e) => [e.detail.purpose, e.detail.status])).toEqual([
      ['sign_in', 'captured'],
      ['enroll', 'captured'],
    ]);
    expect(texts[0].detail.maskedPhone).toMatch(/^\+44 /);

    const shown = await w.t1(['users', 'timeline', email]);
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Sign-in code texted to ${texts[0].detail.maskedPhone}: captured, never sent (the platform has no SMS gateway)`);
    expect(shown.stdout).toContain('Phone setup code texted to');
    for (const text of [shown.stdout, JSON.stringify(entries)]) {
      expect(text).not.toContain(code);
      expect(text.replace(/\D/g, '')).not.toContain(phone.replace(/\D/g, '').slice(2));
    }
    // Texts belong to no event; other groups leave them out.
    expect((json(await w.t1(['--json', 'users', 'timeline', email, '--kind', 'sign_in'])).items as any[]).some((e) => e.kind === 'mfa.code_texted')).toBe(false);
  });
});

