import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { personRow } from '../helpers/people.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { DEMO_EXAMPLES, DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import type { Prompter } from '../../src/cli/prompter.ts';
import { lines, record, rows } from './support.ts';

const LONELY = 'no.registrations@contoso.example';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
  await platform.platform.ctx.db
    .insertInto('users')
    .values(personRow({ id: 'usr_lonely', email: LONELY, first: 'Lone', last: 'Person' }))
    .execute();
});
afterAll(async () => {
  await platform.close();
});

const status = (args: string[], options: { tty?: boolean; prompter?: Prompter } = {}) =>
  runT1(['status', ...args], {
    env: platform.env(),
    tty: options.tty,
    overrides: options.prompter ? { prompter: options.prompter } : {},
  });

/** A prompter that answers select() with `slug` and records what it was asked. */
function choosing(slug: string) {
  const asked: { message: string; values: string[] }[] = [];
  const refuse = async (): Promise<never> => {
    throw new Error('unexpected prompt');
  };
  const prompter: Prompter = {
    input: refuse,
    password: refuse,
    search: refuse,
    confirm: refuse,
    async select<T extends string>(message: string, choices: { name: string; value: T }[]): Promise<T> {
      asked.push({ message, values: choices.map((c) => c.value) });
      const choice = choices.find((c) => c.value === slug);
      if (!choice) throw new Error(`no choice ${slug}`);
      return choice.value;
    },
  };
  return { prompter, asked };
}

describe('t1 status', () => {
  it('explains the only registration: status, stage, meaning and next step', async () => {
    const result = await status([DEMO_EXAMPLES.personWithOneRegistration]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const fields = record(result.stdout);
    expect(fields.Person).toBe('Ngozi Okafor <ngozi.okafor@litware.example>');
    expect(fields.Event).toMatch(
      /^Northwind Customer Day \(customer-day-live\), live, starts \d{4}-\d{2}-\d{2} \d{2}:\d{2} Europe\/London$/,
    );
    expect(fields.Status).toBe('Registered: registered, login link sent');
    expect(fields.Stage).toBe('registered/login_link_sent');
    expect(fields.Role).toBe('attendee (registration)');
    const out = lines(result.stdout);
    expect(out).toContain(
      'The person registered on an event that uses login links. A login link was emailed; they have not used one yet.',
    );
    expect(out.slice(-2)).toEqual([
      'Next step: If the link expired or was already used, send a new one; each link works once.',
      '  $ t1 magic-link create ngozi.okafor@litware.example --event customer-day-live --send',
    ]);
  });

  it('--event picks one of several registrations', async () => {
    const result = await status([DEMO_EXAMPLES.personWithSeveralRegistrations, '--event', DEMO_EVENT_SLUGS.upcoming]);
    expect(result.exitCode).toBe(0);
    const fields = record(result.stdout);
    expect(fields.Event).toMatch(/^Northwind Product Summit 2027 \(product-summit-2027\), upcoming, starts /);
    expect(fields.Status).toBe('Registered: registration complete');
    expect(fields.Stage).toBe('registered/verified');
    expect(fields.Role).toBe('speaker (invite)');
    const out = lines(result.stdout);
    expect(out).toContain(
      'Next step: If they cannot get in, check the account for a lock, then send a login link or start a password reset.',
    );
    expect(out.slice(-3)).toEqual([
      '  $ t1 users show priya.sharma@contoso.example',
      '  $ t1 magic-link create priya.sharma@contoso.example --event product-summit-2027 --send',
      '  $ t1 password reset priya.sharma@contoso.example --send',
    ]);
  });

  it('--event takes another event of the same person', async () => {
    const result = await status([DEMO_EXAMPLES.personWithSeveralRegistrations, '--event', DEMO_EVENT_SLUGS.ended]);
    expect(record(result.stdout).Stage).toBe('attended/joined');
    expect(record(result.stdout).Event).toMatch(/\(partner-kickoff-2026\), ended, /);
  });

  it('several registrations, no --event, off a terminal: lists them and asks for --event on stderr', async () => {
    const result = await status([DEMO_EXAMPLES.personWithSeveralRegistrations]);
    expect(result.exitCode).toBe(0);
    expect(rows(result.stdout)).toEqual([
      ['partner-kickoff-2026', 'Northwind Partner Kickoff 2026', 'attendee', 'attended/joined'],
      ['customer-day-live', 'Northwind Customer Day', 'attendee', 'attended/joined'],
      ['product-summit-2027', 'Northwind Product Summit 2027', 'speaker', 'registered/verified'],
    ]);
    expect(result.stderr).toBe('priya.sharma@contoso.example has 3 registrations; name one with --event <slug>.\n');
  });

  it('several registrations on a terminal with --no-input: lists them instead of asking', async () => {
    const { prompter, asked } = choosing(DEMO_EVENT_SLUGS.live);
    const result = await status([DEMO_EXAMPLES.personWithSeveralRegistrations, '--no-input'], { tty: true, prompter });
    expect(result.exitCode).toBe(0);
    expect(asked).toEqual([]);
    expect(result.stderr).toContain('name one with --event <slug>');
  });

  it('several registrations on a terminal: asks which event and shows that one', async () => {
    const { prompter, asked } = choosing(DEMO_EVENT_SLUGS.live);
    const result = await status([DEMO_EXAMPLES.personWithSeveralRegistrations], { tty: true, prompter });
    expect(result.exitCode).toBe(0);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.values).toEqual(['partner-kickoff-2026', 'customer-day-live', 'product-summit-2027']);
    expect(asked[0]!.message).toContain('priya.sharma@contoso.example has 3 registrations');
    expect(result.stdout).toMatch(/^Event +Northwind Customer Day \(customer-day-live\), live, starts /m);
    expect(result.stdout).toMatch(/^Stage +attended\/joined$/m);
    expect(result.stdout).toContain('Next step: Nothing is pending on the registration.');
  });

  it('a person not registered for the named event is "not found" (exit 3)', async () => {
    const result = await status([DEMO_EXAMPLES.personWithOneRegistration, '--event', DEMO_EVENT_SLUGS.upcoming]);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe("Error: ngozi.okafor@litware.example is not registered for product-summit-2027.\nSee the person's registrations: t1 users show <email>\n");
  });

  it('an unknown event is "not found" (exit 3)', async () => {
    const result = await status([DEMO_EXAMPLES.personWithOneRegistration, '--event', 'no-such-event']);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('Error: No event matches "no-such-event".\nSee the events: t1 events list\n');
  });

  it('an unknown person is "not found" (exit 3)', async () => {
    const result = await status(['nobody@nowhere.example']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe('Error: No person matches "nobody@nowhere.example".\nSearch by part of the name or email: t1 users find <text>\n');
  });

  it('a person without registrations is "not found" (exit 3)', async () => {
    const result = await status([LONELY]);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)[0]).toBe(`Error: ${LONELY} has no registrations.`);
  });

  it('--json prints the status view as JSON only', async () => {
    const result = await status([DEMO_EXAMPLES.pendingVerificationPerson, '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout) as Record<string, any>;
    expect(body.kind).toBe('status');
    expect(body.user).toMatchObject({ email: DEMO_EXAMPLES.pendingVerificationPerson, fullName: 'Priya Natarajan' });
    expect(body.event).toMatchObject({ slug: 'product-summit-2027', phase: 'upcoming', loginMethod: 'password' });
    expect(body.registration).toMatchObject({ status: 'registered', stage: 'pending_verification', eventSlug: 'product-summit-2027' });
    expect(body.explanation).toMatchObject({ statusLabel: 'Registered', label: 'waiting for email verification' });
    expect(body.explanation.nextStep).toContain('Resend the verification email');
    expect(body.warnings).toEqual([]);
    expect(body.account.locked).toBe(false);
  });

  it('--json with several registrations and no --event prints the choices', async () => {
    const result = await status([DEMO_EXAMPLES.personWithSeveralRegistrations, '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout) as { kind: string; email: string; registrations: { eventSlug: string }[] };
    expect(body.kind).toBe('choose');
    expect(body.email).toBe(DEMO_EXAMPLES.personWithSeveralRegistrations);
    expect(body.registrations.map((r) => r.eventSlug)).toEqual(['partner-kickoff-2026', 'customer-day-live', 'product-summit-2027']);
  });

  it('warns that a locked person cannot sign in', async () => {
    const result = await status([DEMO_EXAMPLES.lockedPerson]);
    expect(result.exitCode).toBe(0);
    const warnings = lines(result.stdout).filter((line) => line.startsWith('! '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^! Sign-in is locked after repeated failures until /);

    const json = JSON.parse((await status([DEMO_EXAMPLES.lockedPerson, '--json'])).stdout) as Record<string, any>;
    expect(json.account.locked).toBe(true);
    expect(json.warnings).toHaveLength(1);
    expect(json.warnings[0]).toContain('locked');
  });

  it('warns that a blocked person cannot sign in anywhere', async () => {
    const result = await status([DEMO_EXAMPLES.blockedPerson]);
    expect(result.exitCode).toBe(0);
    expect(record(result.stdout).Stage).toBe('blocked/blocked_by_organizer');
    expect(lines(result.stdout)).toContain('! The account is blocked on the platform; the person cannot sign in anywhere.');
  });
});
