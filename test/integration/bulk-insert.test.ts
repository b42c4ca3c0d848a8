// The bulk insert of both databases (row by row on SQLite, column arrays on PostgreSQL):
// what it stores, text of every kind unchanged, values shared by every row, what it says it inserted when rows
// collide, NUL characters refused on PostgreSQL as a single insert refuses them, and on
// SQLite the checkpoints bulk writes hand to a thread of their own. PostgreSQL parts run
// when the local server is reachable.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRows } from '../../src/platform/storage/bulk-insert.ts';
import { openDatabase, type Db } from '../../src/platform/storage/database.ts';
import { isInvalidText } from '../../src/platform/storage/errors.ts';
import type { NewActivity } from '../../src/platform/storage/schema.ts';
import { postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';

const pgAvailable = await postgresReachable();

const TEXTS = ['plain', 'comma, "quotes" and \\backslash\\', '{braces},{more}', 'NULL', '', 'Zoë Ødegård 李雷 🎟️', "O'Brien; DROP TABLE activity"];

function entry(id: string, over: Partial<NewActivity> = {}): NewActivity {
  return {
    id,
    org_id: 'org_bulk_insert',
    user_id: null,
    email: null,
    event_id: null,
    kind: 'mail.captured',
    outcome: 'ok',
    reason: null,
    detail: null,
    cause: 'invitation',
    actor: null,
    staff_id: null,
    request_id: null,
    browser_family: null,
    browser_version: null,
    browser_os: null,
    browser_supported: null,
    network: null,
    token_id: null,
    email_id: null,
    webhook_id: null,
    created_at: '2026-05-04T08:00:00.000Z',
    ...over,
  };
}

const backends = [
  {
    name: 'SQLite',
    run: true,
    async open(): Promise<{ db: Db; close(): Promise<void> }> {
      const dir = mkdtempSync(join(tmpdir(), 't1-bulk-insert-'));
      const db = await openDatabase({ location: join(dir, 'platform.db') });
      return { db, close: async () => (await db.destroy(), rmSync(dir, { recursive: true, force: true })) };
    },
  },
  {
    name: 'PostgreSQL',
    run: pgAvailable,
    async open(): Promise<{ db: Db; close(): Promise<void> }> {
      const scratch: ScratchDatabase = await scratchDatabase('t1_bulk_insert');
      const db = await openDatabase({ location: scratch.url });
      return { db, close: async () => (await db.destroy(), await scratch.drop()) };
    },
  },
];

describe.each(backends)('insertRows on $name', ({ name, open, run }) => {
  let subject: { db: Db; close(): Promise<void> };
  beforeAll(async () => {
    if (run) subject = await open();
  });
  afterAll(async () => {
    await subject?.close();
  });

  it.runIf(run)('stores every row as given: text of every kind, integers, and columns NULL in every row', async () => {
    const rows = TEXTS.map((text, i) => entry(`act_text_${i}`, { detail: text, email: i % 2 ? text : null, browser_supported: i % 3 === 0 ? i : null }));
    expect(await insertRows(subject.db, 'activity', rows)).toEqual([]);
    const stored = await subject.db.selectFrom('activity').selectAll().where('id', 'like', 'act_text_%').orderBy('id').execute();
    expect(stored.map((r) => ({ ...r, browser_supported: r.browser_supported === null ? null : Number(r.browser_supported) }))).toEqual(rows);
  });

  it.runIf(run)('stores values shared by every row, whichever column varies, and a single row', async () => {
    // Shared columns first: the one varying column (the id) comes last.
    const rows = ['a', 'b', 'c'].map((n) => {
      const { id, ...rest } = entry(`act_shared_${n}`, { detail: TEXTS[1], browser_supported: 7 });
      return { ...rest, id };
    });
    await insertRows(subject.db, 'activity', rows);
    await insertRows(subject.db, 'activity', [entry('act_shared_one', { detail: TEXTS[2] })]);
    const stored = await subject.db.selectFrom('activity').selectAll().where('id', 'like', 'act_shared_%').orderBy('id').execute();
    expect(stored.map((r) => [r.id, r.org_id, r.detail, Number(r.browser_supported ?? 0), r.created_at])).toEqual([
      ['act_shared_a', 'org_bulk_insert', TEXTS[1], 7, '2026-05-04T08:00:00.000Z'],
      ['act_shared_b', 'org_bulk_insert', TEXTS[1], 7, '2026-05-04T08:00:00.000Z'],
      ['act_shared_c', 'org_bulk_insert', TEXTS[1], 7, '2026-05-04T08:00:00.000Z'],
      ['act_shared_one', 'org_bulk_insert', TEXTS[2], 0, '2026-05-04T08:00:00.000Z'],
    ]);
  });

  it.runIf(run)('stores a shared value of every kind unchanged in a batch of many rows, as a bulk flow writes them', async () => {
    // Enough rows that SQLite writes shared values into the statement instead of binding them.
    const shared = name === 'SQLite' ? [...TEXTS, 'nul \u0000 inside'] : TEXTS;
    for (const [t, text] of shared.entries()) {
      const rows = Array.from({ length: 120 }, (_, i) => entry(`act_many_${t}_${String(i).padStart(3, '0')}`, { detail: text, reason: text, browser_supported: 1 }));
      const inserted = await insertRows(subject.db, 'activity', rows, { onConflictDoNothing: ['id'], returning: ['id'] });
      expect(inserted).toHaveLength(120);
      const stored = await subject.db.selectFrom('activity').select(['detail', 'reason', 'browser_supported']).where('id', 'like', `act_many_${t}_%`).execute();
      expect(stored).toHaveLength(120);
      expect(new Set(stored.map((r) => JSON.stringify([r.detail, r.reason, Number(r.browser_supported)])))).toEqual(new Set([JSON.stringify([text, text, 1])]));
    }
  });

  it.runIf(run)('skips rows that collide and returns exactly the ones it inserted, in order', async () => {
    await insertRows(subject.db, 'activity', [entry('act_dup_1', { detail: 'first' }), entry('act_dup_3', { detail: 'first' })]);
    const inserted = await insertRows(
      subject.db,
      'activity',
      ['act_dup_0', 'act_dup_1', 'act_dup_2', 'act_dup_3', 'act_dup_4'].map((id) => entry(id, { detail: 'second' })),
      { onConflictDoNothing: ['id'], returning: ['id'] },
    );
    expect(inserted).toEqual([{ id: 'act_dup_0' }, { id: 'act_dup_2' }, { id: 'act_dup_4' }]);
    const kept = await subject.db.selectFrom('activity').select(['id', 'detail']).where('id', 'like', 'act_dup_%').orderBy('id').execute();
    expect(kept.map((r) => r.detail)).toEqual(['second', 'first', 'second', 'first', 'second']);
  });

  it.runIf(run)('runs inside the caller\'s transaction, so a failure takes its rows back with it', async () => {
    await expect(
      subject.db.transaction().execute(async (trx) => {
        await insertRows(trx, 'activity', [entry('act_rolled_0'), entry('act_rolled_1')]);
        throw new Error('the flow failed');
      }),
    ).rejects.toThrow('the flow failed');
    expect(await subject.db.selectFrom('activity').select('id').where('id', 'like', 'act_rolled_%').execute()).toEqual([]);
  });
});

describe('bulk writes on SQLite', () => {
  it('move checkpoints to a thread of their own, which copies the WAL into the database as the writes go', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 't1-bulk-checkpoint-'));
    const file = join(dir, 'platform.db');
    const db = await openDatabase({ location: file });
    try {
      const sizeAtStart = statSync(file).size;
      // Far below the connection's own automatic checkpoint: only the thread copies these pages.
      for (let batch = 0; batch < 20; batch++) {
        await db.transaction().execute((trx) => insertRows(trx, 'activity', Array.from({ length: 1_000 }, (_, i) => entry(`act_ckpt_${batch}_${i}`, { detail: 'x'.repeat(200) }))));
      }
      const deadline = Date.now() + 20_000;
      while (statSync(file).size < sizeAtStart + 1_000_000 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
      expect(statSync(file).size).toBeGreaterThan(sizeAtStart + 1_000_000);
    } finally {
      await db.destroy();
    }
    // Both connections closed cleanly: the WAL is gone and every row is in the database.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = await openDatabase({ location: file });
    try {
      const { n } = await reopened.selectFrom('activity').select((eb) => eb.fn.countAll<number>().as('n')).where('id', 'like', 'act_ckpt_%').executeTakeFirstOrThrow();
      expect(Number(n)).toBe(20_000);
    } finally {
      await reopened.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(pgAvailable)('insertRows on PostgreSQL and NUL characters', () => {
  it('refuses them as text the database cannot hold, and stores nothing of the statement', async () => {
    const scratch = await scratchDatabase('t1_bulk_insert');
    const db = await openDatabase({ location: scratch.url });
    try {
      const error = await insertRows(db, 'activity', [entry('act_nul_0'), entry('act_nul_1', { detail: 'a\u0000b' })]).catch((e: unknown) => e);
      expect(isInvalidText(error)).toBe(true);
      expect(await db.selectFrom('activity').select('id').where('id', 'like', 'act_nul_%').execute()).toEqual([]);
    } finally {
      await db.destroy();
      await scratch.drop();
    }
  });
});
