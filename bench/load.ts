// Throughput under load, measured from outside the server: `t1 platform start` runs in
// child processes (bin/t1.js, the built bundle) and autocannon drives them from this
// process over loopback, so the load generator never shares an event loop with the server.
//
// load: the admin API's lookups (search, a person's detail, a registration's status) with
// real API tokens on an organisation of 100,000 generated people, for (a) one instance on
// SQLite, (b) one on PostgreSQL, (c) two on PostgreSQL behind HAProxy (round robin).
// The admin API reads have no rate limit today; the load still spreads over several
// tokens, and any 429 would show as errors in the table, so a limiter added later cannot
// pass for the server's speed unnoticed.
//
// load-sign-in: what a password sign-in costs: argon2id verifications per second per core
// at the platform's parameters (src/platform/passwords.ts), then real sign-ins through the
// event sign-in page of one instance, enough connections to keep every core busy. The
// sign-ins come with distinct X-Forwarded-For addresses to an instance started with
// `--trust-proxy 127.0.0.1`, as they would from many visitors behind a load balancer, so
// the per-address limit (60 per 15 minutes) counts each visitor and not the bench; each
// account signs in a few times only, under its own limit.
//
// Each line also gives the CPU time a request cost the platform processes and PostgreSQL's
// backends (read from /proc, Linux only). Other work on the machine lowers req/s and
// raises latency, but hardly changes CPU per request: plan capacity from that, and read
// req/s on a shared or small machine as a floor.
//
// T1_BENCH_LOAD_SECONDS (default 5) sets the length of each measurement,
// T1_BENCH_LOAD_CONNECTIONS (default "8,64") the connection counts of the lookups.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import { hashPassword, verifyPassword } from '../src/platform/passwords.ts';
import { openPlatform } from '../src/platform/platform.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID, seedDemo } from '../src/platform/seed/demo.ts';
import { generateUsers } from '../src/platform/seed/generate.ts';
import { issueApiToken } from '../src/platform/services/staff-auth.ts';
import { searchColumns } from '../src/platform/services/user-search.ts';
import { isPostgresUrl } from '../src/platform/storage/database.ts';
import type { NewRegistration, NewUser } from '../src/platform/storage/schema.ts';
import { haproxyAvailable, startLoadBalancer } from '../test/helpers/load-balancer.ts';
import { postgresReachable, scratchDatabase } from '../test/helpers/postgres.ts';
import { median, percentile } from './stats.ts';

const BIN = fileURLToPath(new URL('../bin/t1.js', import.meta.url));
const PEOPLE = 100_000;
const SAMPLE = 2_000;
const TOKENS = 8;
const SECONDS = wholeNumbers('T1_BENCH_LOAD_SECONDS', '5')[0]!;
const CONNECTIONS = wholeNumbers('T1_BENCH_LOAD_CONNECTIONS', '8,64');
const WARM_UP_SECONDS = 1;
// A fixed key for the PostgreSQL databases the bench creates and drops.
const SECRET_KEY = 'b7'.repeat(32);
const CORES = availableParallelism();

const SIGN_IN_PEOPLE = 3_000;
const SIGN_IN_PASSWORD = 'Quartz-Meadow-Signal-42';
const SIGN_IN_CONNECTIONS = 4 * CORES;

interface Row {
  setup: string;
  endpoint: string;
  connections: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** What the errors were: "503: 12, timeout: 3". */
  errorKinds: string;
  /** CPU time per answered request: the platform process(es), and PostgreSQL's backends serving them. */
  serverCpuMs: number;
  dbCpuMs: number;
}

/** A comma-separated list of whole numbers of at least 1 from the environment, or the default. */
function wholeNumbers(name: string, fallback: string): number[] {
  const text = process.env[name] || fallback;
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1)) throw new Error(`${name} must be whole numbers of at least 1, separated by commas; it is "${text}".`);
  return values;
}

// ---------------------------------------------------------------- servers

interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The environment of a spawned platform: nothing that points t1 elsewhere. */
function serverEnv(home: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', T1_HOME: home, ...extra };
  for (const key of ['T1_API_URL', 'T1_TOKEN', 'T1_PROFILE', 'T1_TIMEOUT', 'CI', 'NODE_OPTIONS']) delete env[key];
  return env;
}

/** `t1 platform start --db <database>` on a free port, resolved once it listens. */
async function startServer(database: string, home: string, env: Record<string, string>, extraArgs: string[] = []): Promise<Server> {
  const child = spawn(process.execPath, [BIN, 'platform', 'start', '--db', database, '--port', '0', '--quiet', ...extraArgs], {
    env: serverEnv(home, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log = (log + chunk).slice(-4000)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    const url = await listeningUrl(child);
    return { url, pid: child.pid!, stop: () => stopServer(child, exited) };
  } catch (error) {
    await stopServer(child, exited);
    throw new Error(`${(error as Error).message}\n${log}`);
  }
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('t1 platform start did not say where it listens within 60 s')), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`t1 platform start exited (${code}) before listening`));
    });
    lines.on('line', (line) => {
      const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve(url);
    });
  });
}

async function stopServer(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------- load

interface Target {
  url: string;
  connections: number;
  seconds: number;
  expectedStatus: number;
  /** The path (and headers, body) of the n-th request. */
  request(n: number): autocannon.Request;
  method?: 'GET' | 'POST';
}

interface Driven {
  answered: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  errorKinds: string;
}

type Measured = Omit<Driven, 'answered'> & { serverCpuMs: number; dbCpuMs: number };

/** One autocannon run; latencies kept at full resolution (autocannon's histogram rounds to whole ms). */
function drive(target: Target): Promise<Driven> {
  const latencies: number[] = [];
  const wrong = new Map<string, number>();
  const count = (kind: string) => wrong.set(kind, (wrong.get(kind) ?? 0) + 1);
  let n = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        connections: target.connections,
        duration: target.seconds,
        method: target.method ?? 'GET',
        requests: [{ setupRequest: (request) => ({ ...request, ...target.request(n++) }) }],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          answered: latencies.length,
          perSecond: latencies.length / result.duration,
          p50: latencies.length ? median(latencies) : NaN,
          p99: latencies.length ? percentile(latencies, 99) : NaN,
          errors: [...wrong.values()].reduce((a, b) => a + b, 0),
          errorKinds: [...wrong].map(([kind, times]) => `${kind}: ${times}`).join(', '),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, time) => {
      if (statusCode === target.expectedStatus) latencies.push(time);
      else count(String(statusCode));
    });
    instance.on('reqError', (error: NodeJS.ErrnoException) => count(error.code ?? error.message));
  });
}

/** Where the requests are served: the platform processes, and the PostgreSQL database they use (none on SQLite). */
interface Servers {
  pids: number[];
  database?: string;
}

async function measure(target: Target, servers: Servers): Promise<Measured> {
  await drive({ ...target, seconds: WARM_UP_SECONDS });
  // The pools opened their connections during the warm-up and keep them while busy.
  const backends = servers.database ? await backendPids(servers.database) : [];
  const before = { server: cpuMs(servers.pids), db: cpuMs(backends) };
  const { answered, ...driven } = await drive(target);
  const per = (now: number, then: number) => (answered > 0 ? (now - then) / answered : NaN);
  return { ...driven, serverCpuMs: per(cpuMs(servers.pids), before.server), dbCpuMs: servers.database ? per(cpuMs(backends), before.db) : NaN };
}

// CPU time is what a shared or busy machine does not distort much: wall-clock rates fall
// when other work takes the cores, the CPU a request costs stays about the same.
const CLOCK_TICKS_PER_SECOND = 100;

/** User and system CPU time the processes have used so far (ms), from /proc; NaN where there is none. */
function cpuMs(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
    } catch {
      return NaN;
    }
  }
  return total;
}

/** The PostgreSQL server processes connected to the database, other than the one asking. */
async function backendPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- lookups

interface Person {
  email: string;
  firstName: string;
  lastName: string;
  event: string;
}

interface Prepared {
  tokens: string[];
  people: Person[];
}

/** The demo organisation plus PEOPLE generated people, API tokens, and a random sample of people to look up. */
async function prepare(database: string, env: Record<string, string>): Promise<Prepared> {
  const platform = await openPlatform({ database, publicUrl: 'http://127.0.0.1:4747', env });
  try {
    const { db } = platform.ctx;
    await seedDemo(db, platform.ctx);
    const events = await db.selectFrom('events').select('id').execute();
    await generateUsers(db, platform.ctx, DEMO_ORG_ID, events.map((e) => e.id), PEOPLE);
    const tokens: string[] = [];
    for (let i = 0; i < TOKENS; i++) {
      const issued = await issueApiToken(db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'viewer', name: `load-${i}`, createdBy: 'bench' });
      tokens.push(issued.token);
    }
    const rows = await db
      .selectFrom('users')
      .innerJoin('registrations', 'registrations.user_id', 'users.id')
      .innerJoin('events', 'events.id', 'registrations.event_id')
      .select(['users.email', 'users.first_name', 'users.last_name', 'events.slug'])
      .where('users.org_id', '=', DEMO_ORG_ID)
      .orderBy((eb) => eb.fn('random'))
      .limit(SAMPLE)
      .execute();
    if (isPostgresUrl(database)) {
      // A bulk load leaves autovacuum and a checkpoint to come, which would run during the
      // first measurements; a database in service has had both.
      await sql`vacuum analyze`.execute(db);
      await sql`checkpoint`.execute(db);
    }
    return { tokens, people: rows.map((r) => ({ email: r.email, firstName: r.first_name, lastName: r.last_name, event: r.slug })) };
  } finally {
    await platform.close();
  }
}

/** The searches an agent types: a whole address, its start, a first name, a name and a bit of the surname, a surname start with a status. */
function searchPath(person: Person, n: number): string {
  const q = [
    person.email,
    person.email.slice(0, 8),
    person.firstName,
    `${person.firstName} ${person.lastName.slice(0, 2)}`,
    person.lastName.slice(0, 4),
  ][n % 5]!;
  const status = n % 5 === 4 ? '&status=registered' : '';
  return `/v1/users?limit=25&q=${encodeURIComponent(q)}${status}`;
}

const ENDPOINTS: { name: string; path: (person: Person, n: number) => string }[] = [
  { name: 'GET /v1/users?q=', path: searchPath },
  { name: 'GET /v1/users/{email}', path: (person) => `/v1/users/${encodeURIComponent(person.email)}` },
  { name: 'GET /v1/users/{email}/status', path: (person) => `/v1/users/${encodeURIComponent(person.email)}/status?event=${person.event}` },
];

async function lookups(setup: string, url: string, servers: Servers, prepared: Prepared): Promise<Row[]> {
  const rows: Row[] = [];
  for (const endpoint of ENDPOINTS) {
    for (const connections of CONNECTIONS) {
      const measured = await measure({
        url,
        connections,
        seconds: SECONDS,
        expectedStatus: 200,
        request: (n) => ({
          method: 'GET',
          path: endpoint.path(prepared.people[(n * 7919) % prepared.people.length]!, n),
          headers: { authorization: `Bearer ${prepared.tokens[n % prepared.tokens.length]}` },
        }),
      }, servers);
      const row = { setup, endpoint: endpoint.name, connections, ...measured };
      rows.push(row);
      console.error(`  ${formatRow(row)}`);
    }
  }
  return rows;
}

export async function benchLoad(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 't1-bench-load-'));
  const rows: Row[] = [];
  console.log(`load: admin API lookups from a separate process, ${PEOPLE.toLocaleString('en')} people, ${SECONDS} s per line, ${CORES} cores, ${machineLoad()}`);
  try {
    const file = join(dir, 'load.db');
    let started = Date.now();
    const onSqlite = await prepare(file, {});
    console.error(`  SQLite prepared in ${seconds(started)}`);
    const sqlite = await startServer(file, join(dir, 'home-sqlite'), {});
    try {
      rows.push(...(await lookups('1 instance, SQLite', sqlite.url, { pids: [sqlite.pid] }, onSqlite)));
    } finally {
      await sqlite.stop();
    }

    if (!(await postgresReachable())) {
      console.log('  (PostgreSQL not reachable: its setups are skipped)');
    } else {
      const scratch = await scratchDatabase('t1_bench_load');
      const env = { T1_SECRET_KEY: SECRET_KEY };
      try {
        started = Date.now();
        const onPostgres = await prepare(scratch.url, env);
        console.error(`  PostgreSQL prepared in ${seconds(started)}`);
        const first = await startServer(scratch.url, join(dir, 'home-pg-1'), env, ['--trust-proxy', '127.0.0.1']);
        try {
          rows.push(...(await lookups('1 instance, PostgreSQL', first.url, { pids: [first.pid], database: scratch.url }, onPostgres)));
          if (!haproxyAvailable()) {
            console.log('  (HAProxy not installed: the load-balanced setup is skipped)');
          } else {
            const second = await startServer(scratch.url, join(dir, 'home-pg-2'), env, ['--trust-proxy', '127.0.0.1']);
            try {
              const balancer = await startLoadBalancer({ backends: [first.url, second.url] });
              try {
                rows.push(...(await lookups('2 instances, PostgreSQL, HAProxy', balancer.url, { pids: [first.pid, second.pid], database: scratch.url }, onPostgres)));
              } finally {
                await balancer.close();
              }
            } finally {
              await second.stop();
            }
          }
        } finally {
          await first.stop();
        }
      } finally {
        await scratch.drop();
      }
    }
    printTable(rows);
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- sign-in

/** Verifications of one password against its stored hash, `parallel` at a time for `ms`: per second, and CPU time each. */
async function verifyRate(hash: string, parallel: number, ms: number): Promise<{ perSecond: number; cpuMs: number }> {
  let done = 0;
  const until = performance.now() + ms;
  const start = performance.now();
  // The hashing runs on libuv's threads; the process's CPU time counts them all.
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() < until) {
        if (!(await verifyPassword(hash, SIGN_IN_PASSWORD))) throw new Error('the bench password did not verify');
        done++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { perSecond: done / ((performance.now() - start) / 1000), cpuMs: (used.user + used.system) / 1000 / done };
}

/** People registered and verified for the demo's password event, who can sign in straight away; all share one hash. */
async function addSignInPeople(database: string, env: Record<string, string>, hash: string): Promise<string[]> {
  const platform = await openPlatform({ database, publicUrl: 'http://127.0.0.1:4747', env });
  try {
    const { db } = platform.ctx;
    await seedDemo(db, platform.ctx);
    const event = await db.selectFrom('events').select('id').where('slug', '=', DEMO_EVENT_SLUGS.upcoming).executeTakeFirstOrThrow();
    const now = new Date().toISOString();
    const emails: string[] = [];
    for (let from = 0; from < SIGN_IN_PEOPLE; from += 500) {
      const users: NewUser[] = [];
      const registrations: NewRegistration[] = [];
      for (let i = from; i < Math.min(from + 500, SIGN_IN_PEOPLE); i++) {
        const email = `load.person${i}@northwind.example`;
        users.push({
          id: `usr_load${i}`,
          org_id: DEMO_ORG_ID,
          email,
          first_name: 'Load',
          last_name: `Person${i}`,
          ...searchColumns('Load', `Person${i}`),
          country: null,
          job_title: null,
          company: null,
          password_hash: hash,
          email_verified_at: now,
          mfa_secret_enc: null,
          mfa_confirmed_at: null,
          mfa_last_step: null,
          locked_until: null,
          created_at: now,
          updated_at: now,
        });
        registrations.push({ id: `reg_load${i}`, user_id: `usr_load${i}`, event_id: event.id, role: 'attendee', type: 'registration', status: 'registered', stage: 'verified', attended_at: null, created_at: now, updated_at: now });
        emails.push(email);
      }
      await db.insertInto('users').values(users).execute();
      await db.insertInto('registrations').values(registrations).execute();
    }
    return emails;
  } finally {
    await platform.close();
  }
}

/** The visitor cookie and the CSRF value of the sign-in form, read from the page as a browser would. */
async function signInForm(url: string): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${url}/e/${DEMO_EVENT_SLUGS.upcoming}/login`);
  const page = await response.text();
  const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.includes('csrf='));
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!cookie || !csrf) throw new Error(`the sign-in page gave no CSRF cookie and value (status ${response.status})`);
  return { cookie, csrf };
}

/** A different client address per request: 10.x.y.z. */
function visitorAddress(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

async function signInsThrough(setup: string, database: string, home: string, env: Record<string, string>, emails: string[]): Promise<Row> {
  const server = await startServer(database, home, env, ['--trust-proxy', '127.0.0.1']);
  try {
    const { cookie, csrf } = await signInForm(server.url);
    // Numbering continues across the warm-up and the run, so no account or address repeats soon.
    let offset = 0;
    const measured = await measure({
      url: server.url,
      connections: SIGN_IN_CONNECTIONS,
      seconds: SECONDS,
      expectedStatus: 303,
      method: 'POST',
      request: () => {
        const n = offset++;
        return {
          method: 'POST',
          path: `/e/${DEMO_EVENT_SLUGS.upcoming}/login`,
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': visitorAddress(n) },
          body: new URLSearchParams({ csrf, email: emails[n % emails.length]!, password: SIGN_IN_PASSWORD }).toString(),
        };
      },
    }, { pids: [server.pid], database: isPostgresUrl(database) ? database : undefined });
    return { setup, endpoint: 'POST /e/{slug}/login', connections: SIGN_IN_CONNECTIONS, ...measured };
  } finally {
    await server.stop();
  }
}

export async function benchLoadSignIn(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 't1-bench-sign-in-'));
  try {
    const hash = await hashPassword(SIGN_IN_PASSWORD);
    console.log(`load-sign-in: argon2id at the platform's parameters (${hash.split('$')[3]}), ${CORES} cores, ${machineLoad()}`);
    const single: number[] = [];
    for (let i = 0; i < 30; i++) {
      const start = performance.now();
      await verifyPassword(hash, SIGN_IN_PASSWORD);
      single.push(performance.now() - start);
    }
    const oneAtATime = await verifyRate(hash, 1, SECONDS * 1000);
    const allCores = await verifyRate(hash, CORES, SECONDS * 1000);
    console.log(`  one verification: median ${median(single).toFixed(1)} ms of wall time`);
    console.log(`  one at a time: ${oneAtATime.perSecond.toFixed(1)}/s; ${CORES} at a time: ${allCores.perSecond.toFixed(1)}/s = ${(allCores.perSecond / CORES).toFixed(1)}/s per core`);
    console.log(`  CPU time per verification: ${allCores.cpuMs.toFixed(1)} ms, so ${(1000 / allCores.cpuMs).toFixed(0)}/s per core of CPU`);

    const rows: Row[] = [];
    const file = join(dir, 'sign-in.db');
    const emails = await addSignInPeople(file, {}, hash);
    rows.push(await signInsThrough('1 instance, SQLite', file, join(dir, 'home-sqlite'), {}, emails));
    if (await postgresReachable()) {
      const scratch = await scratchDatabase('t1_bench_sign_in');
      const env = { T1_SECRET_KEY: SECRET_KEY };
      try {
        await addSignInPeople(scratch.url, env, hash);
        rows.push(await signInsThrough('1 instance, PostgreSQL', scratch.url, join(dir, 'home-pg'), env, emails));
      } finally {
        await scratch.drop();
      }
    }
    printTable(rows);
    for (const row of rows) {
      const cpu = row.serverCpuMs + (Number.isNaN(row.dbCpuMs) ? 0 : row.dbCpuMs);
      console.log(`  ${row.setup}: ${(row.perSecond / CORES).toFixed(1)} sign-ins/s per core with every core busy; ${cpu.toFixed(1)} ms of CPU each, so ${(1000 / cpu).toFixed(0)}/s per core of CPU`);
    }
    return {
      verifyCpuMs: allCores.cpuMs,
      verifyPerSecondPerCore: allCores.perSecond / CORES,
      ...Object.fromEntries(rows.map((r) => [r.setup, r.perSecond / CORES])),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- output

// Other work on the machine moves every figure; the load average says how much there was.
function machineLoad(): string {
  return `load average ${loadavg()[0]!.toFixed(1)} before the run`;
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

const COLUMNS = ['setup', 'endpoint', 'connections', 'req/s', 'p50', 'p99', 'errors', 'platform CPU/req', 'database CPU/req'];

/** "-" where there is no figure: no /proc, or SQLite (whose work is inside the platform process). */
function cpuCell(value: number): string {
  return Number.isNaN(value) ? '-' : `${value.toFixed(2)} ms`;
}

function cells(row: Row): string[] {
  return [
    row.setup,
    row.endpoint,
    String(row.connections),
    row.perSecond.toFixed(0),
    `${row.p50.toFixed(1)} ms`,
    `${row.p99.toFixed(1)} ms`,
    row.errors ? `${row.errors} (${row.errorKinds})` : '0',
    cpuCell(row.serverCpuMs),
    cpuCell(row.dbCpuMs),
  ];
}

function formatRow(row: Row): string {
  return cells(row).join('  ');
}

function printTable(rows: Row[]): void {
  const table = [COLUMNS, ...rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  // Text columns align left, figures right.
  const line = (values: string[]) => values.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  console.log(`  ${line(COLUMNS)}`);
  for (const row of table.slice(1)) console.log(`  ${line(row)}`);
}
