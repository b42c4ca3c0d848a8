// What the activity log costs and how fast it reads back:
// - sign-in latency through the HTTP app with the log and without it (a platform whose
//   activity writer discards entries), requests interleaved so both see the same machine;
// - the first page of the timeline of a person with 10,000 entries, among other people's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPlatform, type Platform } from '../src/platform/platform.ts';
import type { ActivityWriter } from '../src/platform/activity/record.ts';
import { hashPassword } from '../src/platform/passwords.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID, seedDemo } from '../src/platform/seed/demo.ts';
import { issueApiToken } from '../src/platform/services/staff-auth.ts';
import { searchColumns } from '../src/platform/services/user-search.ts';
import type { NewActivity } from '../src/platform/storage/schema.ts';
import { median, ms, percentile } from './stats.ts';

const PEOPLE = 100;
const ROUNDS = 3;
const PASSWORD = 'Orchid-Lantern-Bench-9';
const CSRF = 'bench-csrf-value-0123456789abcdef';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

const discard: ActivityWriter = { write: async () => {} };

async function open(dir: string, name: string, activityWriter?: ActivityWriter): Promise<Platform> {
  const platform = await openPlatform({ database: join(dir, `${name}.db`), publicUrl: 'http://127.0.0.1:4747', env: {}, signInDelayMs: () => 0, activityWriter });
  await seedDemo(platform.ctx.db, platform.ctx);
  return platform;
}

/** People registered and verified for the upcoming password event, all with one password hash. */
async function addPeople(platform: Platform, hash: string): Promise<string[]> {
  const { db } = platform.ctx;
  const event = await db.selectFrom('events').select('id').where('slug', '=', DEMO_EVENT_SLUGS.upcoming).executeTakeFirstOrThrow();
  const now = new Date().toISOString();
  const emails: string[] = [];
  for (let i = 0; i < PEOPLE; i++) {
    const email = `bench.person${i}@northwind.example`;
    const id = `usr_bench${i}`;
    await db
      .insertInto('users')
      .values({ id, org_id: DEMO_ORG_ID, email, first_name: 'Bench', last_name: `Person${i}`, ...searchColumns('Bench', `Person${i}`), country: null, job_title: null, company: null, password_hash: hash, email_verified_at: now, mfa_secret_enc: null, mfa_confirmed_at: null, mfa_last_step: null, locked_until: null, created_at: now, updated_at: now })
      .execute();
    await db
      .insertInto('registrations')
      .values({ id: `reg_bench${i}`, user_id: id, event_id: event.id, role: 'attendee', type: 'registration', status: 'registered', stage: 'verified', attended_at: null, created_at: now, updated_at: now })
      .execute();
    emails.push(email);
  }
  return emails;
}

async function signIn(platform: Platform, email: string, password: string, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  const response = await platform.app.inject({
    method: 'POST',
    url: `/e/${DEMO_EVENT_SLUGS.upcoming}/login`,
    // A different address each time, so the per-address limit never answers instead.
    remoteAddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    headers: { cookie: `t1_csrf=${CSRF}`, 'content-type': 'application/x-www-form-urlencoded', 'user-agent': CHROME },
    payload: new URLSearchParams({ csrf: CSRF, email, password }).toString(),
  });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  const expected = password === PASSWORD ? 303 : 401;
  if (response.statusCode !== expected) throw new Error(`sign-in ${email} -> ${response.statusCode}, expected ${expected}`);
  return elapsed;
}

export async function benchSignIn(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 't1-bench-'));
  const withLog = await open(dir, 'with-log');
  const withoutLog = await open(dir, 'without-log', discard);
  try {
    const hash = await hashPassword(PASSWORD);
    const people = await addPeople(withLog, hash);
    await addPeople(withoutLog, hash);
    const samples = { with: [] as number[], without: [] as number[] };
    let n = 0;
    // Each person: a wrong password, then the right one; rounds stay under every limit.
    for (let round = 0; round < ROUNDS; round++) {
      for (const email of people) {
        for (const password of ['wrong-password-123', PASSWORD]) {
          n += 1;
          const order = n % 2 === 0 ? ([withLog, withoutLog] as const) : ([withoutLog, withLog] as const);
          for (const platform of order) {
            const elapsed = await signIn(platform, email, password, n);
            (platform === withLog ? samples.with : samples.without).push(elapsed);
          }
        }
      }
    }
    const figures = {
      withP50: median(samples.with),
      withP95: percentile(samples.with, 95),
      withoutP50: median(samples.without),
      withoutP95: percentile(samples.without, 95),
    };
    console.log(`sign-in through the HTTP app, ${samples.with.length} attempts each (half wrong passwords), interleaved`);
    console.log(`  with the activity log:    p50 ${ms(figures.withP50)}, p95 ${ms(figures.withP95)}`);
    console.log(`  without the activity log: p50 ${ms(figures.withoutP50)}, p95 ${ms(figures.withoutP95)}`);
    console.log(`  p95 ratio ${(figures.withP95 / figures.withoutP95).toFixed(3)} (the log may add at most 10%)`);
    return figures;
  } finally {
    await withLog.close();
    await withoutLog.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const TIMELINE_ENTRIES = 10_000;
const OTHER_ENTRIES = 90_000;
const REQUESTS = 400;
const KINDS = ['sign_in.failed', 'link.opened', 'mail.queued', 'mail.sent', 'link.issued', 'visit.coming_soon'];

function entry(i: number, userId: string, at: Date): NewActivity {
  const kind = KINDS[i % KINDS.length]!;
  return {
    id: `act_bench_${userId}_${i}`,
    org_id: DEMO_ORG_ID,
    user_id: userId,
    email: null,
    event_id: null,
    kind,
    outcome: kind === 'sign_in.failed' ? 'refused' : 'ok',
    reason: kind === 'sign_in.failed' ? 'wrong_password' : null,
    detail: JSON.stringify({ failures: (i % 9) + 1, subject: 'Your login link' }),
    cause: 'sign_in',
    actor: null,
    staff_id: null,
    request_id: `req_bench${i}`,
    browser_family: 'chrome',
    browser_version: '156',
    browser_os: 'Windows',
    browser_supported: 1,
    network: '203.0.113.0/24',
    token_id: null,
    email_id: null,
    webhook_id: null,
    created_at: new Date(at.getTime() - i * 60_000).toISOString(),
  };
}

export async function benchTimeline(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 't1-bench-'));
  const platform = await open(dir, 'timeline');
  try {
    const { db } = platform.ctx;
    const [person] = await addPeople(platform, 'unused-hash');
    const now = new Date();
    const rows: NewActivity[] = [];
    for (let i = 0; i < TIMELINE_ENTRIES; i++) rows.push(entry(i, 'usr_bench0', now));
    for (let i = 0; i < OTHER_ENTRIES; i++) rows.push(entry(i, `usr_bench${1 + (i % (PEOPLE - 1))}`, now));
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 500) await trx.insertInto('activity').values(rows.slice(i, i + 500)).execute();
    });
    const { token } = await issueApiToken(db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'viewer', name: 'bench', createdBy: 'bench' });
    const page = async () => {
      const response = await platform.app.inject({ method: 'GET', url: `/v1/users/${encodeURIComponent(person!)}/activity`, query: { limit: '50' }, headers: { authorization: `Bearer ${token}` } });
      if (response.statusCode !== 200 || (JSON.parse(response.body) as { items: unknown[] }).items.length !== 50) throw new Error(`timeline -> ${response.statusCode}`);
    };
    for (let i = 0; i < 50; i++) await page(); // warm up
    const samples: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const start = process.hrtime.bigint();
      await page();
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const figures = { p50: median(samples), p95: percentile(samples, 95) };
    console.log(`timeline first page (50 entries) of a person with ${TIMELINE_ENTRIES.toLocaleString('en')} entries among ${(TIMELINE_ENTRIES + OTHER_ENTRIES).toLocaleString('en')}`);
    console.log(`  ${REQUESTS} requests: p50 ${ms(figures.p50)}, p95 ${ms(figures.p95)}, max ${ms(Math.max(...samples))} (limit: p95 under 10 ms)`);
    return figures;
  } finally {
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
