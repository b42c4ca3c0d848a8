// Server-side latency of user search on a generated organisation of 100,000 people:
// each request goes through the HTTP app (routing, auth, validation, query, JSON).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPlatform } from '../src/platform/platform.ts';
import { DEMO_ORG_ID, seedDemo } from '../src/platform/seed/demo.ts';
import { generateUsers } from '../src/platform/seed/generate.ts';
import { issueApiToken } from '../src/platform/services/staff-auth.ts';
import { median, ms, percentile } from './stats.ts';

const PEOPLE = 100_000;
const REQUESTS = 600;

export async function benchUserSearch(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 't1-bench-'));
  const platform = await openPlatform({ database: join(dir, 'bench.db'), publicUrl: 'http://127.0.0.1:4747', env: {} });
  try {
    const { db } = platform.ctx;
    await seedDemo(db, platform.ctx);
    const events = await db.selectFrom('events').select(['id', 'slug']).execute();
    const started = Date.now();
    await generateUsers(db, platform.ctx, DEMO_ORG_ID, events.map((e) => e.id), PEOPLE);
    console.log(`user search on ${PEOPLE.toLocaleString('en')} generated people (inserted in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    const { token } = await issueApiToken(db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'viewer', name: 'bench', createdBy: 'bench' });

    const sample = await db.selectFrom('users').select(['email', 'first_name', 'last_name']).where('org_id', '=', DEMO_ORG_ID).orderBy('id').limit(200).execute();
    const queries = sample.flatMap((u, i): Record<string, string>[] => [
      { q: u.email },
      { q: u.email.slice(0, 8) },
      { q: u.first_name },
      { q: `${u.first_name} ${u.last_name.slice(0, 2)}` },
      { q: u.last_name.slice(0, 4), status: 'registered' },
      { q: u.first_name.slice(0, 3), event: events[i % events.length]!.slug },
    ]);

    const search = async (query: Record<string, string>) => {
      const response = await platform.app.inject({
        method: 'GET',
        url: '/v1/users',
        query: { limit: '25', ...query },
        headers: { authorization: `Bearer ${token}` },
      });
      if (response.statusCode !== 200) throw new Error(`search ${JSON.stringify(query)} -> ${response.statusCode}`);
    };
    for (const query of queries.slice(0, 50)) await search(query); // warm up
    const samples: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const query = queries[(i * 7) % queries.length]!;
      const start = process.hrtime.bigint();
      await search(query);
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const p50 = median(samples);
    const p95 = percentile(samples, 95);
    console.log(`  ${REQUESTS} searches: p50 ${ms(p50)}, p95 ${ms(p95)}, max ${ms(Math.max(...samples))}`);
    return { p50, p95 };
  } finally {
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
