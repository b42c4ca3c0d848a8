// The platform at scale: an organisation of 1,000,000 generated people (T1_BENCH_PEOPLE
// changes it) with their registrations, activity and mails, on SQLite and, when a server
// answers, on a scratch PostgreSQL database. Each request goes through the HTTP app
// (routing, auth, validation, queries, JSON), as an agent's would; p50/p95/p99 per shape.
//
// Generating a million people takes minutes on each database, so `npm run bench` skips
// this one; run it with `npm run bench -- scale` (or `npm run bench -- --scale`).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openPlatform, type Platform } from '../src/platform/platform.ts';
import { DEMO_ORG_ID, seedDemo } from '../src/platform/seed/demo.ts';
import { generateEvents, generateUsers } from '../src/platform/seed/generate.ts';
import { issueApiToken } from '../src/platform/services/staff-auth.ts';
import { postgresReachable, scratchDatabase } from '../test/helpers/postgres.ts';
import { ms, percentile } from './stats.ts';

const PEOPLE = Number(process.env.T1_BENCH_PEOPLE ?? 1_000_000);
// The demo's three events and these make ten.
const EXTRA_EVENTS = 7;
const REQUESTS_PER_SHAPE = 300;
const SAMPLE_PEOPLE = 200;

type Query = Record<string, string>;
interface Shape {
  name: string;
  budgetMs: number;
  urls: { url: string; query?: Query }[];
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

async function shapesOf(platform: Platform): Promise<Shape[]> {
  const { db } = platform.ctx;
  const events = await db.selectFrom('events').select('slug').where('org_id', '=', DEMO_ORG_ID).orderBy('starts_at').execute();
  // Ids are random, so the first ones in id order are people from all over the set.
  const sample = await db.selectFrom('users').select(['email', 'first_name', 'last_name']).where('org_id', '=', DEMO_ORG_ID).orderBy('id').limit(SAMPLE_PEOPLE).execute();
  const search = (make: (u: (typeof sample)[number], i: number) => Query) => sample.map((u, i) => ({ url: '/v1/users', query: { limit: '25', ...make(u, i) } }));
  // People with an everyday history, and the few with a long one.
  const active = await db.selectFrom('activity').select('user_id').where('user_id', 'is not', null).limit(SAMPLE_PEOPLE * 5).execute();
  const activeIds = [...new Set(active.map((row) => row.user_id!))].slice(0, SAMPLE_PEOPLE);
  const withHistory = await db.selectFrom('users').select('email').where('id', 'in', activeIds).execute();
  const longHistory = await db
    .selectFrom('users')
    .select('email')
    .where('org_id', '=', DEMO_ORG_ID)
    .where((eb) => eb.exists(eb.selectFrom('emails').select('emails.id').whereRef('emails.user_id', '=', 'users.id').offset(20).limit(1)))
    .limit(20)
    .execute();
  const personal = (people: { email: string }[], path: string) => people.map((p) => ({ url: `/v1/users/${encodeURIComponent(p.email)}/${path}`, query: { limit: '25' } }));
  return [
    { name: 'search: exact email', budgetMs: 5, urls: search((u) => ({ q: u.email })) },
    { name: 'search: email prefix', budgetMs: 5, urls: search((u) => ({ q: u.email.slice(0, 8) })) },
    { name: 'search: first name', budgetMs: 5, urls: search((u) => ({ q: u.first_name })) },
    { name: 'search: first + last prefix', budgetMs: 5, urls: search((u) => ({ q: `${u.first_name} ${u.last_name.slice(0, 2)}` })) },
    { name: 'search: last prefix, status', budgetMs: 5, urls: search((u) => ({ q: u.last_name.slice(0, 4), status: 'registered' })) },
    { name: 'search: first prefix, event', budgetMs: 5, urls: search((u, i) => ({ q: u.first_name.slice(0, 3), event: events[i % events.length]!.slug })) },
    { name: 'timeline', budgetMs: 10, urls: personal(withHistory, 'activity') },
    { name: 'timeline, long history', budgetMs: 10, urls: personal(longHistory, 'activity') },
    { name: 'mail log', budgetMs: 10, urls: personal(withHistory, 'emails') },
    { name: 'mail log, long history', budgetMs: 10, urls: personal(longHistory, 'emails') },
    { name: 'events list with counts', budgetMs: 20, urls: [{ url: '/v1/events', query: { limit: '25' } }] },
  ];
}

async function measure(platform: Platform, token: string, shape: Shape): Promise<number[]> {
  const call = async ({ url, query }: Shape['urls'][number]) => {
    const response = await platform.app.inject({ method: 'GET', url, query, headers: { authorization: `Bearer ${token}` } });
    if (response.statusCode !== 200) throw new Error(`${shape.name}: ${url} ${JSON.stringify(query)} answered ${response.statusCode}: ${response.body}`);
  };
  for (const request of shape.urls.slice(0, 20)) await call(request); // warm up
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS_PER_SHAPE; i++) {
    const request = shape.urls[(i * 7) % shape.urls.length]!;
    const start = process.hrtime.bigint();
    await call(request);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

async function benchOn(label: string, database: string, env: NodeJS.ProcessEnv): Promise<Record<string, number>> {
  const platform = await openPlatform({ database, publicUrl: 'http://127.0.0.1:4747', env });
  try {
    const { db } = platform.ctx;
    await seedDemo(db, platform.ctx);
    const demoEvents = await db.selectFrom('events').select('id').where('org_id', '=', DEMO_ORG_ID).execute();
    const started = Date.now();
    const eventIds = [...demoEvents.map((e) => e.id), ...(await generateEvents(db, platform.ctx, DEMO_ORG_ID, EXTRA_EVENTS))];
    const rows = await generateUsers(db, platform.ctx, DEMO_ORG_ID, eventIds, PEOPLE);
    console.log(
      `${label}: generated ${rows.users.toLocaleString('en')} people, ${rows.registrations.toLocaleString('en')} registrations, ` +
        `${rows.activity.toLocaleString('en')} activity entries, ${rows.emails.toLocaleString('en')} mails in ${seconds(started)}`,
    );
    // The load leaves a checkpoint to come on PostgreSQL, which would write a gigabyte
    // during the first measurements; a database in service has long had it.
    if (label === 'PostgreSQL') await sql`checkpoint`.execute(db);
    const { token } = await issueApiToken(db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'viewer', name: 'bench', createdBy: 'bench' });
    const figures: Record<string, number> = {};
    for (const shape of await shapesOf(platform)) {
      const samples = await measure(platform, token, shape);
      const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(samples, p)) as [number, number, number];
      const verdict = p95 <= shape.budgetMs ? 'ok' : `OVER ${shape.budgetMs} ms`;
      console.log(`  ${shape.name.padEnd(30)} p50 ${ms(p50).padStart(8)}  p95 ${ms(p95).padStart(8)}  p99 ${ms(p99).padStart(8)}  (p95 budget ${shape.budgetMs} ms: ${verdict})`);
      figures[`${label} ${shape.name} p95`] = p95;
    }
    return figures;
  } finally {
    await platform.close();
  }
}

export async function benchScale(): Promise<Record<string, number>> {
  console.log(`scale: ${PEOPLE.toLocaleString('en')} generated people, ${REQUESTS_PER_SHAPE} requests per shape, server-side through the HTTP app`);
  const dir = mkdtempSync(join(tmpdir(), 't1-bench-scale-'));
  let figures: Record<string, number>;
  try {
    figures = await benchOn('SQLite', join(dir, 'scale.db'), {});
  } finally {
    // Gone before PostgreSQL's turn, so the system does not write its pages out meanwhile.
    rmSync(dir, { recursive: true, force: true });
  }
  if (!(await postgresReachable())) {
    console.log('PostgreSQL: no server answers (T1_TEST_POSTGRES_URL); skipped.');
    return figures;
  }
  const scratch = await scratchDatabase('t1_bench_scale');
  try {
    return { ...figures, ...(await benchOn('PostgreSQL', scratch.url, { T1_SECRET_KEY: randomBytes(32).toString('hex') })) };
  } finally {
    await scratch.drop();
  }
}
