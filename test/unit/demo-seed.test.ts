// The demo organisation and the benchmark generator, against a real on-disk SQLite file.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVENT_ROLES,
  REGISTRATION_TYPES,
  STAGES_BY_STATUS,
  isValidStatusStage,
  type RegistrationStage,
  type RegistrationStatus,
} from '../../src/contract/vocabulary.ts';
import { cryptoTokens, systemClock } from '../../src/platform/clock.ts';
import { verifyPassword } from '../../src/platform/passwords.ts';
import { secretBox } from '../../src/platform/secret-box.ts';
import { DEMO_EXAMPLES, DEMO_ORG_ID, DEMO_PASSWORD, seedDemo } from '../../src/platform/seed/demo.ts';
import { generateUsers } from '../../src/platform/seed/generate.ts';
import { openDatabase, type Db } from '../../src/platform/storage/database.ts';

const deps = { clock: systemClock, tokens: cryptoTokens, secrets: secretBox(randomBytes(32)) };
const TABLES = ['organisations', 'events', 'users', 'registrations', 'staff'] as const;

let dir: string;
let db: Db;

async function rowCounts(handle: Db): Promise<Record<(typeof TABLES)[number], number>> {
  const counts = { organisations: 0, events: 0, users: 0, registrations: 0, staff: 0 };
  for (const table of TABLES) {
    const row = await handle
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

async function demoRegistrations() {
  return db
    .selectFrom('registrations')
    .innerJoin('events', 'events.id', 'registrations.event_id')
    .innerJoin('users', 'users.id', 'registrations.user_id')
    .select([
      'registrations.status',
      'registrations.stage',
      'registrations.role',
      'registrations.type',
      'registrations.attended_at',
      'events.slug',
      'events.login_method',
      'events.verify_email',
      'events.starts_at',
      'events.approved_domains',
      'users.email',
      'users.password_hash',
      'users.email_verified_at',
    ])
    .where('users.org_id', '=', DEMO_ORG_ID)
    .execute();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 't1-demo-seed-'));
  db = await openDatabase({ location: join(dir, 'p.db') });
});

afterAll(async () => {
  await db?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('seedDemo', () => {
  it('creates the demo organisation with three events and about forty people', async () => {
    expect(await seedDemo(db, deps)).toEqual({ created: true, orgId: DEMO_ORG_ID });
    const counts = await rowCounts(db);
    expect(counts.organisations).toBe(1);
    expect(counts.events).toBe(3);
    expect(counts.users).toBeGreaterThanOrEqual(35);
    expect(counts.users).toBeLessThanOrEqual(45);
    expect(counts.staff).toBe(3);
  });

  it('covers every status/stage pair, role and registration type, and stores only valid pairs', async () => {
    const regs = await demoRegistrations();
    const pairs = new Set(regs.map((r) => `${r.status}/${r.stage}`));
    for (const [status, stages] of Object.entries(STAGES_BY_STATUS)) {
      for (const stage of stages) expect(pairs, `${status}/${stage}`).toContain(`${status}/${stage}`);
    }
    for (const r of regs) {
      expect(isValidStatusStage(r.status as RegistrationStatus, r.stage as RegistrationStage)).toBe(true);
    }
    expect(new Set(regs.map((r) => r.role))).toEqual(new Set(EVENT_ROLES));
    expect(new Set(regs.map((r) => r.type))).toEqual(new Set(REGISTRATION_TYPES));
  });

  it('keeps stages consistent with their event and the account', async () => {
    const now = new Date().toISOString();
    for (const r of await demoRegistrations()) {
      const domains = JSON.parse(r.approved_domains) as string[];
      if (domains.length > 0) expect(domains).toContain(r.email.split('@')[1]);
      if (r.stage === 'pending_verification') {
        expect(r.verify_email).toBe(1);
        expect(r.email_verified_at).toBeNull();
      }
      if (r.stage === 'login_link_sent') expect(r.login_method).toBe('magic_link');
      if (r.stage === 'joined') {
        expect(r.starts_at < now).toBe(true);
        expect(r.attended_at).not.toBeNull();
      }
      if (r.stage === 'password_not_set') expect(r.password_hash).toBeNull();
      if (r.stage === 'verified') {
        expect(r.email_verified_at).not.toBeNull();
        if (r.login_method === 'password') expect(r.password_hash).not.toBeNull();
      }
    }
  });

  it('sets up account states and never stores the plain demo password', async () => {
    const users = await db.selectFrom('users').selectAll().where('org_id', '=', DEMO_ORG_ID).execute();
    const enrolled = users.filter((u) => u.mfa_confirmed_at !== null);
    expect(enrolled).toHaveLength(3);
    for (const user of enrolled) expect(deps.secrets.open(user.mfa_secret_enc!)).toMatch(/^[A-Z2-7]{32}$/);

    const locked = users.find((u) => u.email === DEMO_EXAMPLES.lockedPerson)!;
    expect(locked.failed_logins).toBe(10);
    expect(locked.locked_until! > new Date().toISOString()).toBe(true);
    expect(users.find((u) => u.email === DEMO_EXAMPLES.blockedPerson)!.blocked).toBe(1);
    expect(users.filter((u) => u.first_name === DEMO_EXAMPLES.searchName)).toHaveLength(2);

    const staff = await db.selectFrom('staff').selectAll().execute();
    expect(new Set(staff.map((s) => s.role))).toEqual(new Set(['admin', 'agent', 'viewer']));
    const hashes = [...users, ...staff].map((row) => row.password_hash).filter((hash) => hash !== null);
    expect(hashes.length).toBeGreaterThan(staff.length);
    expect(hashes).not.toContain(DEMO_PASSWORD);
    expect(await verifyPassword(hashes[0]!, DEMO_PASSWORD)).toBe(true);
  });

  it('does nothing the second time', async () => {
    const before = await rowCounts(db);
    expect(await seedDemo(db, deps)).toEqual({ created: false, orgId: DEMO_ORG_ID });
    expect(await rowCounts(db)).toEqual(before);
  });

  it('lets exactly one of two racing seeders create the demo', async () => {
    const raceDb = await openDatabase({ location: join(dir, 'race.db') });
    try {
      const results = await Promise.all([seedDemo(raceDb, deps), seedDemo(raceDb, deps)]);
      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      expect((await rowCounts(raceDb)).events).toBe(3);
    } finally {
      await raceDb.destroy();
    }
  });
});

describe('generateUsers', () => {
  it('adds synthetic people with one to three valid registrations each', async () => {
    const before = await rowCounts(db);
    const events = await db.selectFrom('events').select('id').execute();
    const added = await generateUsers(db, deps, DEMO_ORG_ID, events.map((e) => e.id), 2000);
    const after = await rowCounts(db);
    expect(after.users - before.users).toBe(2000);
    expect(after.registrations - before.registrations).toBe(added.registrations);
    expect(added.registrations).toBeGreaterThan(2000);
    expect(added.registrations).toBeLessThanOrEqual(6000);
    const pairs = await db.selectFrom('registrations').select(['status', 'stage']).distinct().execute();
    for (const { status, stage } of pairs) {
      expect(isValidStatusStage(status as RegistrationStatus, stage as RegistrationStage)).toBe(true);
    }
  });
});
