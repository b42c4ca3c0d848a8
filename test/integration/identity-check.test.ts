// Identity checks before a 2FA removal, through the real flows: the code reaches the
// person by SMTP, wrong codes are counted in the database (even twenty at once get only
// five comparisons), the right code passes once and lets an admin remove 2FA for 30
// minutes, an expired code is refused, and the code is stored nowhere in plain text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { json, startActionWorld, testClock, type ActionWorld } from '../helpers/action-kit.ts';

const clock = testClock();
let world: ActionWorld;
const seenCodes: string[] = [];

beforeAll(async () => {
  world = await startActionWorld({ clock });
});
afterAll(async () => {
  await world?.close();
});

/** Sends a code with t1 (as an agent) and returns the code from the email the person got. */
async function sendCode(email: string): Promise<string> {
  const before = world.sink.mailsTo(email).length;
  const sent = json(await world.t1(['--json', 'identity', 'send-code', email, '--yes', '--ticket', 'SUP-77']));
  expect(sent.email).toMatchObject({ template: 'identity_code', recipient: email, delivery: 'queued' });
  expect(JSON.stringify(sent)).not.toMatch(/\b\d{6}\b/);
  const mail = await world.sink.nextMail(email, { after: before });
  expect(mail.subject).toBe('Your verification code');
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
  expect(code, mail.text).toBeDefined();
  seenCodes.push(code!);
  return code!;
}

const wrongFor = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function apiCheck(email: string, code: string) {
  const response = await fetch(`${world.url}/v1/users/${encodeURIComponent(email)}/identity-checks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${world.platform.tokens.agent}`, 'content-type': 'application/json' },
    body: JSON.stringify({ code, reason: 'parallel test' }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function auditOf(email: string) {
  return json(await world.t1(['--json', 'audit', '--user', email, '--limit', '200'], { role: 'admin' })).items as any[];
}

describe('t1 identity send-code / check', () => {
  const person = DEMO_EXAMPLES.twoFactorPerson;

  it('refuses a viewer, and tells an agent to send a code first', async () => {
    const viewer = await world.t1(['identity', 'send-code', person, '--yes'], { role: 'viewer' });
    expect(viewer.exitCode).toBe(4);
    const none = await world.t1(['identity', 'check', person, '123456']);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/No code was sent/);
  });

  it('kills the code after five wrong tries, and the right code then fails too', async () => {
    const code = await sendCode(person);
    const wrong = wrongFor(code);
    for (let left = 4; left >= 1; left--) {
      const result = await world.t1(['identity', 'check', person, wrong]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(`${left} ${left === 1 ? 'try' : 'tries'} left`);
    }
    const last = await world.t1(['identity', 'check', person, wrong]);
    expect(last.stderr).toMatch(/last try/);
    const right = await world.t1(['identity', 'check', person, code]);
    expect(right.exitCode).toBe(1);
    expect(right.stderr).toMatch(/no longer works/);
    const checks = (await auditOf(person)).filter((e) => e.action === 'identity.check');
    expect(checks.slice(0, 6).map((e) => e.result)).toEqual(Array(6).fill('refused'));
  });

  it('compares at most five of twenty parallel wrong tries', async () => {
    const code = await sendCode(person);
    const results = await Promise.all(Array.from({ length: 20 }, () => apiCheck(person, wrongFor(code))));
    const reasons = results.map((r) => r.body.error?.details?.reason);
    expect(results.every((r) => r.status === 409)).toBe(true);
    expect(reasons.filter((r) => r === 'wrong_code')).toHaveLength(5);
    expect(reasons.filter((r) => r === 'code_dead')).toHaveLength(15);
    expect((await apiCheck(person, code)).body.error.details.reason).toBe('code_dead');
  });

  it('passes the right code once, with spaces as read aloud, and a new code replaces the older', async () => {
    const older = await sendCode(person);
    const code = await sendCode(person);
    if (older !== code) expect((await world.t1(['identity', 'check', person, older])).exitCode).toBe(1);
    const ok = await world.t1(['identity', 'check', person, `${code.slice(0, 3)} ${code.slice(3)}`, '--ticket', 'SUP-77']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('The code is right');
    const again = await world.t1(['identity', 'check', person, code]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/already confirmed/);
    const entry = (await auditOf(person)).find((e) => e.action === 'identity.check' && e.result === 'ok');
    expect(entry).toMatchObject({ ticket: 'SUP-77', detail: { verified: true } });
  });

  it('lets an admin remove 2FA with the fresh check, and says so in the audit log', async () => {
    expect(json(await world.t1(['--json', 'mfa', 'status', person])).enrolled).toBe(true);
    const agent = await world.t1(['mfa', 'reset', person, '--identity-check', '--yes']);
    expect(agent.exitCode).toBe(4);
    const reset = json(await world.t1(['--json', 'mfa', 'reset', person, '--identity-check', '--yes', '--ticket', 'SUP-77'], { role: 'admin' }));
    expect(reset).toMatchObject({ email: person, removed: true });
    expect(json(await world.t1(['--json', 'mfa', 'status', person])).enrolled).toBe(false);
    const entry = (await auditOf(person)).find((e) => e.action === 'mfa.reset' && e.result === 'ok');
    expect(entry.detail).toMatchObject({ evidence: 'identity_check', hadMfa: true });
    expect(entry.detail.verification).toMatch(/read back the emailed code/);
  });

  it('refuses --identity-check without a fresh check, and an expired code', async () => {
    const other = DEMO_EXAMPLES.personWithSeveralRegistrations;
    const none = await world.t1(['mfa', 'reset', other, '--identity-check', '--yes'], { role: 'admin' });
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/No identity check in the last 30 minutes/);

    const code = await sendCode(other);
    clock.advance(11 * 60_000);
    const late = await world.t1(['identity', 'check', other, code]);
    expect(late.exitCode).toBe(1);
    expect(late.stderr).toMatch(/expired/);

    const fresh = await sendCode(other);
    expect((await world.t1(['identity', 'check', other, fresh])).exitCode).toBe(0);
    clock.advance(31 * 60_000);
    const stale = await world.t1(['mfa', 'reset', other, '--identity-check', '--yes'], { role: 'admin' });
    expect(stale.exitCode).toBe(1);
    expect(json(await world.t1(['--json', 'mfa', 'status', other])).enrolled).toBe(true);
  });

  it('keeps no code in plain text: tokens, audit, activity, emails, keys and counters', async () => {
    expect(seenCodes.length).toBeGreaterThanOrEqual(6);
    const db = world.platform.platform.ctx.db;
    const tables = ['tokens', 'audit_log', 'activity', 'emails', 'idempotency_keys', 'rate_limits'] as const;
    for (const table of tables) {
      const dump = JSON.stringify(await db.selectFrom(table).selectAll().execute());
      for (const code of seenCodes) expect(dump.includes(code), `${table} holds ${code}`).toBe(false);
    }
    const stored = await db.selectFrom('tokens').selectAll().where('kind', '=', 'identity_code').execute();
    expect(stored.length).toBe(seenCodes.length);
    expect(stored.every((t) => /^[0-9a-f]{64}$/.test(t.hash) && t.payload_sealed !== null)).toBe(true);
  });
});
