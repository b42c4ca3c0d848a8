import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { lines, record, registrantCount, rows } from './support.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform.close();
});

const t1 = (args: string[], options: { tty?: boolean } = {}) => runT1(args, { env: platform.env('viewer'), ...options });

describe('t1 events list', () => {
  it('lists the three demo events, soonest first, with phase, registration and counts', async () => {
    const { db } = platform.platform.ctx;
    const result = await t1(['events', 'list']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const table = rows(result.stdout);
    expect(table.map((r) => [r[0], r[1], r[3], r[4], r[5]])).toEqual([
      ['partner-kickoff-2026', 'Northwind Partner Kickoff 2026', 'ended', 'closed', 'password'],
      ['customer-day-live', 'Northwind Customer Day', 'live', 'open', 'login link'],
      ['product-summit-2027', 'Northwind Product Summit 2027', 'upcoming', 'open', 'password'],
    ]);
    expect(table[0]![2]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} Asia\/Singapore$/);
    expect(table[1]![2]).toMatch(/ Europe\/London$/);
    expect(table[2]![2]).toMatch(/ America\/New_York$/);
    for (const row of table) expect(row[6]).toBe(String(await registrantCount(db, row[0]!)));
  });

  it('counts registrants without the unregistered ones', async () => {
    const { db } = platform.platform.ctx;
    const all = await db
      .selectFrom('registrations')
      .innerJoin('events', 'events.id', 'registrations.event_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('events.slug', '=', DEMO_EVENT_SLUGS.live)
      .executeTakeFirstOrThrow();
    const listed = rows((await t1(['events', 'list'])).stdout).find((r) => r[0] === DEMO_EVENT_SLUGS.live)!;
    // The demo has unregistered people on the live event, so the two numbers differ.
    expect(Number(listed[6])).toBeLessThan(Number(all.n));
    expect(Number(listed[6])).toBe(await registrantCount(db, DEMO_EVENT_SLUGS.live));
  });

  it('--json prints the events as JSON only', async () => {
    const { db } = platform.platform.ctx;
    const result = await t1(['events', 'list', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout) as { items: Record<string, unknown>[] };
    expect(body.items.map((e) => [e.slug, e.phase, e.registrationOpen])).toEqual([
      ['partner-kickoff-2026', 'ended', false],
      ['customer-day-live', 'live', true],
      ['product-summit-2027', 'upcoming', true],
    ]);
    for (const event of body.items) expect(event.registrantCount).toBe(await registrantCount(db, event.slug as string));
  });

  it('prints a table on a terminal', async () => {
    const result = await t1(['events', 'list'], { tty: true });
    expect(result.stdout).toMatch(/│ Slug +│ Title +│ Starts +│ Phase +│ Registration +│ Login +│ Registrants +│/);
    expect(result.stdout).toContain('customer-day-live');
  });
});

describe('t1 events show', () => {
  it("prints an event's settings and its registrants by status", async () => {
    const { db } = platform.platform.ctx;
    const event = await db.selectFrom('events').selectAll().where('slug', '=', DEMO_EVENT_SLUGS.live).executeTakeFirstOrThrow();
    const result = await t1(['events', 'show', DEMO_EVENT_SLUGS.live]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const fields = record(result.stdout);
    expect(fields).toMatchObject({
      Title: 'Northwind Customer Day',
      Slug: 'customer-day-live',
      Id: event.id,
      Phase: 'live',
      Registration: 'open',
      'Registration page': 'http://127.0.0.1:4747/e/customer-day-live/register',
      'Login method': 'login link by email',
      'Verifies email': 'no',
      'Approved domains': 'any',
      'Link lifetimes': 'verification 2 days, login link 30 minutes, set password 3 days',
      'Form fields': 'First name *, Last name *, Company *, Job title',
      Registrants: `${await registrantCount(db, DEMO_EVENT_SLUGS.live)} (not counting unregistered people)`,
    });

    const stored = await db
      .selectFrom('registrations')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('event_id', '=', event.id)
      .groupBy('status')
      .execute();
    const out = lines(result.stdout);
    const byStatus = Object.fromEntries(rows(out.slice(out.indexOf('') + 1).join('\n')).map(([s, n]) => [s, Number(n)]));
    const expected = { invited: 0, registered: 0, unregistered: 0, attended: 0, blocked: 0, blocked_from_chat: 0 } as Record<string, number>;
    for (const row of stored) expected[row.status] = Number(row.n);
    expect(byStatus).toEqual(expected);
  });

  it('shows the ended event as ended with registration closed', async () => {
    const fields = record((await t1(['events', 'show', DEMO_EVENT_SLUGS.ended])).stdout);
    expect(fields.Phase).toBe('ended');
    expect(fields.Registration).toBe('closed');
    expect(fields['Approved domains']).toBe('northwind.example, contoso.example');
  });

  it('shows the upcoming event as upcoming with registration open', async () => {
    const fields = record((await t1(['events', 'show', DEMO_EVENT_SLUGS.upcoming])).stdout);
    expect(fields.Phase).toBe('upcoming');
    expect(fields.Registration).toBe('open');
    expect(fields.Registrants).toBe(`${await registrantCount(platform.platform.ctx.db, DEMO_EVENT_SLUGS.upcoming)} (not counting unregistered people)`);
  });

  it('finds an event by id and by slug in any case', async () => {
    const { db } = platform.platform.ctx;
    const event = await db.selectFrom('events').select('id').where('slug', '=', DEMO_EVENT_SLUGS.upcoming).executeTakeFirstOrThrow();
    expect(record((await t1(['events', 'show', event.id])).stdout).Slug).toBe(DEMO_EVENT_SLUGS.upcoming);
    expect(record((await t1(['events', 'show', 'Product-Summit-2027'])).stdout).Slug).toBe(DEMO_EVENT_SLUGS.upcoming);
  });

  it('--json prints the event detail', async () => {
    const result = await t1(['events', 'show', DEMO_EVENT_SLUGS.live, '--json']);
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout) as Record<string, any>;
    expect(body).toMatchObject({ slug: 'customer-day-live', phase: 'live', registrationOpen: true, loginMethod: 'magic_link' });
    expect(body.registrantCount).toBe(await registrantCount(platform.platform.ctx.db, DEMO_EVENT_SLUGS.live));
  });

  it('an unknown event is "not found" (exit 3)', async () => {
    const result = await t1(['events', 'show', 'no-such-event']);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('Error: No event matches "no-such-event".\nSee the events: t1 events list\n');
  });
});
