// Pruning by age: activity entries past the retention, rate-limit rows long out of their
// window, and link/session tokens dead for longer than the retention go; the rest stay.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { postgresReachable, scratchDatabase } from '../helpers/postgres.ts';
import { runT1 } from '../helpers/cli.ts';
import { testClock } from '../helpers/action-kit.ts';
import { startTestPlatform, tempDir, type TestPlatform } from '../helpers/platform.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { DEMO_ORG_ID, seedDemo } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import { PRUNE_BATCH_SIZE } from '../../src/platform/activity/retention.ts';
import type { Db } from '../../src/platform/storage/database.ts';
import type { NewToken } from '../../src/platform/storage/schema.ts';

const NOW = Date.parse('2031-03-15T12:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const ahead = (ms: number) => new Date(NOW + ms).toISOString();

const clock = testClock();
clock.freeze(NOW);

// Runs with PostgreSQL too when a server is reachable.
const pgAvailable = await postgresReachable();

/** A platform under test: its database, an agent token and base URL, and how to close it. */
interface Subject {
  platform: Platform;
  url: string;
  agentToken: string;
  close(): Promise<void>;
}

async function sqliteSubject(): Promise<Subject> {
  const t: TestPlatform = await startTestPlatform({ clock });
  return { platform: t.platform, url: t.url, agentToken: t.tokens.agent, close: () => t.close() };
}

async function postgresSubject(): Promise<Subject> {
  const scratch = await scratchDatabase();
  const platform = await openPlatform({ database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: randomBytes(32).toString('hex') }, clock });
  await seedDemo(platform.ctx.db, platform.ctx);
  const { token } = await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'agent', name: 'retention test', createdBy: 'test' });
  const base = await platform.listen('127.0.0.1', 0);
  return {
    platform,
    url: base,
    agentToken: token,
    async close() {
      await platform.close();
      await scratch.drop();
    },
  };
}

let t: Subject;
let db: Db;

function activity(id: string, createdAt: string) {
  return { id, kind: 'link.used', outcome: 'ok', org_id: DEMO_ORG_ID, created_at: createdAt };
}

function token(id: string, kind: string, times: Partial<Pick<NewToken, 'expires_at' | 'used_at' | 'revoked_at' | 'created_at'>>): NewToken {
  return { id, kind, hash: `hash-${id}`, org_id: DEMO_ORG_ID, expires_at: null, used_at: null, revoked_at: null, created_by: 'test', created_at: ago(200 * DAY), last_used_at: null, ...times };
}

async function ids(table: 'activity' | 'tokens'): Promise<Set<string>> {
  return new Set((await db.selectFrom(table).select('id').execute()).map((r) => r.id));
}

async function rateKeys(): Promise<Set<string>> {
  return new Set((await db.selectFrom('rate_limits').select('key').execute()).map((r) => r.key));
}

const backends = [
  { name: 'SQLite', open: sqliteSubject, run: true },
  { name: 'PostgreSQL', open: postgresSubject, run: pgAvailable },
];

describe.each(backends)('pruning on $name', ({ open, run }) => {
  beforeAll(async () => {
    if (!run) return;
    t = await open();
    db = t.platform.ctx.db;
    // Whatever the demo seed left that is already due goes first, so each test counts only its own rows.
    await t.platform.pruner.pruneOnce();
  });
  afterAll(async () => {
    if (run) await t.close();
  });

  it.runIf(run)('deletes exactly the old activity, stale rate-limit rows and long-dead link tokens', async () => {
    const beforeActivity = await ids('activity');
    const beforeTokens = await ids('tokens');
    const beforeRates = await rateKeys();

    await db
      .insertInto('activity')
      .values([
        activity('act_old_1', ago(91 * DAY)),
        activity('act_old_2', ago(400 * DAY)),
        activity('act_edge_old', ago(90 * DAY + MINUTE)),
        activity('act_edge_new', ago(90 * DAY - MINUTE)),
        activity('act_recent', ago(HOUR)),
        activity('act_now', ago(0)),
      ])
      .execute();
    await db
      .insertInto('rate_limits')
      .values([
        { key: 'test-old:a', hits: 3, window_started_at: ago(25 * HOUR) },
        { key: 'test-old:b', hits: 9, window_started_at: ago(30 * DAY) },
        { key: 'test-recent:a', hits: 1, window_started_at: ago(23 * HOUR) },
        // The longest windows (1 hour; 30 minutes for unknown-account sign-ins) are still open.
        { key: 'test-open:hour', hits: 2, window_started_at: ago(59 * MINUTE) },
        { key: 'test-open:lock', hits: 4, window_started_at: ago(29 * MINUTE) },
      ])
      .execute();
    await db
      .insertInto('tokens')
      .values([
        // Dead for longer than the retention: gone.
        token('tok_old_expired', 'magic_link', { expires_at: ago(100 * DAY) }),
        token('tok_old_used', 'verify_email', { used_at: ago(91 * DAY), expires_at: ago(85 * DAY) }),
        token('tok_old_revoked_session', 'session', { revoked_at: ago(95 * DAY) }),
        token('tok_old_challenge', 'login_challenge', { expires_at: ago(120 * DAY) }),
        token('tok_old_replaced', 'set_password', { revoked_at: ago(92 * DAY), expires_at: ahead(DAY) }),
        token('tok_old_enroll', 'mfa_enroll', { expires_at: ago(91 * DAY), used_at: ago(91 * DAY + HOUR) }),
        token('tok_old_reset', 'reset_password', { expires_at: ago(150 * DAY) }),
        // Dead, but not for long enough: kept.
        token('tok_recent_expired', 'magic_link', { expires_at: ago(10 * DAY) }),
        token('tok_recent_used', 'set_password', { used_at: ago(89 * DAY), expires_at: ago(80 * DAY) }),
        token('tok_recent_revoked', 'session', { revoked_at: ago(DAY), expires_at: ahead(DAY) }),
        // Live, however old: kept.
        token('tok_live_old', 'reset_password', { created_at: ago(300 * DAY), expires_at: ahead(HOUR) }),
        token('tok_live_no_expiry', 'session', { created_at: ago(300 * DAY) }),
        // API tokens are never pruned, dead or not.
        token('tok_api_revoked', 'api', { revoked_at: ago(300 * DAY) }),
        token('tok_api_expired', 'api', { expires_at: ago(300 * DAY) }),
        token('tok_api_live', 'api', {}),
      ])
      .execute();

    const counts = await t.platform.pruner.pruneOnce();
    expect(counts).toEqual({ activity: 3, rateLimits: 2, tokens: 7, smsCodes: 0, smsMessages: 0 });

    expect(await ids('activity')).toEqual(new Set([...beforeActivity, 'act_edge_new', 'act_recent', 'act_now']));
    expect(await rateKeys()).toEqual(new Set([...beforeRates, 'test-recent:a', 'test-open:hour', 'test-open:lock']));
    expect(await ids('tokens')).toEqual(
      new Set([
        ...beforeTokens,
        'tok_recent_expired',
        'tok_recent_used',
        'tok_recent_revoked',
        'tok_live_old',
        'tok_live_no_expiry',
        'tok_api_revoked',
        'tok_api_expired',
        'tok_api_live',
      ]),
    );
    // The platform's own API tokens (issued by the test helper) still work.
    const response = await fetch(`${t.url}/v1/organisation`, { headers: { authorization: `Bearer ${t.agentToken}` } });
    expect(response.status).toBe(200);

    // A second pass finds nothing more to do.
    expect(await t.platform.pruner.pruneOnce()).toEqual({ activity: 0, rateLimits: 0, tokens: 0, smsCodes: 0, smsMessages: 0 });
  });

  it.runIf(run)('deletes text message codes and messages older than the retention, never a message still queued', async () => {
    const sealed = t.platform.ctx.secrets.seal('+447700900123');
    await db
      .insertInto('sms_phones')
      .values({ id: 'smp_keep', org_id: DEMO_ORG_ID, user_id: null, staff_id: null, phone_sealed: sealed, phone_hash: 'h', masked_phone: '+44 •••••••123', confirmed_at: ago(200 * DAY), created_at: ago(200 * DAY) })
      .execute();
    const code = (id: string, expiresAt: string) => ({
      id,
      org_id: DEMO_ORG_ID,
      user_id: null,
      staff_id: null,
      phone_id: 'smp_keep',
      purpose: 'sign_in',
      code_hash: `hash-${id}`,
      attempts: 0,
      expires_at: expiresAt,
      used_at: null,
      created_at: expiresAt,
    });
    await db.insertInto('sms_codes').values([code('smc_old', ago(91 * DAY)), code('smc_recent', ago(89 * DAY)), code('smc_live', ahead(MINUTE))]).execute();
    const message = (id: string, createdAt: string, status: string) => ({
      id,
      org_id: DEMO_ORG_ID,
      user_id: null,
      staff_id: null,
      purpose: 'sign_in',
      masked_phone: '+44 •••••••123',
      phone_hash: 'h',
      to_sealed: null,
      body_sealed: null,
      status,
      attempts: 1,
      last_error: null,
      next_attempt_at: createdAt,
      expires_at: createdAt,
      lease_until: null,
      created_at: createdAt,
      sent_at: null,
      updated_at: createdAt,
    });
    await db
      .insertInto('sms_messages')
      .values([
        message('sms_old_sent', ago(95 * DAY), 'sent'),
        message('sms_old_failed', ago(120 * DAY), 'failed'),
        message('sms_old_queued', ago(120 * DAY), 'queued'),
        message('sms_recent_sent', ago(10 * DAY), 'sent'),
      ])
      .execute();

    const counts = await t.platform.pruner.pruneOnce();
    expect(counts).toMatchObject({ smsCodes: 1, smsMessages: 2 });
    expect((await db.selectFrom('sms_codes').select('id').where('phone_id', '=', 'smp_keep').execute()).map((r) => r.id).sort()).toEqual(['smc_live', 'smc_recent']);
    const made = ['sms_old_sent', 'sms_old_failed', 'sms_old_queued', 'sms_recent_sent'];
    expect((await db.selectFrom('sms_messages').select('id').where('id', 'in', made).execute()).map((r) => r.id).sort()).toEqual(['sms_old_queued', 'sms_recent_sent']);
    await db.deleteFrom('sms_messages').where('id', 'in', ['sms_old_queued', 'sms_recent_sent']).execute();
    await db.deleteFrom('sms_codes').where('phone_id', '=', 'smp_keep').execute();
    await db.deleteFrom('sms_phones').where('id', '=', 'smp_keep').execute();
  });

  it.runIf(run)('works through more rows than one batch holds', async () => {
    const rows = 1200;
    expect(rows).toBeGreaterThan(2 * PRUNE_BATCH_SIZE);
    const chunk = 200;
    for (let start = 0; start < rows; start += chunk) {
      const n = Math.min(chunk, rows - start);
      const at = Array.from({ length: n }, (_, i) => start + i);
      await db.insertInto('activity').values(at.map((i) => activity(`act_bulk_${i}`, ago(100 * DAY + i * MINUTE)))).execute();
      await db.insertInto('rate_limits').values(at.map((i) => ({ key: `bulk:${i}`, hits: 1, window_started_at: ago(2 * DAY) }))).execute();
      await db.insertInto('tokens').values(at.map((i) => token(`tok_bulk_${i}`, 'magic_link', { expires_at: ago(100 * DAY) }))).execute();
    }
    await db.insertInto('activity').values(activity('act_bulk_keep', ago(DAY))).execute();

    const counts = await t.platform.pruner.pruneOnce();
    expect(counts).toEqual({ activity: rows, rateLimits: rows, tokens: rows, smsCodes: 0, smsMessages: 0 });
    const left = (table: 'activity' | 'tokens') =>
      db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('id', 'like', `${table === 'activity' ? 'act' : 'tok'}_bulk_%`).executeTakeFirstOrThrow();
    expect(Number((await left('activity')).n)).toBe(1);
    expect(Number((await left('tokens')).n)).toBe(0);
    expect([...(await rateKeys())].filter((k) => k.startsWith('bulk:'))).toEqual([]);
    expect(await ids('activity')).toContain('act_bulk_keep');
  });

  it.runIf(run)('serialises passes asked for at the same time', async () => {
    await db.insertInto('activity').values(Array.from({ length: 700 }, (_, i) => activity(`act_twice_${i}`, ago(95 * DAY)))).execute();
    const [a, b] = await Promise.all([t.platform.pruner.pruneOnce(), t.platform.pruner.pruneOnce()]);
    expect(a.activity).toBe(700);
    expect(b.activity).toBe(0);
  });
});

describe('the background pruner', () => {
  it('runs with the platform, honours retentionDays, and stops with it', async () => {
    const dir = tempDir();
    try {
      const own = testClock();
      own.freeze(NOW);
      const platform = await openPlatform({ database: join(dir, 'p.db'), publicUrl: 'http://127.0.0.1:4747', env: {}, clock: own, retentionDays: 30, pruneIntervalMs: 20 });
      try {
        const pdb = platform.ctx.db;
        await pdb.insertInto('activity').values([activity('act_31d', ago(31 * DAY)), activity('act_29d', ago(29 * DAY))]).execute();
        await vi.waitFor(
          async () => {
            expect(await pdb.selectFrom('activity').select('id').where('id', '=', 'act_31d').executeTakeFirst()).toBeUndefined();
          },
          { timeout: 5000, interval: 20 },
        );
        expect(await pdb.selectFrom('activity').select('id').where('id', '=', 'act_29d').executeTakeFirst()).toEqual({ id: 'act_29d' });
        // Time moves on: the next pass takes the other entry too.
        own.advance(2 * DAY);
        await vi.waitFor(
          async () => {
            expect(await pdb.selectFrom('activity').select('id').executeTakeFirst()).toBeUndefined();
          },
          { timeout: 5000, interval: 20 },
        );
      } finally {
        await platform.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a retention that is not a whole number of days', async () => {
    const dir = tempDir();
    try {
      await expect(openPlatform({ database: join(dir, 'p.db'), publicUrl: 'http://127.0.0.1:4747', env: {}, retentionDays: 0 })).rejects.toThrow(/whole number of days/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('t1 platform start checks --retention-days', async () => {
    const result = await runT1(['platform', 'start', '--retention-days', '0']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Expected a number from 1 to 3650.');
  });
});
