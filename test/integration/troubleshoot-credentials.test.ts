// The "credentials are incorrect" runbook, on a person the demo left locked after ten
// wrong passwords and on people whose failures the test makes through the sign-in page:
// run without prompts (--no-input --json) and as a wizard whose fix is then carried out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { json, signIn, startActionWorld, type ActionWorld } from '../helpers/action-kit.ts';
import { scriptedPrompter } from '../helpers/scripted-prompter.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming;
let world: ActionWorld;
beforeAll(async () => {
  world = await startActionWorld();
});
afterAll(async () => {
  await world?.close();
});

const troubleshoot = (email: string, extra: string[] = []) =>
  world.t1(['troubleshoot', 'credentials-incorrect', '--email', email, '--event', SUMMIT, '--no-input', '--json', ...extra]);

describe('troubleshoot credentials-incorrect', () => {
  it('names the lock and offers the unlock, without prompts', async () => {
    const report = json(await troubleshoot(DEMO_EXAMPLES.lockedPerson));
    expect(report.findings.map((f: { check: string; verdict: string }) => [f.check, f.verdict])).toEqual([
      ['registration', 'ok'],
      ['sign-in', 'fail'],
    ]);
    expect(report.outcome.explain).toMatch(/locked/);
    expect(report.outcome.fixes[0].argv).toEqual(['users', 'unlock', DEMO_EXAMPLES.lockedPerson]);
  });

  it('tells a wrong password from an address with no account, from the log', async () => {
    const browser = world.browser();
    const person = 'tomas.silva@contoso.example';
    expect((await signIn(browser, SUMMIT, person, 'not-the-password-1')).status).toBe(401);
    const wrong = json(await troubleshoot(person));
    expect(wrong.findings[1].summary).toMatch(/wrong password/);
    expect(wrong.outcome.fixes.map((f: { argv: string[] }) => f.argv[0])).toEqual(['password']);

    expect((await signIn(browser, SUMMIT, 'nobody.here@contoso.example', 'whatever-123')).status).toBe(401);
    const unknown = json(await troubleshoot('nobody.here@contoso.example'));
    expect(unknown.outcome.explain).toMatch(/No account has nobody\.here@contoso\.example/);
    expect(unknown.outcome.fixes).toEqual([]);
  });

  it('runs as a wizard: picks the topic by what the caller says, then unlocks with the ticket', async () => {
    const prompter = scriptedPrompter([
      { search: 'credentials incorrect', pick: 'credentials-incorrect' },
      { input: DEMO_EXAMPLES.lockedPerson },
      { input: SUMMIT },
      { select: /^Run: Unlock/ },
      { input: 'SUP-4242' },
      { confirm: true },
      { select: 'stop' },
    ]);
    const result = await world.t1(['troubleshoot'], { tty: true, prompter });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('✗ The account is locked');
    expect(result.stdout).toContain('Tell the caller:');
    expect(prompter.left()).toBe(0);
    const audit = json(await world.t1(['audit', '--user', DEMO_EXAMPLES.lockedPerson, '--json']));
    expect(audit.items[0]).toMatchObject({ action: 'user.unlock', ticket: 'SUP-4242', reason: 'troubleshoot: "The credentials provided are incorrect" at sign-in', result: 'ok' });
    const after = json(await troubleshoot(DEMO_EXAMPLES.lockedPerson));
    expect(after.findings[1].verdict).not.toBe('fail');
  });

  it('ends with the escalation packet when the agent escalates, naming what was tried', async () => {
    const person = 'tomas.silva@contoso.example';
    const prompter = scriptedPrompter([
      { select: /^Run: Email a password reset link/ },
      { input: 'SUP-5151' },
      { confirm: true },
      { select: 'escalate' },
    ]);
    const result = await world.t1(['troubleshoot', 'credentials-incorrect', '--email', person, '--event', SUMMIT], { tty: true, prompter });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(prompter.left()).toBe(0);
    expect(result.stdout).toContain('SUP-5151');
    expect(result.stdout).toContain('credentials-incorrect');
    expect(result.stdout).toMatch(/Tried from the wizard: t1 password reset/);
    await world.sink.nextMail(person);
  });

  it('is a usage error without the email off a terminal, and a clear not-found for an unknown topic', async () => {
    const missing = await world.t1(['troubleshoot', 'credentials-incorrect', '--event', SUMMIT, '--no-input']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('--email');
    const unknown = await world.t1(['troubleshoot', 'credential-incorect', '--no-input']);
    expect(unknown.exitCode).toBe(3);
    expect(unknown.stderr).toContain('credentials-incorrect');
  });
});
