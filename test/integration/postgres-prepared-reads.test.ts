// On PostgreSQL the token lookup of every API request and the user search run as
// prepared statements on connections of their own (postgres-pools.ts). They must see
// every committed write at once (a token revoked, a person invited), answer more
// requests at a time than the pool has connections, outlive the server closing idle
// connections, and leave no connection open once the platform closes.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, UserSummary } from '../../src/contract/schemas.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID, seedDemo } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import { postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';

const postgres = await postgresReachable();

describe.runIf(postgres)('prepared reads on PostgreSQL', () => {
  let scratch: ScratchDatabase;
  let platform: Platform;
  let admin: string;
  const key = randomBytes(32).toString('hex');

  beforeAll(async () => {
    scratch = await scratchDatabase('t1_prepared');
    platform = await openPlatform({ database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: key } });
    await seedDemo(platform.ctx.db, platform.ctx);
    admin = (await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'admin', name: 'prepared', createdBy: 'test' })).token;
  });

  afterAll(async () => {
    await platform?.close();
    await scratch?.drop();
  });

  const get = (url: string, token: string, query: Record<string, string> = {}) =>
    platform.app.inject({ method: 'GET', url, query, headers: { authorization: `Bearer ${token}` } });

  it('refuses a token from the request after its revocation, and accepts a new one from its first', async () => {
    const { id, token } = await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'viewer', name: 'short-lived', createdBy: 'test' });
    expect((await get('/v1/users', token, { q: 'priya' })).statusCode).toBe(200);
    const revoked = await platform.app.inject({
      method: 'POST',
      url: `/v1/tokens/${id}/revoke`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { reason: 'test', ticket: 'T-1' },
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    const refused = await get('/v1/users', token, { q: 'priya' });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it('finds a person in the search right after they are invited', async () => {
    const email = `prepared.${randomBytes(4).toString('hex')}@contoso.example`;
    expect(((await get('/v1/users', admin, { q: email })).json() as Page<UserSummary>).items).toEqual([]);
    const invited = await platform.app.inject({
      method: 'POST',
      url: `/v1/events/${DEMO_EVENT_SLUGS.upcoming}/invitations`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { email, firstName: 'Prepared', lastName: 'Reader', reason: 'test', ticket: 'T-1' },
    });
    expect(invited.statusCode, invited.body).toBe(201);
    const found = (await get('/v1/users', admin, { q: email })).json() as Page<UserSummary>;
    expect(found.items.map((person) => person.email)).toEqual([email]);
    const byName = (await get('/v1/users', admin, { q: 'Prepared Rea' })).json() as Page<UserSummary>;
    expect(byName.items.map((person) => person.email)).toContain(email);
  });

  it('answers 60 searches sent at once, each with its own people', async () => {
    const queries = ['priya', 'Nat', 'contoso', 'a', 'zz-nobody', 'Prepared'];
    const expected = await Promise.all(queries.map(async (q) => (await get('/v1/users', admin, { q, limit: '10' })).json() as Page<UserSummary>));
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => get('/v1/users', admin, { q: queries[i % queries.length]!, limit: '10' })));
    answers.forEach((answer, i) => {
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual(expected[i % queries.length]);
    });
  });

  /** Runs one statement on a connection of its own, beside the platform's. */
  async function onTheSide<R>(text: string): Promise<R[]> {
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    try {
      return (await client.query(text)).rows as R[];
    } finally {
      await client.end();
    }
  }
  const others = "datname = current_database() and pid <> pg_backend_pid()";
  const connections = async () => (await onTheSide<{ n: number }>(`select count(*)::int as n from pg_stat_activity where ${others}`))[0]!.n;

  it('keeps answering when the server closes its idle connections (a restart, a failover)', async () => {
    expect((await get('/v1/users', admin, { q: 'priya' })).statusCode).toBe(200);
    const closed = await onTheSide(`select pg_terminate_backend(pid) from pg_stat_activity where ${others}`);
    expect(closed.length).toBeGreaterThanOrEqual(2);
    await new Promise((done) => setTimeout(done, 200));
    expect((await get('/v1/users', admin, { q: 'priya' })).statusCode).toBe(200);
    expect((await get('/v1/events', admin)).statusCode).toBe(200);
  });

  it('closes the connections of both its pools when a platform closes', async () => {
    const before = await connections();
    const second = await openPlatform({ database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: key } });
    expect((await second.app.inject({ method: 'GET', url: '/v1/users', query: { q: 'priya' }, headers: { authorization: `Bearer ${admin}` } })).statusCode).toBe(200);
    expect(await connections()).toBeGreaterThanOrEqual(before + 2);
    await second.close();
    expect(await connections()).toBe(before);
  });
});
