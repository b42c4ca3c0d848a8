// Guidance that matches the person's situation: a complete registration explained as it
// stands (live event, lock), the lock time in words, and a reset tied to no event held to
// the strictest password rule among the person's events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { json, startActionWorld, type ActionWorld } from '../helpers/action-kit.ts';

let world: ActionWorld;
beforeAll(async () => {
  world = await startActionWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('status of a complete registration', () => {
  it('does not promise a "coming soon" page for a live event', async () => {
    const db = world.platform.platform.ctx.db;
    const live = await db.selectFrom('events').select('id').where('slug', '=', DEMO_EVENT_SLUGS.live).executeTakeFirstOrThrow();
    const person = await db
      .selectFrom('registrations')
      .innerJoin('users', 'users.id', 'registrations.user_id')
      .select('users.email')
      .where('registrations.event_id', '=', live.id)
      .where('registrations.stage', '=', 'verified')
      .where('users.locked_until', 'is', null)
      .executeTakeFirstOrThrow();
    const view = json(await world.t1(['status', person.email, '--event', DEMO_EVENT_SLUGS.live, '--json']));
    expect(view.explanation.meaning).toContain('The event is live');
    expect(view.explanation.meaning).not.toContain('coming soon');
    expect(view.explanation.meaning).toContain('The person can sign in.');
  });

  it('says a locked person cannot get in, with the lock time in words', async () => {
    const view = json(await world.t1(['status', DEMO_EXAMPLES.lockedPerson, '--json']));
    expect(view.explanation.meaning).not.toContain('The person can sign in');
    expect(view.explanation.meaning).toContain('locked');
    const lock = view.warnings.find((w: string) => w.startsWith('Sign-in is locked'));
    expect(lock).toMatch(/until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC;/);
  });
});

describe('a password reset without --event', () => {
  it("holds the new password to the strictest rule of the person's events", async () => {
    const db = world.platform.platform.ctx.db;
    const email = DEMO_EXAMPLES.personWithSeveralRegistrations;
    await db.updateTable('events').set({ password_min_length: 14 }).where('slug', '=', DEMO_EVENT_SLUGS.upcoming).execute();
    const result = await world.t1(['password', 'reset', email, '--send', '--yes']);
    expect(result.exitCode, result.stderr).toBe(0);
    const mail = await world.sink.nextMail(email);
    const browser = world.browser();
    const page = await browser.get(mail.links.find((l) => l.includes('/reset-password/'))!);
    expect(page.body).toContain('Use at least 14 characters');
    const refused = await browser.submit(page, { password: 'Twelve-chars', confirmation: 'Twelve-chars' });
    expect(refused.status).toBe(422);
    expect(refused.body).toContain('Use at least 14 characters.');
  });
});

describe('next steps on a terminal', () => {
  it('users show points a locked person to the unlock, and mfa status to what the 2FA state calls for', async () => {
    const show = await world.t1(['users', 'show', DEMO_EXAMPLES.lockedPerson], { tty: true });
    expect(show.stderr).toContain(`Next: sign-in is locked: t1 users unlock ${DEMO_EXAMPLES.lockedPerson}`);
    const mfa = await world.t1(['mfa', 'status', DEMO_EXAMPLES.twoFactorPerson], { tty: true });
    expect(mfa.stderr).toMatch(/Next: .*recovery code/);
    const piped = await world.t1(['users', 'show', DEMO_EXAMPLES.lockedPerson]);
    expect(piped.stderr).toBe('');
  });

  it('mail log says what to do about the newest email', async () => {
    const person = DEMO_EXAMPLES.pendingVerificationPerson;
    expect((await world.t1(['verification', 'resend', person, '--event', DEMO_EVENT_SLUGS.upcoming, '--yes', '--force'])).exitCode).toBe(0);
    await world.sink.nextMail(person);
    await expect.poll(async () => (await world.t1(['mail', 'log', person], { tty: true })).stderr, { timeout: 5_000 }).toContain('Next: the newest email went out');
  });
});
