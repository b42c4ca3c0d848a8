// Bulk invitations end to end: `t1 invitations bulk` in a child process (the built CLI)
// reading a 100,000-row CSV, sending batches of 1,000 over HTTP to the platform, which
// writes people, registrations, links and outbox rows (mail captured: no SMTP), on SQLite
// and, when a server is reachable, on PostgreSQL. Figures: rows per second (wall clock of
// the CLI, start-up and the checking pass included), the CLI's peak RSS, and the CPU time
// of the CLI and of the platform's process (on a busy machine the figures to compare),
// for each of T1_BENCH_BULK_RUNS runs (3) and their median; then the peak RSS of a
// --dry-run over 1,000,000 rows, to show the CLI's memory stays flat as the file grows
// (T1_BENCH_BULK_MILLION=0 skips it).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { POSTGRES_ADMIN_URL, postgresReachable, scratchDatabase } from '../test/helpers/postgres.ts';
import { openPlatform, type Platform } from '../src/platform/platform.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID, seedDemo } from '../src/platform/seed/demo.ts';
import { issueApiToken } from '../src/platform/services/staff-auth.ts';
import { median } from './stats.ts';

const ROWS = Number(process.env.T1_BENCH_BULK_ROWS ?? 100_000);
const MILLION = Number(process.env.T1_BENCH_BULK_BIG_ROWS ?? 1_000_000);
const RUNS = Number(process.env.T1_BENCH_BULK_RUNS ?? 3);
const POSTGRES_URL = process.env.T1_BENCH_POSTGRES_URL ?? POSTGRES_ADMIN_URL;
const BIN = resolve(fileURLToPath(new URL('../bin/t1.js', import.meta.url)));
const EVENT = DEMO_EVENT_SLUGS.upcoming;

// Preloaded into the CLI child: writes its peak RSS (kB) and CPU time (µs) to a file as it exits.
const RSS_HOOK = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => { const r = process.resourceUsage(); writeFileSync(process.env.T1_BENCH_RSS_FILE, JSON.stringify([r.maxRSS, r.userCPUTime + r.systemCPUTime])); });",
)}`;

async function writeCsv(path: string, rows: number, prefix: string): Promise<void> {
  const out = createWriteStream(path);
  out.write('Email,First name,Last name,Company,Job title,Country\n');
  for (let i = 0; i < rows; i++) {
    const line = `${prefix}.${i}@fabrikam${i % 40}.example,First${i},Last${i},Fabrikam ${i % 40},Engineer,France\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface CliRun {
  seconds: number;
  peakRssMb: number;
  cliCpuSeconds: number;
  /** CPU time of this process (the platform) while the CLI ran. */
  platformCpuSeconds: number;
  code: number | null;
  stderr: string;
}

async function runCli(args: string[], env: NodeJS.ProcessEnv, dir: string): Promise<CliRun> {
  const rssFile = join(dir, `rss-${randomBytes(4).toString('hex')}`);
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const child = spawn(process.execPath, ['--import', RSS_HOOK, BIN, ...args], {
    env: { ...env, T1_BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const [maxRss, cliCpu] = JSON.parse(readFileSync(rssFile, 'utf8')) as [number, number];
  return { seconds, peakRssMb: maxRss / 1024, cliCpuSeconds: cliCpu / 1e6, platformCpuSeconds: (cpu.user + cpu.system) / 1e6, code, stderr };
}

async function prepare(platform: Platform, dir: string): Promise<NodeJS.ProcessEnv> {
  await seedDemo(platform.ctx.db, platform.ctx);
  const { token } = await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'agent', name: 'bench', createdBy: 'bench' });
  const url = await platform.listen('127.0.0.1', 0);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, T1_API_URL: url, T1_TOKEN: token, T1_HOME: join(dir, 'home'), NO_COLOR: '1' };
  return env;
}

interface Opened {
  platform: Platform;
  close(): Promise<void>;
}

/**
 * RUNS runs, each on a fresh database (this machine's speed varies from one minute to the
 * next: the median is the figure), then the --dry-run of the big file once.
 */
async function runOn(open: () => Promise<Opened>, label: string, dir: string, file: string, big: string | undefined): Promise<Record<string, number>> {
  const runs: CliRun[] = [];
  let dryRunPeakRssMb: number | undefined;
  for (let i = 0; i < RUNS; i++) {
    const { platform, close } = await open();
    try {
      const env = await prepare(platform, dir);
      const run = await runCli(['invitations', 'bulk', file, '--event', EVENT, '--yes', '--reason', 'benchmark', '--report', join(dir, `${label}.report.csv`)], env, dir);
      if (run.code !== 0) throw new Error(`${label}: t1 exited ${run.code}: ${run.stderr}`);
      const invited = await platform.ctx.db
        .selectFrom('registrations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('type', '=', 'bulk')
        .executeTakeFirstOrThrow();
      if (Number(invited.n) < ROWS) throw new Error(`${label}: ${invited.n} bulk registrations for ${ROWS} rows`);
      runs.push(run);
      console.log(
        `  ${label.padEnd(11)} run ${i + 1}: ${ROWS.toLocaleString('en')} rows in ${run.seconds.toFixed(2)} s: ${Math.round(ROWS / run.seconds).toLocaleString('en')} rows/s, CLI peak RSS ${run.peakRssMb.toFixed(0)} MB; CPU: CLI ${run.cliCpuSeconds.toFixed(2)} s, platform ${run.platformCpuSeconds.toFixed(2)} s`,
      );
      if (big && i === RUNS - 1) {
        const dry = await runCli(['invitations', 'bulk', big, '--event', EVENT, '--dry-run', '--report', join(dir, 'big.report.csv')], env, dir);
        if (dry.code !== 0) throw new Error(`${label} dry run: t1 exited ${dry.code}: ${dry.stderr}`);
        console.log(
          `  ${label.padEnd(11)} --dry-run of ${MILLION.toLocaleString('en')} rows in ${dry.seconds.toFixed(1)} s (${Math.round(MILLION / dry.seconds).toLocaleString('en')} rows/s): CLI peak RSS ${dry.peakRssMb.toFixed(0)} MB (target: under 150 MB)`,
        );
        dryRunPeakRssMb = dry.peakRssMb;
      }
    } finally {
      await close();
    }
  }
  const rate = median(runs.map((run) => ROWS / run.seconds));
  const peakRssMb = Math.max(...runs.map((run) => run.peakRssMb));
  console.log(`  ${label.padEnd(11)} median of ${runs.length}: ${Math.round(rate).toLocaleString('en')} rows/s; CLI peak RSS at most ${peakRssMb.toFixed(0)} MB`);
  const key = label.toLowerCase();
  const figures: Record<string, number> = {
    [`${key}RowsPerSecond`]: rate,
    [`${key}CliPeakRssMb`]: peakRssMb,
    [`${key}CliCpuSeconds`]: median(runs.map((run) => run.cliCpuSeconds)),
    [`${key}PlatformCpuSeconds`]: median(runs.map((run) => run.platformCpuSeconds)),
  };
  if (dryRunPeakRssMb !== undefined) figures[`${key}DryRunMillionPeakRssMb`] = dryRunPeakRssMb;
  return figures;
}

export async function benchBulkCli(): Promise<Record<string, number>> {
  console.log(
    `bulk invitations, end to end: t1 invitations bulk (child process) with ${ROWS.toLocaleString('en')} rows, batches of 1,000 over HTTP, mail captured (targets: SQLite 10,000 rows/s, PostgreSQL 5,000 rows/s, CLI RSS under 150 MB at 1,000,000 rows)`,
  );
  const dir = mkdtempSync(join(tmpdir(), 't1-bench-bulk-'));
  const figures: Record<string, number> = {};
  try {
    const file = join(dir, 'people.csv');
    await writeCsv(file, ROWS, 'invitee');
    let big: string | undefined;
    if (process.env.T1_BENCH_BULK_MILLION !== '0') {
      big = join(dir, 'million.csv');
      await writeCsv(big, MILLION, 'candidate');
    }
    let opened = 0;
    const openSqlite = async (): Promise<Opened> => {
      const database = join(dir, `bulk-${++opened}.db`);
      const platform = await openPlatform({ database, publicUrl: 'http://127.0.0.1:4747', env: {}, logLevel: 'error' } as Parameters<typeof openPlatform>[0]);
      return { platform, close: () => platform.close() };
    };
    Object.assign(figures, await runOn(openSqlite, 'SQLite', dir, file, big));
    if (!(await postgresReachable(POSTGRES_URL))) {
      console.log(`  PostgreSQL  not reachable at ${POSTGRES_URL}; skipped`);
      return figures;
    }
    const openPostgres = async (): Promise<Opened> => {
      const scratch = await scratchDatabase('t1_bench', POSTGRES_URL);
      const platform = await openPlatform({ database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: randomBytes(32).toString('hex') }, logLevel: 'error' } as Parameters<typeof openPlatform>[0]);
      return { platform, close: async () => (await platform.close(), await scratch.drop()) };
    };
    Object.assign(figures, await runOn(openPostgres, 'PostgreSQL', dir, file, undefined));
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBulkCli();
