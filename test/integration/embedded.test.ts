// With nothing configured, t1 starts the reference platform in-process on the data under
// T1_HOME, seeded with the demo, and reuses it on the next run.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { tokenKey } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/storage/database.ts';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { lines, record, removeScratch, rows, scratch } from './support.ts';

let home: string;
let first: Awaited<ReturnType<typeof runT1>>;
let tokenAfterFirst: string;

beforeAll(async () => {
  home = scratch();
  first = await runT1(['users', 'find', DEMO_EXAMPLES.searchName], { env: { T1_HOME: home } });
  tokenAfterFirst = readFileSync(join(home, 'data', 'cli-token'), 'utf8');
});

describe('the embedded default platform', () => {
  it('answers with the demo data; one "embedded" notice on stderr, none on stdout', () => {
    expect(first.exitCode).toBe(0);
    expect(rows(first.stdout).map((r) => r[0])).toEqual(['Priya Natarajan', 'Priya Sharma']);
    expect(first.stdout).not.toMatch(/embedded/i);
    const err = lines(first.stderr);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain('embedded');
    expect(err[0]).toContain(join(home, 'data'));
  });

  it('keeps its CLI token in a file only the owner can read', () => {
    expect(statSync(join(home, 'data', 'cli-token')).mode & 0o777).toBe(0o600);
    expect(tokenAfterFirst).toMatch(/^t1_\S+\n$/);
  });

  it('a second run reuses the data and the token', async () => {
    const second = await runT1(['users', 'find', DEMO_EXAMPLES.searchName], { env: { T1_HOME: home } });
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(lines(second.stderr)).toHaveLength(1);
    expect(readFileSync(join(home, 'data', 'cli-token'), 'utf8')).toBe(tokenAfterFirst);

    const db = await openDatabase({ location: join(home, 'data', 'platform.db') });
    try {
      const users = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(users.n)).toBe(40);
      const orgs = await db.selectFrom('organisations').select('id').execute();
      expect(orgs).toHaveLength(1);
      const tokens = await db.selectFrom('tokens').select(['hash', 'role']).where('name', '=', 'embedded t1').execute();
      expect(tokens).toEqual([{ hash: tokenKey(tokenAfterFirst.trim()), role: 'admin' }]);
    } finally {
      await db.destroy();
    }
  });

  it('whoami names the embedded platform', async () => {
    const result = await runT1(['whoami'], { env: { T1_HOME: home } });
    expect(result.exitCode).toBe(0);
    expect(record(result.stdout)).toMatchObject({ Platform: 'embedded', Organisation: 'Northwind Events', Role: 'admin' });
  });
});

afterAll(removeScratch);
