// t1 platform seed / token create against a platform database file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { tokenKey } from '../../src/platform/clock.ts';
import { openPlatform } from '../../src/platform/platform.ts';
import { openDatabase } from '../../src/platform/storage/database.ts';
import { DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import { lines, removeScratch, scratch } from './support.ts';

let home: string;
let db: string;
const t1 = (args: string[]) => runT1(args, { env: { T1_HOME: home } });

beforeAll(() => {
  home = scratch();
  db = join(scratch(), 'platform.db');
});
afterAll(removeScratch);

async function withDb<T>(file: string, use: (handle: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const handle = await openDatabase({ location: file });
  try {
    return await use(handle);
  } finally {
    await handle.destroy();
  }
}

describe('t1 platform seed', () => {
  it('--demo seeds the demo organisation, then a second run changes nothing', async () => {
    const first = await t1(['platform', 'seed', '--demo', '--db', db]);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toBe(`Seeded the demo organisation into ${db}: 3 events, 40 people.\n`);
    expect(first.stderr).toBe(`Demo people and staff who have a password use "${DEMO_PASSWORD}".\n`);

    const second = await t1(['platform', 'seed', '--demo', '--db', db]);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toBe(`${db} already holds the demo organisation (3 events, 40 people); nothing changed.\n`);

    await withDb(db, async (handle) => {
      const users = await handle.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const events = await handle.selectFrom('events').select('slug').orderBy('starts_at').execute();
      expect(Number(users.n)).toBe(40);
      expect(events.map((e) => e.slug)).toEqual(['partner-kickoff-2026', 'customer-day-live', 'product-summit-2027']);
    });
  });

  it('--people adds generated people, each with registrations, to the demo organisation', async () => {
    const big = join(scratch(), 'big.db');
    const result = await t1(['platform', 'seed', '--demo', '--people', '1500', '--db', big]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Added 1,500 generated people to the demo organisation in ${big.replace(/[.]/g, '\\.')} in [\\d.]+ s: [\\d,]+ registrations, [\\d,]+ activity entries, [\\d,]+ mails\\. It now has 3 events, 1,540 people\\.\\n$`));
    await withDb(big, async (handle) => {
      const unregistered = await handle
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('registrations').select('registrations.id').whereRef('registrations.user_id', '=', 'users.id'))))
        .executeTakeFirstOrThrow();
      expect(Number(unregistered.n)).toBe(0);
    });
    const bad = await t1(['platform', 'seed', '--demo', '--people', 'many', '--db', big]);
    expect(bad.exitCode).toBe(2);
  });

  it('without --demo is a usage error (exit 2) and creates nothing', async () => {
    const fresh = join(scratch(), 'never.db');
    const result = await t1(['platform', 'seed', '--db', fresh]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)[0]).toBe('Error: Say what to seed: --demo is the only data set.');
    expect(existsSync(fresh)).toBe(false);
  });
});

describe('t1 platform token create', () => {
  it('prints the token alone on stdout; the database keeps only its SHA-256 hash', async () => {
    await t1(['platform', 'seed', '--demo', '--db', db]);
    const result = await t1(['platform', 'token', 'create', '--role', 'viewer', '--name', 'ci viewer', '--db', db]);
    expect(result.exitCode).toBe(0);
    expect(lines(result.stdout)).toHaveLength(1);
    const token = lines(result.stdout)[0]!;
    expect(token).toMatch(/^t1_[A-Za-z0-9_-]{40,}$/);
    expect(result.stderr).toContain('Created viewer token "ci viewer"');
    expect(result.stderr).toContain('for Northwind Events');
    expect(result.stderr).not.toContain(token);

    await withDb(db, async (handle) => {
      const stored = await handle.selectFrom('tokens').selectAll().execute();
      const mine = stored.filter((row) => row.name === 'ci viewer');
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ kind: 'api', role: 'viewer', org_id: 'org_demo', hash: tokenKey(token) });
      for (const row of stored) expect(JSON.stringify(row)).not.toContain(token.slice(3));
    });
    // Not in the database file either (WAL included), in any column or page.
    for (const file of [db, `${db}-wal`]) {
      if (existsSync(file)) expect(readFileSync(file).includes(token.slice(3))).toBe(false);
    }

    // The printed token works against a platform on that database.
    const platform = await openPlatform({ database: db, publicUrl: 'http://127.0.0.1:4747', env: {} });
    try {
      const response = await platform.app.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${token}` } });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ role: 'viewer', tokenName: 'ci viewer', organisation: { name: 'Northwind Events' } });
    } finally {
      await platform.close();
    }
  });

  it('on an empty database creates the organisation named by --org-name', async () => {
    const fresh = join(scratch(), 'fresh.db');
    const result = await t1(['platform', 'token', 'create', '--role', 'admin', '--org-name', 'Acme Events', '--db', fresh]);
    expect(result.exitCode).toBe(0);
    expect(lines(result.stdout)).toHaveLength(1);
    expect(result.stderr).toContain('Created admin token "admin token"');
    expect(result.stderr).toContain('for Acme Events');
    await withDb(fresh, async (handle) => {
      expect((await handle.selectFrom('organisations').select('name').execute()).map((o) => o.name)).toEqual(['Acme Events']);
    });
  });

  it.each([
    [['platform', 'token', 'create'], "required option '--role <role>' not specified"],
    [['platform', 'token', 'create', '--role', 'owner'], "argument 'owner' is invalid"],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const result = await runT1([...args, '--db', join(scratch(), 'x.db')], { env: { T1_HOME: home } });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });
});
