import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { personRow } from '../helpers/people.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { DEMO_EXAMPLES, DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import type { NewRegistration, NewUser } from '../../src/platform/storage/schema.ts';
import { lines, rows, userId } from './support.ts';

const PRIYA_SHARMA_ROW = [
  'Priya Sharma',
  'priya.sharma@contoso.example',
  'Contoso',
  'partner-kickoff-2026: attended/joined, customer-day-live: attended/joined, product-summit-2027: registered/verified',
];
const PRIYA_NATARAJAN_ROW = [
  'Priya Natarajan',
  'priya.natarajan@fabrikam.example',
  'Fabrikam',
  'product-summit-2027: registered/pending_verification',
];

// Extra people besides the demo: a ranking trio and a crowd that needs several pages.
const PAGING_PEOPLE = 450;
const PAGING_FIRST_NAMES = ['Ada', 'Ben', 'Cleo', 'Dan', 'Eve'];

let platform: TestPlatform;

async function addPeople(
  people: { first: string; last: string; email: string; status: 'registered' | 'invited'; stage: 'verified' | 'invite_sent' }[],
) {
  const { db } = platform.platform.ctx;
  const event = await db.selectFrom('events').select('id').where('slug', '=', DEMO_EVENT_SLUGS.upcoming).executeTakeFirstOrThrow();
  const now = new Date().toISOString();
  const users: NewUser[] = [];
  const registrations: NewRegistration[] = [];
  for (const person of people) {
    const id = `usr_t${randomBytes(8).toString('hex')}`;
    users.push({
      ...personRow({ id, email: person.email, first: person.first, last: person.last, company: 'Test Co' }),
    });
    registrations.push({
      id: `reg_t${randomBytes(8).toString('hex')}`,
      user_id: id,
      event_id: event.id,
      role: 'attendee',
      type: 'bulk',
      status: person.status,
      stage: person.stage,
      attended_at: null,
      created_at: now,
      updated_at: now,
    });
  }
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('users').values(users).execute();
    await trx.insertInto('registrations').values(registrations).execute();
  });
}

beforeAll(async () => {
  platform = await startTestPlatform();
  await addPeople([
    // Exact email for "max@tailspin.example"; name sorts last.
    { first: 'Zoe', last: 'Max', email: 'max@tailspin.example', status: 'registered', stage: 'verified' },
    // Email prefix of the above; name sorts first, email sorts second.
    { first: 'Aaron', last: 'Zed', email: 'max@tailspin.example.org', status: 'registered', stage: 'verified' },
    // Only a name match for "max".
    { first: 'Maxine', last: 'Adams', email: 'm.adams@fabrikam.example', status: 'registered', stage: 'verified' },
  ]);
  // Half match "pagetest" by email prefix, half by last name only; names repeat a lot,
  // so pages must break ties on the id.
  await addPeople(
    Array.from({ length: PAGING_PEOPLE }, (_, i) => ({
      first: PAGING_FIRST_NAMES[i % PAGING_FIRST_NAMES.length]!,
      last: 'Pagetest',
      email: i % 2 === 0 ? `pagetest.${i}@bulk.example` : `crowd.${i}@bulk.example`,
      status: i % 3 === 0 ? 'invited' : 'registered',
      stage: i % 3 === 0 ? 'invite_sent' : 'verified',
    })),
  );
});
afterAll(async () => {
  await platform.close();
});

const find = (args: string[], options: { tty?: boolean } = {}) =>
  runT1(['users', 'find', ...args], { env: platform.env(), ...options });

describe('t1 users find: output formats', () => {
  it('prints tab-separated rows when stdout is not a terminal', async () => {
    const result = await find([DEMO_EXAMPLES.searchName]);
    expect(result.exitCode).toBe(0);
    expect(rows(result.stdout)).toEqual([PRIYA_NATARAJAN_ROW, PRIYA_SHARMA_ROW]);
    expect(result.stderr).toBe('');
  });

  it('prints no header row off a terminal', async () => {
    const result = await find(['okafor']);
    expect(result.exitCode).toBe(0);
    expect(lines(result.stdout).some((line) => /\bName\b.*\bEmail\b/.test(line))).toBe(false);
    expect(rows(result.stdout).map((r) => r.length)).toEqual([4, 4]);
  });

  it('prints a table with a header and box lines on a terminal', async () => {
    const result = await find([DEMO_EXAMPLES.searchName], { tty: true });
    expect(result.exitCode).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toMatch(/^┌─+┬/);
    expect(out[1]).toMatch(/^│ Name +│ Email +│ Company +│ Registrations +│$/);
    expect(out.at(-1)).toMatch(/^└─+┴.*┘$/);
    expect(result.stdout).toContain('│ Priya Natarajan │ priya.natarajan@fabrikam.example │');
    // Registrations stack one per line inside the cell on a terminal.
    expect(result.stdout).toMatch(/│ partner-kickoff-2026: attended\/joined +│/);
    expect(result.stdout).toMatch(/│ customer-day-live: attended\/joined +│/);
    expect(result.stdout).not.toContain('\t');
    expect(result.stdout).not.toMatch(/\x1b\[/);
    expect(result.stderr).toBe('');
  });

  it('--json prints only one JSON document on stdout', async () => {
    const result = await find([DEMO_EXAMPLES.searchName, '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['items', 'nextCursor', 'query']);
    expect(body.query).toBe('Priya');
    expect(body.nextCursor).toBeNull();
    const items = body.items as Record<string, unknown>[];
    expect(items.map((u) => u.email)).toEqual(['priya.natarajan@fabrikam.example', 'priya.sharma@contoso.example']);
    expect(items[1]).toEqual({
      id: await userId(platform.platform.ctx.db, 'priya.sharma@contoso.example'),
      email: 'priya.sharma@contoso.example',
      firstName: 'Priya',
      lastName: 'Sharma',
      fullName: 'Priya Sharma',
      company: 'Contoso',
      registrations: [
        { eventSlug: 'partner-kickoff-2026', role: 'attendee', status: 'attended', stage: 'joined' },
        { eventSlug: 'customer-day-live', role: 'attendee', status: 'attended', stage: 'joined' },
        { eventSlug: 'product-summit-2027', role: 'speaker', status: 'registered', stage: 'verified' },
      ],
    });
  });

  it('--json with no match prints an empty list and no notice', async () => {
    const result = await find(['zzz-nobody', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ query: 'zzz-nobody', items: [], nextCursor: null });
  });
});

describe('t1 users find: matching and ranking', () => {
  it('puts the exact email first, then email prefixes, whatever the names', async () => {
    const result = await find(['max@tailspin.example']);
    expect(result.exitCode).toBe(0);
    expect(rows(result.stdout).map((r) => r[1])).toEqual(['max@tailspin.example', 'max@tailspin.example.org']);
  });

  it('puts email prefix matches (in email order) before name matches', async () => {
    const result = await find(['max']);
    expect(result.exitCode).toBe(0);
    expect(rows(result.stdout).map((r) => r[0])).toEqual(['Zoe Max', 'Aaron Zed', 'Maxine Adams']);
  });

  it('puts an exact email first', async () => {
    const result = await find(['max@tailspin.example']);
    expect(rows(result.stdout).map((r) => r[0])).toEqual(['Zoe Max', 'Aaron Zed']);
  });

  it('ranks an email prefix above a last-name match in the demo data', async () => {
    const result = await find(['li']);
    expect(result.exitCode).toBe(0);
    expect(rows(result.stdout).map((r) => r[0])).toEqual(['Liam Nguyen', 'Jonas Lindqvist']);
  });

  it('matches a last name shared by two people', async () => {
    const result = await find([DEMO_EXAMPLES.sharedLastName]);
    expect(rows(result.stdout).map((r) => r[0])).toEqual(['Chidi Okafor', 'Ngozi Okafor']);
  });

  it('ignores case in names and emails', async () => {
    const upper = await find(['PRIYA']);
    expect(upper.exitCode).toBe(0);
    expect(rows(upper.stdout)).toEqual([PRIYA_NATARAJAN_ROW, PRIYA_SHARMA_ROW]);
    const email = await find(['PRIYA.SHARMA@Contoso.Example']);
    expect(rows(email.stdout)).toEqual([PRIYA_SHARMA_ROW]);
    const accented = await find(['SOFÍA']);
    expect(rows(accented.stdout).map((r) => r[1])).toEqual(['sofia.garcia@adventure-works.example']);
  });

  it('matches the start of a full name', async () => {
    expect(rows((await find(['priya s'])).stdout)).toEqual([PRIYA_SHARMA_ROW]);
    expect(rows((await find(['Priya Sharma'])).stdout)).toEqual([PRIYA_SHARMA_ROW]);
    expect(rows((await find(["sarah o'c"])).stdout).map((r) => r[0])).toEqual(["Sarah O'Connor"]);
  });

  it('finds a person by their user id (the search matches ids exactly)', async () => {
    const id = await userId(platform.platform.ctx.db, DEMO_EXAMPLES.personWithOneRegistration);
    const result = await find([id]);
    expect(result.exitCode).toBe(0);
    expect(rows(result.stdout).map((r) => r[1])).toEqual([DEMO_EXAMPLES.personWithOneRegistration]);
  });

  it('says so on stderr, with nothing on stdout, when no one matches', async () => {
    const result = await find(['zzz-nobody']);
    expect(result).toEqual({ exitCode: 0, stdout: '', stderr: 'No one matches "zzz-nobody".\n' });
  });
});

describe('t1 users find: filters', () => {
  it('--event keeps people registered for that event', async () => {
    const result = await find(['priya', '--event', DEMO_EVENT_SLUGS.live]);
    expect(result.exitCode).toBe(0);
    expect(rows(result.stdout)).toEqual([PRIYA_SHARMA_ROW]);
  });

  it('--event accepts the event id', async () => {
    const { db } = platform.platform.ctx;
    const event = await db.selectFrom('events').select('id').where('slug', '=', DEMO_EVENT_SLUGS.live).executeTakeFirstOrThrow();
    const result = await find(['priya', '--event', event.id]);
    expect(rows(result.stdout)).toEqual([PRIYA_SHARMA_ROW]);
  });

  it('--status keeps people with a registration in that status', async () => {
    const result = await find(['okafor', '--status', 'attended']);
    expect(rows(result.stdout).map((r) => r[0])).toEqual(['Chidi Okafor']);
  });

  it('--role keeps people with a registration in that role', async () => {
    const speakers = await find(['okafor', '--role', 'speaker']);
    expect(rows(speakers.stdout).map((r) => r[0])).toEqual(['Chidi Okafor']);
    const attendees = await find(['okafor', '--role', 'attendee']);
    expect(rows(attendees.stdout).map((r) => r[0])).toEqual(['Ngozi Okafor']);
  });

  it('applies --event and --status to the same registration', async () => {
    // Priya Sharma attended customer-day-live and is registered for another event.
    const result = await find(['priya', '--event', DEMO_EVENT_SLUGS.live, '--status', 'registered']);
    expect(result).toEqual({ exitCode: 0, stdout: '', stderr: 'No one matches "priya".\n' });
  });

  it('an unknown --event is "not found" (exit 3)', async () => {
    const result = await find(['priya', '--event', 'no-such-event']);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('Error: No event matches "no-such-event".\nSee the events: t1 events list\n');
  });
});

describe('t1 users find: paging', () => {
  it('--limit 1 prints one row and a hint on stderr that more match', async () => {
    const result = await find(['okafor', '--limit', '1']);
    expect(result.exitCode).toBe(0);
    expect(rows(result.stdout).map((r) => r[0])).toEqual(['Chidi Okafor']);
    expect(result.stderr).toBe('More people match; raise --limit or use --all to see them all.\n');
  });

  it('no hint when the limit covers every match', async () => {
    const result = await find(['okafor', '--limit', '2']);
    expect(rows(result.stdout)).toHaveLength(2);
    expect(result.stderr).toBe('');
  });

  it('--limit 1 --json gives a nextCursor and keeps stdout pure JSON', async () => {
    const result = await find(['okafor', '--limit', '1', '--json']);
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout) as { items: unknown[]; nextCursor: string | null };
    expect(body.items).toHaveLength(1);
    expect(typeof body.nextCursor).toBe('string');
  });

  it('shows 25 people by default and hints at the rest', async () => {
    const result = await find(['pagetest']);
    expect(rows(result.stdout)).toHaveLength(25);
    expect(result.stderr).toContain('use --all');
  });

  it('--all returns every match over several pages, each person once', async () => {
    const { db } = platform.platform.ctx;
    const stored = await db.selectFrom('users').select('email').where('last_name_lc', '=', 'pagetest').execute();
    expect(stored.length).toBeGreaterThan(400); // more than two pages of 200

    const result = await find(['pagetest', '--all', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout) as { items: { email: string }[]; nextCursor: string | null };
    const emails = body.items.map((u) => u.email);
    expect(emails).toHaveLength(stored.length);
    expect(new Set(emails).size).toBe(emails.length);
    expect(new Set(emails)).toEqual(new Set(stored.map((u) => u.email)));
    expect(body.nextCursor).toBeNull();
    // Email-prefix matches (rank 1) all come before last-name-only matches (rank 2).
    const firstCrowd = emails.findIndex((e) => e.startsWith('crowd.'));
    expect(emails.slice(0, firstCrowd).every((e) => e.startsWith('pagetest.'))).toBe(true);
    expect(emails.slice(firstCrowd).every((e) => e.startsWith('crowd.'))).toBe(true);
  });

  it('--all with a filter returns exactly the people the platform stores for it', async () => {
    const { db } = platform.platform.ctx;
    const stored = await db
      .selectFrom('users')
      .select('users.email')
      .distinct()
      .innerJoin('registrations', 'registrations.user_id', 'users.id')
      .where('users.last_name_lc', '=', 'pagetest')
      .where('registrations.status', '=', 'registered')
      .execute();
    expect(stored.length).toBeGreaterThan(200);

    const result = await find(['pagetest', '--all', '--status', 'registered']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const emails = rows(result.stdout).map((r) => r[1]);
    expect(emails).toHaveLength(stored.length);
    expect(new Set(emails)).toEqual(new Set(stored.map((u) => u.email)));
  });
});

describe('t1 users find: usage errors (exit 2)', () => {
  const usage = async (args: string[], message: string) => {
    const result = await runT1(args, { env: platform.env() });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    // The usage line of the command follows the error.
    expect(result.stderr).toMatch(/^Usage: t1 users find \[options\] <query>$/m);
  };

  it('--limit abc', () => usage(['users', 'find', 'priya', '--limit', 'abc'], "option '--limit <n>' argument 'abc' is invalid"));
  it('--limit 0', () => usage(['users', 'find', 'priya', '--limit', '0'], 'Expected a number from 1 to 200.'));
  it('--limit 201', () => usage(['users', 'find', 'priya', '--limit', '201'], 'Expected a number from 1 to 200.'));
  it('--status bogus', () =>
    usage(['users', 'find', 'priya', '--status', 'bogus'], "argument 'bogus' is invalid. Allowed choices are invited, registered"));
  it('--role bogus', () => usage(['users', 'find', 'priya', '--role', 'bogus'], "argument 'bogus' is invalid"));
  it('an unknown option', () => usage(['users', 'find', 'priya', '--colour'], "unknown option '--colour'"));
  it('a missing query', () => usage(['users', 'find'], "missing required argument 'query'"));

  it('a query longer than the platform accepts', async () => {
    const result = await find(['x'.repeat(300)]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Error: .*q is too long/);
  });
});
