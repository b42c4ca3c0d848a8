// Organisation settings: everyone can read them, only admins change them, every change
// is audited, and the ticket rule then applies to support actions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { DEMO_EXAMPLES, DEMO_IDENTITY_CHECKLIST } from '../../src/platform/seed/demo.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform.close();
});

describe('t1 org', () => {
  it('shows the settings to a viewer', async () => {
    const result = await runT1(['org', 'show', '--json'], { env: platform.env('viewer') });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      name: 'Northwind Events',
      mfaPolicy: 'staff',
      ticketRequired: false,
      identityChecklist: DEMO_IDENTITY_CHECKLIST,
    });
  });

  it('refuses an agent, naming the admin role, and audits the refusal', async () => {
    const result = await runT1(['org', 'set', 'ticket-required', 'yes', '--yes'], { env: platform.env('agent') });
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('needs the admin role');
    const audit = JSON.parse((await runT1(['audit', '--json'], { env: platform.env('admin') })).stdout);
    expect(audit.items[0]).toMatchObject({ action: 'organisation.update', result: 'refused' });
  });

  it('rejects a value that is not one of the choices with a usage error', async () => {
    const result = await runT1(['org', 'set', 'mfa-policy', 'sometimes', '--yes'], { env: platform.env('admin') });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('mfa-policy is one of off, staff, everyone');
  });

  it('requires a ticket on support actions once an admin turns the rule on', async () => {
    const set = await runT1(['org', 'set', 'ticket-required', 'yes', '--yes', '--reason', 'audit findings'], { env: platform.env('admin') });
    expect(set.exitCode).toBe(0);
    expect(set.stdout).toContain('Ticket id on support actions\trequired');
    const without = await runT1(['users', 'unlock', DEMO_EXAMPLES.lockedPerson, '--yes'], { env: platform.env('agent') });
    expect(without.exitCode).toBe(2);
    expect(without.stderr).toBe('Error: Northwind Events requires a ticket id on support actions.\nAdd the support ticket id with --ticket <id>.\n');
    const withTicket = await runT1(['users', 'unlock', DEMO_EXAMPLES.lockedPerson, '--yes', '--ticket', 'SUP-77'], { env: platform.env('agent') });
    expect(withTicket.exitCode).toBe(0);
    await runT1(['org', 'set', 'ticket-required', 'no', '--yes', '--ticket', 'SUP-78'], { env: platform.env('admin') });
  });

  it('replaces and clears the identity checklist', async () => {
    const set = await runT1(['org', 'set', 'identity-checklist', 'Caller named their event', 'Caller read back the code', '--yes', '--json'], {
      env: platform.env('admin'),
    });
    expect(JSON.parse(set.stdout).identityChecklist).toEqual(['Caller named their event', 'Caller read back the code']);
    const cleared = await runT1(['org', 'set', 'identity-checklist', 'none', '--yes', '--json'], { env: platform.env('admin') });
    expect(JSON.parse(cleared.stdout).identityChecklist).toEqual([]);
    const reset = await runT1(['mfa', 'reset', DEMO_EXAMPLES.twoFactorPerson, '--yes'], { env: platform.env('admin'), tty: true });
    expect(reset.exitCode).toBe(2);
    expect(reset.stderr).toContain('--verified-by');
  });
});
