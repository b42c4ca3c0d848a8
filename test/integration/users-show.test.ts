import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { lines, record, rows, userId, utcMinute } from './support.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform.close();
});

const show = (args: string[], options: { tty?: boolean } = {}) =>
  runT1(['users', 'show', ...args], { env: platform.env(), ...options });

async function stored(email: string) {
  return platform.platform.ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
}

describe('t1 users show', () => {
  it('prints the profile, account state and registrations', async () => {
    const user = await stored(DEMO_EXAMPLES.twoFactorPerson);
    const result = await show([DEMO_EXAMPLES.twoFactorPerson]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(record(result.stdout)).toEqual({
      Name: 'Hiroshi Tanaka',
      Email: 'hiroshi.tanaka@contoso.example',
      Id: user.id,
      Company: 'Contoso',
      'Job title': 'Engineering Manager',
      Country: 'Japan',
      'Email verified': utcMinute(user.email_verified_at!),
      'Password set': 'yes',
      '2FA': `enrolled ${utcMinute(user.mfa_confirmed_at!)}`,
      'Sign-in': 'not locked',
      'Failed sign-ins': '0',
      Blocked: 'no',
      Created: utcMinute(user.created_at),
    });
    // After a blank line: event, role, type, status/stage, registered at.
    const out = lines(result.stdout);
    const table = rows(out.slice(out.indexOf('') + 1).join('\n'));
    expect(table.map((r) => r.slice(0, 4))).toEqual([
      ['partner-kickoff-2026', 'attendee', 'registration', 'attended/joined'],
      ['customer-day-live', 'attendee', 'registration', 'registered/verified'],
      ['product-summit-2027', 'attendee', 'registration', 'registered/verified'],
    ]);
    for (const row of table) expect(row[4]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
  });

  it('shows a locked account as LOCKED with the time the lock ends', async () => {
    const user = await stored(DEMO_EXAMPLES.lockedPerson);
    const result = await show([DEMO_EXAMPLES.lockedPerson]);
    expect(result.exitCode).toBe(0);
    const fields = record(result.stdout);
    expect(fields['Sign-in']).toBe(`LOCKED until ${utcMinute(user.locked_until!)}`);
    expect(fields['Failed sign-ins']).toBe('10');
    expect(fields['2FA']).toBe('not enrolled');
  });

  it('shows a blocked account as blocked', async () => {
    const result = await show([DEMO_EXAMPLES.blockedPerson]);
    expect(record(result.stdout).Blocked).toBe('yes');
  });

  it('shows a person without a password as such', async () => {
    const fields = record((await show([DEMO_EXAMPLES.passwordNotSetPerson])).stdout);
    expect(fields['Password set']).toBe('no');
    expect(fields['Email verified']).toBe('no');
  });

  it('looks a person up by user id', async () => {
    const id = await userId(platform.platform.ctx.db, DEMO_EXAMPLES.personWithOneRegistration);
    const result = await show([id]);
    expect(result.exitCode).toBe(0);
    expect(record(result.stdout).Email).toBe(DEMO_EXAMPLES.personWithOneRegistration);
    expect(record(result.stdout).Id).toBe(id);
  });

  it('looks a person up by email in any case', async () => {
    const result = await show(['Ngozi.Okafor@LITWARE.example']);
    expect(result.exitCode).toBe(0);
    expect(record(result.stdout).Email).toBe('ngozi.okafor@litware.example');
  });

  it('--json prints the person with account and registrations', async () => {
    const user = await stored(DEMO_EXAMPLES.lockedPerson);
    const result = await show([DEMO_EXAMPLES.lockedPerson, '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout) as Record<string, any>;
    expect(Object.keys(body).sort()).toEqual(
      ['account', 'company', 'country', 'createdAt', 'email', 'firstName', 'fullName', 'id', 'jobTitle', 'lastName', 'registrations', 'updatedAt'].sort(),
    );
    expect(body).toMatchObject({ id: user.id, email: DEMO_EXAMPLES.lockedPerson, firstName: 'Yuki', lastName: 'Sato', fullName: 'Yuki Sato' });
    expect(body.account).toEqual({
      passwordSet: true,
      emailVerifiedAt: user.email_verified_at,
      locked: true,
      lockedUntil: user.locked_until,
      failedSignIns: 10,
      blocked: false,
      mfaEnrolled: false,
      mfaEnrolledAt: null,
    });
    expect(body.registrations).toHaveLength(1);
    expect(body.registrations[0]).toMatchObject({
      eventSlug: 'product-summit-2027',
      eventTitle: 'Northwind Product Summit 2027',
      role: 'attendee',
      type: 'registration',
      status: 'registered',
      stage: 'verified',
    });
  });

  it('prints an aligned record and a boxed table on a terminal', async () => {
    const result = await show([DEMO_EXAMPLES.lockedPerson], { tty: true });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Sign-in +LOCKED until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/m);
    expect(result.stdout).toMatch(/│ Event +│ Role +│ Type +│ Status +│ Registered +│/);
  });

  it('an unknown person is "not found" (exit 3) with a clear message', async () => {
    const result = await show(['nobody@nowhere.example']);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('Error: No person matches "nobody@nowhere.example".\nSearch by part of the name or email: t1 users find <text>\n');
  });

  it('an unknown user id is "not found" (exit 3)', async () => {
    const result = await show(['usr_doesnotexist']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe('Error: No person matches "usr_doesnotexist".\nSearch by part of the name or email: t1 users find <text>\n');
  });

  it('a missing argument is a usage error (exit 2)', async () => {
    const result = await show([]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("missing required argument 'person'");
  });
});
