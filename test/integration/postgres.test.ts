// The same platform on PostgreSQL: migrations, the demo seed, search, status and a
// support action, through the CLI. Runs when a PostgreSQL server is reachable
// (T1_TEST_POSTGRES_URL, default the local one); otherwise it is skipped, saying so.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_ADMIN_URL, postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { DEMO_EXAMPLES, DEMO_ORG_ID, seedDemo } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import { runT1 } from '../helpers/cli.ts';
import { tempDir } from '../helpers/platform.ts';

const available = await postgresReachable();
if (!available) console.warn(`PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL}; skipping the PostgreSQL tests.`);

describe.runIf(available)('the platform on PostgreSQL', () => {
  let platform: Platform;
  let env: NodeJS.ProcessEnv;
  const secretKey = randomBytes(32).toString('hex');
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    scratch = await scratchDatabase();
    platform = await openPlatform({ database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: secretKey } });
    await seedDemo(platform.ctx.db, platform.ctx);
    const { token } = await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'admin', name: 'pg test', createdBy: 'test' });
    env = { T1_API_URL: await platform.listen('127.0.0.1', 0), T1_TOKEN: token, T1_HOME: tempDir() };
  });

  afterAll(async () => {
    await platform?.close();
    await scratch?.drop();
  });

  it('refuses to start without T1_SECRET_KEY', async () => {
    await expect(openPlatform({ database: POSTGRES_ADMIN_URL, publicUrl: 'http://127.0.0.1:4747', env: {} })).rejects.toThrow(/T1_SECRET_KEY/);
  });

  it('runs the migrations again without harm', async () => {
    const again = await openPlatform({ database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: secretKey } });
    expect((await seedDemo(again.ctx.db, again.ctx)).created).toBe(false);
    await again.close();
  });

  it('finds people by name, ranked and paged', async () => {
    const result = await runT1(['users', 'find', DEMO_EXAMPLES.searchName, '--json'], { env });
    expect(result.exitCode).toBe(0);
    const names = (JSON.parse(result.stdout) as { items: { fullName: string }[] }).items.map((u) => u.fullName);
    expect(names).toEqual(['Priya Natarajan', 'Priya Sharma']);
    const all = await runT1(['users', 'find', 'a', '--all', '--json'], { env });
    const emails = (JSON.parse(all.stdout) as { items: { email: string }[] }).items.map((u) => u.email);
    expect(new Set(emails).size).toBe(emails.length);
  });

  it('explains a registration status', async () => {
    const result = await runT1(['status', DEMO_EXAMPLES.pendingVerificationPerson], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('registered/pending_verification');
  });

  it('answers concurrent requests with one Idempotency-Key once, replaying the first answer', async () => {
    const { token } = await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'agent', name: 'pg race', createdBy: 'test' });
    const responses = await Promise.all(
      Array.from({ length: 4 }, () =>
        fetch(`${env.T1_API_URL}/v1/users/${encodeURIComponent(DEMO_EXAMPLES.personWithOneRegistration)}/magic-links`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'pg-race-1' },
          body: JSON.stringify({ event: 'customer-day-live' }),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const urls = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as { url: string }).url)));
    expect(urls.size).toBe(1);
    const links = await platform.ctx.db.selectFrom('tokens').select('id').where('kind', '=', 'magic_link').where('created_by', '=', 'token:pg race').execute();
    expect(links).toHaveLength(1);
  });

  it('takes a support action and audits it', async () => {
    const sent = await runT1(['verification', 'resend', DEMO_EXAMPLES.pendingVerificationPerson, '--event', 'product-summit-2027', '--yes', '--ticket', 'PG-1'], { env });
    expect(sent.exitCode).toBe(0);
    const again = await runT1(['verification', 'resend', DEMO_EXAMPLES.pendingVerificationPerson, '--event', 'product-summit-2027', '--yes'], { env });
    expect(again.exitCode).toBe(1);
    const audit = await runT1(['audit', '--json'], { env });
    const entries = (JSON.parse(audit.stdout) as { items: { action: string; result: string; ticket: string | null }[] }).items.filter(
      (e) => e.action === 'verification.resend',
    );
    expect(entries.map((e) => e.result)).toEqual(['refused', 'ok']);
    expect(entries[1]!.ticket).toBe('PG-1');
  });
});
