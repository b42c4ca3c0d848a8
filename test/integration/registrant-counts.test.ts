// The events list reads registrant counts from counters that triggers keep as
// registrations change. They must agree with the registrations themselves after many
// registrations at once (one by one and in bulk batches that overlap), from one platform
// instance or two on one PostgreSQL database, and after status changes and removals.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID, seedDemo } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import type { Db } from '../../src/platform/storage/database.ts';
import { postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/platform.ts';

const PARALLEL = 40;

/** Registrants per event slug, counted from the registrations. */
async function counted(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('events')
    .leftJoin('registrations', (join) => join.onRef('registrations.event_id', '=', 'events.id').on('registrations.status', '<>', 'unregistered'))
    .select(['events.slug', (eb) => eb.fn.count<number>('registrations.id').as('n')])
    .where('events.org_id', '=', DEMO_ORG_ID)
    .groupBy('events.slug')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.slug, Number(row.n)]));
}

/** Registrant counts per event slug, as the events list shows them. */
async function listed(platform: Platform, token: string): Promise<Record<string, number>> {
  const response = await platform.app.inject({ method: 'GET', url: '/v1/events', query: { limit: '100' }, headers: { authorization: `Bearer ${token}` } });
  expect(response.statusCode).toBe(200);
  const body = response.json() as { items: { slug: string; registrantCount: number }[] };
  return Object.fromEntries(body.items.map((event) => [event.slug, event.registrantCount]));
}

function invite(platform: Platform, token: string, event: string, email: string) {
  return platform.app.inject({
    method: 'POST',
    url: `/v1/events/${event}/invitations`,
    headers: { authorization: `Bearer ${token}` },
    payload: { email, firstName: 'Parallel', lastName: 'Invitee', reason: 'count test', ticket: 'T-1' },
  });
}

/** Invitations to new people, all sent at once, spread over the instances and two events. */
async function inviteAtOnce(instances: { platform: Platform; token: string }[], tag: string): Promise<void> {
  const slugs = [DEMO_EVENT_SLUGS.upcoming, DEMO_EVENT_SLUGS.live];
  const responses = await Promise.all(
    Array.from({ length: PARALLEL }, (_, i) => {
      const { platform, token } = instances[i % instances.length]!;
      return invite(platform, token, slugs[i % slugs.length]!, `parallel.${tag}.${i}@contoso.example`);
    }),
  );
  for (const response of responses) expect(response.statusCode, response.body).toBe(201);
  await inviteInBulkAtOnce(instances, tag);
}

/**
 * Bulk batches sent at once: each names 30 new people, 10 of them also named by the
 * other batch, and 5 people the single invitations above already invited.
 */
async function inviteInBulkAtOnce(instances: { platform: Platform; token: string }[], tag: string): Promise<void> {
  const row = (n: number, at: number) => ({ row: at + 2, email: `bulk.${tag}.${n}@contoso.example`, firstName: 'Bulk', lastName: `Invitee ${n}` });
  const batches = [0, 1].map((b) => [
    ...Array.from({ length: 30 }, (_, i) => row(b * 20 + i, i)),
    ...Array.from({ length: 5 }, (_, i) => ({ row: 40 + i, email: `parallel.${tag}.${2 * i}@contoso.example`, firstName: 'Parallel', lastName: 'Invitee' })),
  ]);
  const responses = await Promise.all(
    batches.map((rows, b) => {
      const { platform, token } = instances[b % instances.length]!;
      return platform.app.inject({
        method: 'POST',
        url: `/v1/events/${DEMO_EVENT_SLUGS.upcoming}/invitations/batch`,
        headers: { authorization: `Bearer ${token}` },
        payload: { run: `counts-${tag}-${b}`, file: 'counts.csv', batch: 0, last: true, rows, reason: 'count test', ticket: 'T-1' },
      });
    }),
  );
  const invited = responses.map((response) => {
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { counts: { invited: number; skipped: number } }).counts;
  });
  // 50 new people between the two batches, each invited once; the rest were already invited.
  expect(invited.reduce((sum, counts) => sum + counts.invited, 0)).toBe(50);
  expect(invited.reduce((sum, counts) => sum + counts.skipped, 0)).toBe(20);
}

/**
 * Status changes (into and out of "unregistered") and removals straight in the database,
 * from several transactions at once: the triggers count every writer, not only the API's.
 */
async function changeAtOnce(db: Db): Promise<void> {
  const invited = await db.selectFrom('registrations').select('id').where('status', '=', 'invited').orderBy('id').limit(18).execute();
  const unregistered = await db.selectFrom('registrations').select('id').where('status', '=', 'unregistered').orderBy('id').limit(3).execute();
  expect(invited.length).toBeGreaterThanOrEqual(12);
  expect(unregistered.length).toBeGreaterThan(0);
  type Write = (trx: Db) => Promise<unknown>;
  const change = (id: string, status: string, stage: string): Write => (trx) => trx.updateTable('registrations').set({ status, stage }).where('id', '=', id).execute();
  const writes: Write[] = [
    ...invited.map((row, i): Write =>
      i % 3 === 0 ? (trx) => trx.deleteFrom('registrations').where('id', '=', row.id).execute() : i % 3 === 1 ? change(row.id, 'unregistered', 'cancelled_by_person') : change(row.id, 'registered', 'verified'),
    ),
    ...unregistered.map((row) => change(row.id, 'registered', 'verified')),
  ];
  await Promise.all(writes.map((write) => db.transaction().execute((trx) => write(trx))));
}

async function expectCountsAgree(platform: Platform, token: string): Promise<void> {
  const truth = await counted(platform.ctx.db);
  expect(await listed(platform, token)).toEqual(truth);
  const { rows } = await sql<{ n: string | number }>`select sum(registrants) as n from event_registrant_counts`.execute(platform.ctx.db);
  expect(Number(rows[0]!.n)).toBe(Object.values(truth).reduce((sum, n) => sum + n, 0));
}

async function admin(platform: Platform): Promise<string> {
  return (await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'admin', name: 'counts', createdBy: 'test' })).token;
}

describe('registrant counts on SQLite', () => {
  const dir = tempDir();
  let platform: Platform;
  let token: string;

  beforeAll(async () => {
    platform = await openPlatform({ database: join(dir, 'counts.db'), publicUrl: 'http://127.0.0.1:4747', env: {} });
    await seedDemo(platform.ctx.db, platform.ctx);
    token = await admin(platform);
  });

  afterAll(async () => {
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts the demo registrations as the events list shows them', async () => {
    await expectCountsAgree(platform, token);
  });

  it('stays equal to the registrations after parallel invitations, status changes and removals', async () => {
    const before = await listed(platform, token);
    await inviteAtOnce([{ platform, token }], 'sqlite');
    const after = await listed(platform, token);
    expect(after[DEMO_EVENT_SLUGS.upcoming]! - before[DEMO_EVENT_SLUGS.upcoming]!).toBeGreaterThanOrEqual(PARALLEL / 2);
    await expectCountsAgree(platform, token);
    await changeAtOnce(platform.ctx.db);
    await expectCountsAgree(platform, token);
  });
});

const postgres = await postgresReachable();

describe.runIf(postgres)('registrant counts on PostgreSQL, two instances', () => {
  let scratch: ScratchDatabase;
  const instances: { platform: Platform; token: string }[] = [];

  beforeAll(async () => {
    scratch = await scratchDatabase('t1_counts');
    const env = { T1_SECRET_KEY: randomBytes(32).toString('hex') };
    for (let i = 0; i < 2; i++) {
      const platform = await openPlatform({ database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env });
      if (i === 0) await seedDemo(platform.ctx.db, platform.ctx);
      instances.push({ platform, token: await admin(platform) });
    }
  });

  afterAll(async () => {
    for (const { platform } of instances) await platform.close();
    await scratch?.drop();
  });

  it('stays equal to the registrations after parallel invitations on both instances, status changes and removals', async () => {
    const [first, second] = instances as [(typeof instances)[number], (typeof instances)[number]];
    await expectCountsAgree(first.platform, first.token);
    await inviteAtOnce(instances, 'pg');
    await expectCountsAgree(first.platform, first.token);
    await changeAtOnce(second.platform.ctx.db);
    await expectCountsAgree(second.platform, second.token);
  });
});
