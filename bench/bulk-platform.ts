// The platform's side of a bulk invitation run: 100,000 rows in batches of 1,000 (two in
// flight, as t1 sends them) through the HTTP app (routing, auth, validation, one
// transaction per batch with people, registrations, set-password links, outbox rows and
// activity), mail captured, on SQLite and, when a server is reachable, on PostgreSQL. Rows per second, end to end on the server,
// and the CPU time this process spent (the figure to compare on a busy machine, where wall
// time depends on what else runs; PostgreSQL's own CPU time is not in it).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POSTGRES_ADMIN_URL, postgresReachable, scratchDatabase } from '../test/helpers/postgres.ts';
import { openPlatform, type Platform } from '../src/platform/platform.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID, seedDemo } from '../src/platform/seed/demo.ts';
import { issueApiToken } from '../src/platform/services/staff-auth.ts';
import type { BulkBatchBody, BulkBatchResult } from '../src/contract/schemas.ts';
import { BATCHES_IN_FLIGHT } from '../src/cli/bulk/pipeline.ts';

const ROWS = Number(process.env.T1_BENCH_BULK_ROWS ?? 100_000);
const BATCH = 1_000;
const POSTGRES_URL = process.env.T1_BENCH_POSTGRES_URL ?? POSTGRES_ADMIN_URL;

function batchBody(run: string, batch: number, last: boolean): BulkBatchBody {
  const rows = [];
  for (let i = 0; i < BATCH; i++) {
    const n = batch * BATCH + i;
    rows.push({ row: n + 2, email: `invitee.${n}@fabrikam${n % 40}.example`, firstName: `First${n}`, lastName: `Last${n}`, company: `Fabrikam ${n % 40}` });
  }
  return { run, file: 'bench.csv', batch, last, rows, reason: 'benchmark', ticket: 'BENCH-1' };
}

async function runOn(platform: Platform, label: string): Promise<number> {
  await seedDemo(platform.ctx.db, platform.ctx);
  const { token } = await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'agent', name: 'bench', createdBy: 'bench' });
  const run = `bench-${randomBytes(6).toString('hex')}`;
  const batches = ROWS / BATCH;
  // The bodies are built (as the CLI would) before the clock starts: this measures the server.
  const payloads = Array.from({ length: batches }, (_, b) => JSON.stringify(batchBody(run, b, b === batches - 1)));
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  let invited = 0;
  const send = async (b: number) => {
    const response = await platform.app.inject({
      method: 'POST',
      url: `/v1/events/${DEMO_EVENT_SLUGS.upcoming}/invitations/batch`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `${run}:${b}` },
      payload: payloads[b],
    });
    if (response.statusCode !== 200) throw new Error(`batch ${b} -> ${response.statusCode} ${response.body.slice(0, 300)}`);
    invited += (response.json() as BulkBatchResult).counts.invited;
  };
  // As t1 sends them: three batches in flight, the last one alone once the others are answered.
  const inFlight: Promise<void>[] = [];
  for (let b = 0; b < batches; b++) {
    if (b === batches - 1) await Promise.all(inFlight.splice(0));
    inFlight.push(send(b));
    if (inFlight.length >= BATCHES_IN_FLIGHT) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (invited !== ROWS) throw new Error(`${label}: invited ${invited} of ${ROWS}`);
  const mails = await platform.ctx.db.selectFrom('emails').select((eb) => eb.fn.countAll<number>().as('n')).where('template', '=', 'invitation_password').executeTakeFirstOrThrow();
  const rate = ROWS / seconds;
  console.log(
    `  ${label.padEnd(11)} ${ROWS.toLocaleString('en')} rows in ${seconds.toFixed(2)} s: ${Math.round(rate).toLocaleString('en')} rows/s; CPU ${cpuSeconds.toFixed(2)} s, ${Math.round(ROWS / cpuSeconds).toLocaleString('en')} rows per CPU second (${Number(mails.n).toLocaleString('en')} invitation mails in the outbox)`,
  );
  return rate;
}

export async function benchBulkPlatform(): Promise<Record<string, number>> {
  console.log(`bulk invitations, platform side: ${ROWS.toLocaleString('en')} rows in batches of ${BATCH.toLocaleString('en')} through the HTTP app (targets: SQLite 10,000 rows/s, PostgreSQL 5,000 rows/s)`);
  const figures: Record<string, number> = {};
  const dir = mkdtempSync(join(tmpdir(), 't1-bench-'));
  const sqlite = await openPlatform({ database: join(dir, 'bulk.db'), publicUrl: 'http://127.0.0.1:4747', env: {} });
  try {
    figures.sqliteRowsPerSecond = await runOn(sqlite, 'SQLite');
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (!(await postgresReachable(POSTGRES_URL))) {
    console.log(`  PostgreSQL  not reachable at ${POSTGRES_URL}; skipped`);
    return figures;
  }
  const scratch = await scratchDatabase('t1_bench', POSTGRES_URL);
  const postgres = await openPlatform({ database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: randomBytes(32).toString('hex') } });
  try {
    figures.postgresRowsPerSecond = await runOn(postgres, 'PostgreSQL');
  } finally {
    await postgres.close();
    await scratch.drop();
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBulkPlatform();
