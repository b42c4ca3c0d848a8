// The sign-in lock under parallel requests, for people (passwords, 2FA codes, recovery
// codes) and staff: every attempt is counted before its check, so of a burst only the
// first ten reach the password check, the rest are refused as locked, and a right
// password or code never signs in once the lock is set. The same scenarios run on SQLite
// and, when a server is reachable, on PostgreSQL with two platform instances on one
// database, the requests taking turns between them. T1_RACE_ROUNDS=100 runs each racing
// scenario a hundred times over instead of three.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { hash } from '@node-rs/argon2';
import { Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import type { PlatformContext } from '../../src/platform/context.ts';
import { hashPassword } from '../../src/platform/passwords.ts';
import { DEMO_EXAMPLES, DEMO_ORG_ID, DEMO_PASSWORD, seedDemo } from '../../src/platform/seed/demo.ts';
import { replaceRecoveryCodes } from '../../src/platform/services/mfa.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import { runT1, type CliResult } from '../helpers/cli.ts';
import { testClock, type TestClock } from '../helpers/action-kit.ts';
import { textOf } from '../helpers/browserless.ts';
import { personRow } from '../helpers/people.ts';
import { startTestPlatform, tempDir } from '../helpers/platform.ts';
import { POSTGRES_ADMIN_URL, postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';
import { stepAt, totpAt, totpForStep } from '../helpers/totp.ts';

const SLUG = 'product-summit-2027';
const LOCK = 10;
/** The per-account limit on sign-in attempts in 15 minutes (the burst stays within it). */
const BURST = 30;
/** The per-account limit on codes in 5 minutes. */
const CODE_BURST = 5;
/** How many times the racing scenarios run in one go (each on a fresh run). */
const ROUNDS = Number.parseInt(process.env.T1_RACE_ROUNDS ?? '3', 10);
if (!(ROUNDS >= 1)) throw new Error('T1_RACE_ROUNDS must be a whole number, at least 1.');
/** Room for every round on a busy machine. */
const ROUNDS_TIMEOUT = { timeout: 15_000 + ROUNDS * 10_000 };

interface RaceWorld {
  /** The platform instances on one database; request i goes to instance i mod n. */
  apps: FastifyInstance[];
  ctx: PlatformContext;
  clock: TestClock;
  /** The run counts the growing delay was asked for, across instances, in order. */
  delays: number[];
  t1(args: string[]): Promise<CliResult>;
  close(): Promise<void>;
}

async function sqliteWorld(): Promise<RaceWorld> {
  const clock = testClock();
  const delays: number[] = [];
  const platform = await startTestPlatform({ clock, signInDelayMs: (failures) => (delays.push(failures), 0) });
  return {
    apps: [platform.platform.app],
    ctx: platform.platform.ctx,
    clock,
    delays,
    t1: (args) => runT1(args, { env: platform.env('agent') }),
    close: () => platform.close(),
  };
}

async function postgresWorld(): Promise<RaceWorld> {
  const clock = testClock();
  const delays: number[] = [];
  const scratch: ScratchDatabase = await scratchDatabase('t1_races');
  const options = {
    database: scratch.url,
    publicUrl: 'http://127.0.0.1:4747',
    env: { T1_SECRET_KEY: randomBytes(32).toString('hex') },
    clock,
    signInDelayMs: (failures: number) => (delays.push(failures), 0),
  };
  const instances: Platform[] = [];
  try {
    instances.push(await openPlatform(options));
    await seedDemo(instances[0]!.ctx.db, instances[0]!.ctx);
    instances.push(await openPlatform(options));
    const { token } = await issueApiToken(instances[0]!.ctx.db, instances[0]!.ctx, { orgId: DEMO_ORG_ID, role: 'agent', name: 'races', createdBy: 'test' });
    const env = { T1_API_URL: await instances[0]!.listen('127.0.0.1', 0), T1_TOKEN: token, T1_HOME: tempDir() };
    return {
      apps: instances.map((p) => p.app),
      ctx: instances[0]!.ctx,
      clock,
      delays,
      t1: (args) => runT1(args, { env }),
      async close() {
        for (const p of instances) await p.close();
        await scratch.drop();
      },
    };
  } catch (error) {
    for (const p of instances) await p.close();
    await scratch.drop();
    throw error;
  }
}

let ips = 0;
/** A fresh client address for each request, so the per-address limits never interfere. */
function nextIp(): string {
  ips += 1;
  return `10.${(ips >> 16) & 255}.${(ips >> 8) & 255}.${ips & 255}`;
}

function cookiesOf(response: LightMyRequestResponse): Record<string, string> {
  return Object.fromEntries(response.cookies.map((c) => [c.name, c.value]));
}

const cookieHeader = (jar: Record<string, string>) =>
  Object.entries(jar)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');

/** One visitor's page with a form: its cookies and CSRF value, ready to post. */
interface OpenForm {
  app: FastifyInstance;
  ip: string;
  jar: Record<string, string>;
  csrf: string;
}

async function openForm(app: FastifyInstance, path: string, jar: Record<string, string> = {}): Promise<OpenForm> {
  const ip = nextIp();
  const page = await app.inject({ method: 'GET', url: path, remoteAddress: ip, headers: { cookie: cookieHeader(jar) } });
  expect(page.statusCode, page.body).toBe(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  return { app, ip, jar: { ...jar, ...cookiesOf(page) }, csrf };
}

function postForm(form: OpenForm, path: string, fields: Record<string, string>) {
  return form.app.inject({
    method: 'POST',
    url: path,
    remoteAddress: form.ip,
    headers: { cookie: cookieHeader(form.jar), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: form.csrf, ...fields }).toString(),
  });
}

/** Each visitor opens the sign-in page first; then all of them post at once. */
async function passwordBurst(w: RaceWorld, email: string, passwords: string[]): Promise<LightMyRequestResponse[]> {
  const forms = await Promise.all(passwords.map((_, i) => openForm(w.apps[i % w.apps.length]!, `/e/${SLUG}/login`)));
  return Promise.all(forms.map((form, i) => postForm(form, `/e/${SLUG}/login`, { email, password: passwords[i]! })));
}

async function signIn(w: RaceWorld, email: string, password: string): Promise<LightMyRequestResponse> {
  const [response] = await passwordBurst(w, email, [password]);
  return response!;
}

/** Opens the sign-in page and posts without waiting for the answer, which `answer` brings later. */
async function startSignIn(w: RaceWorld, email: string, password: string, instance: number): Promise<{ answer: Promise<LightMyRequestResponse> }> {
  const form = await openForm(w.apps[instance % w.apps.length]!, `/e/${SLUG}/login`);
  return { answer: postForm(form, `/e/${SLUG}/login`, { email, password }) };
}

const wrong = (n: number, label = 'guess') => Array.from({ length: n }, (_, i) => `${label}-${i}-${randomBytes(3).toString('hex')}`);

interface Counters {
  failures: number;
  lockedUntil: string | null;
}

async function personCounters(w: RaceWorld, email: string): Promise<Counters> {
  const row = await w.ctx.db.selectFrom('users').select(['failed_logins', 'locked_until']).where('email', '=', email).executeTakeFirstOrThrow();
  return { failures: Number(row.failed_logins), lockedUntil: row.locked_until };
}

async function staffCounters(w: RaceWorld, email: string): Promise<Counters> {
  const row = await w.ctx.db.selectFrom('staff').select(['failed_logins', 'locked_until']).where('email', '=', email).executeTakeFirstOrThrow();
  return { failures: Number(row.failed_logins), lockedUntil: row.locked_until };
}

const inForce = (counters: Counters, w: RaceWorld) => counters.lockedUntil !== null && counters.lockedUntil > w.clock.now().toISOString();

/** Waits (briefly) until the stored run count reaches `failures`: the attempts are counted, their checks still running. */
async function untilCounted(read: () => Promise<Counters>, failures: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await read()).failures < failures) {
    if (Date.now() > deadline) throw new Error(`The run never reached ${failures}.`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

interface Entry {
  id: string;
  kind: string;
  reason: string | null;
  detail: Record<string, unknown>;
}

/** What the activity log holds for a person (or an address nobody has), oldest first. */
async function activityOf(w: RaceWorld, who: { userId?: string; email?: string }): Promise<Entry[]> {
  let query = w.ctx.db.selectFrom('activity').select(['id', 'kind', 'reason', 'detail', 'created_at']);
  query = who.userId ? query.where('user_id', '=', who.userId) : query.where('email', '=', who.email!);
  const rows = await query.orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, kind: r.kind, reason: r.reason, detail: JSON.parse(r.detail ?? '{}') as Record<string, unknown> }));
}

/** The entries written since `before` was read. */
async function newActivity(w: RaceWorld, who: { userId?: string; email?: string }, before: Entry[]): Promise<Entry[]> {
  const seen = new Set(before.map((e) => e.id));
  return (await activityOf(w, who)).filter((e) => !seen.has(e.id));
}

const ofReason = (entries: Entry[], reason: string) => entries.filter((e) => e.kind === 'sign_in.failed' && e.reason === reason);
const ofKind = (entries: Entry[], kind: string) => entries.filter((e) => e.kind === kind);
const runCounts = (entries: Entry[]) => entries.map((e) => Number(e.detail.failures)).sort((a, b) => a - b);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function sessionsOf(w: RaceWorld, userId: string): Promise<number> {
  const row = await w.ctx.db.selectFrom('tokens').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('kind', '=', 'session').executeTakeFirstOrThrow();
  return Number(row.n);
}

// The same password hashed at twenty times the platform's time cost, as a platform with
// stronger settings would have stored it: still accepted, but each check takes far longer,
// so a test can act while the check of a right password is still running.
const SLOW_ARGON2 = { algorithm: 2, memoryCost: 19 * 1024, timeCost: 40, parallelism: 1 };
const slowHash = () => hash(DEMO_PASSWORD, SLOW_ARGON2);

let people = 0;
/** A person registered (and verified) for the summit with a known password; with 2FA on request. */
async function addPerson(w: RaceWorld, options: { twoFactor?: boolean; slowHash?: boolean } = {}) {
  people += 1;
  const id = `usr_race${people}${randomBytes(3).toString('hex')}`;
  const email = `racer.${people}.${randomBytes(2).toString('hex')}@contoso.example`;
  const now = w.clock.now().toISOString();
  const secret = options.twoFactor ? new Secret({ size: 20 }).base32 : null;
  const event = await w.ctx.db.selectFrom('events').select('id').where('slug', '=', SLUG).executeTakeFirstOrThrow();
  await w.ctx.db
    .insertInto('users')
    .values(
      personRow({
        id,
        email,
        first: 'Race',
        last: `Runner${people}`,
        password_hash: options.slowHash ? await slowHash() : await hashPassword(DEMO_PASSWORD),
        email_verified_at: now,
        mfa_secret_enc: secret ? w.ctx.secrets.seal(secret) : null,
        mfa_confirmed_at: secret ? now : null,
      }),
    )
    .execute();
  await w.ctx.db
    .insertInto('registrations')
    .values({ id: `reg_${id}`, user_id: id, event_id: event.id, role: 'attendee', type: 'registration', status: 'registered', stage: 'verified', attended_at: null, created_at: now, updated_at: now })
    .execute();
  const recoveryCodes = secret ? await replaceRecoveryCodes(w.ctx.db, w.ctx, { userId: id }) : [];
  return { id, email, secret: secret ?? '', recoveryCodes };
}

async function unlock(w: RaceWorld, email: string): Promise<void> {
  const result = await w.t1(['users', 'unlock', email, '--yes']);
  expect(result.exitCode, result.stderr).toBe(0);
}

function expectLockedPage(response: LightMyRequestResponse): void {
  expect(response.statusCode).toBe(423);
  expect(textOf(response.body)).toMatch(/This account is locked after too many failed sign-ins, until .+\. Wait, reset your password, or ask the event's support team to unlock it\./);
}

/** Six digits no authenticator shows for this secret around now. */
function wrongCodes(secret: string, w: RaceWorld, n: number): string[] {
  const step = stepAt(w.clock.now().getTime());
  const near = new Set([step - 1, step, step + 1].map((s) => totpForStep(secret, s)));
  const codes: string[] = [];
  for (let candidate = 100_000; codes.length < n; candidate += 7_919) if (!near.has(String(candidate))) codes.push(String(candidate));
  return codes;
}

/** Signs in with the right password up to the code step; returns the visitor holding the challenge. */
async function toCodeStep(w: RaceWorld, email: string): Promise<Record<string, string>> {
  const form = await openForm(w.apps[0]!, `/e/${SLUG}/login`);
  const response = await postForm(form, `/e/${SLUG}/login`, { email, password: DEMO_PASSWORD });
  expect(response.statusCode).toBe(303);
  expect(response.headers.location).toBe(`/e/${SLUG}/login/code`);
  return { ...form.jar, ...cookiesOf(response) };
}

/** Each visitor with the challenge opens the code page; then all post their code at once. */
async function codeBurst(w: RaceWorld, jar: Record<string, string>, codes: string[]): Promise<LightMyRequestResponse[]> {
  const forms = await Promise.all(codes.map((_, i) => openForm(w.apps[i % w.apps.length]!, `/e/${SLUG}/login/code`, jar)));
  return Promise.all(forms.map((form, i) => postForm(form, `/e/${SLUG}/login/code`, { code: codes[i]! })));
}

async function unusedRecoveryCodes(w: RaceWorld, userId: string): Promise<number> {
  const row = await w.ctx.db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

function staffLogin(w: RaceWorld, email: string, password: string, instance = 0) {
  return w.apps[instance % w.apps.length]!.inject({ method: 'POST', url: '/v1/auth/login', remoteAddress: nextIp(), payload: { email, password } });
}

function staffCode(w: RaceWorld, challenge: string, code: string, instance = 0) {
  return w.apps[instance % w.apps.length]!.inject({ method: 'POST', url: '/v1/auth/mfa', remoteAddress: nextIp(), payload: { challenge, code } });
}

interface ApiAnswer {
  status: number;
  reason: string | undefined;
  message: string;
}

function answerOf(response: LightMyRequestResponse): ApiAnswer {
  const body = response.json() as { error?: { message: string; details?: { reason?: string } } };
  return { status: response.statusCode, reason: body.error?.details?.reason, message: body.error?.message ?? '' };
}

const STAFF_LOCKED = /^This account is locked after too many failed sign-in attempts, until \d{4}-\d\d-\d\d \d\d:\d\d UTC\. The lock runs out by itself; try again then\.$/;

/** A staff sign-in refused: 401 for wrong credentials, 429 (come back later) while locked. */
function expectStaffRefusals(answers: ApiAnswer[]): void {
  for (const a of answers) {
    if (a.reason === 'locked') {
      expect(a.status).toBe(429);
      expect(a.message).toMatch(STAFF_LOCKED);
    } else {
      expect(a.status).toBe(401);
    }
  }
}

function raceScenarios(start: () => Promise<RaceWorld>): void {
  let w: RaceWorld;
  beforeAll(async () => {
    w = await start();
  });
  afterAll(async () => {
    await w?.close();
  });

  describe('a burst of passwords', () => {
    it(`${BURST} wrong passwords at once count ${BURST} failures; only the first ten are checked, then one lock answers the rest`, ROUNDS_TIMEOUT, async () => {
      const person = await addPerson(w);
      for (let round = 1; round <= ROUNDS; round++) {
        const before = await activityOf(w, { userId: person.id });
        w.delays.length = 0;
        const responses = await passwordBurst(w, person.email, wrong(BURST));

        const statuses = responses.map((r) => r.statusCode);
        expect(statuses.filter((s) => s !== 401 && s !== 423), `round ${round}`).toEqual([]);
        expect(statuses.filter((s) => s === 423).length).toBeGreaterThanOrEqual(BURST - LOCK);
        const counters = await personCounters(w, person.email);
        expect(counters.failures).toBe(BURST);
        expect(inForce(counters, w)).toBe(true);

        const entries = await newActivity(w, { userId: person.id }, before);
        // Checked: the first ten of the run, each recorded with its place in it and slowed by it.
        expect(runCounts(ofReason(entries, 'wrong_password'))).toEqual(oneTo(LOCK));
        expect([...w.delays].sort((a, b) => a - b)).toEqual(oneTo(LOCK));
        // Refused before any check, as locked.
        expect(ofReason(entries, 'locked')).toHaveLength(BURST - LOCK);
        const locks = ofKind(entries, 'account.locked');
        expect(locks).toHaveLength(1);
        expect(Number(locks[0]!.detail.failures)).toBeGreaterThanOrEqual(LOCK);
        expect(locks[0]!.detail.until).toBe(counters.lockedUntil);

        // The per-account limit still stands: the next attempt, even with the right password, is not counted.
        const limited = await signIn(w, person.email, DEMO_PASSWORD);
        expect(limited.statusCode).toBe(429);
        expect((await personCounters(w, person.email)).failures).toBe(BURST);
        await unlock(w, person.email);
      }
      const open = await signIn(w, person.email, DEMO_PASSWORD);
      expect(open.statusCode).toBe(303);
      expect(await personCounters(w, person.email)).toEqual({ failures: 0, lockedUntil: null });
    });

    it('the right password inside a burst of wrong ones never signs in once the lock is set', ROUNDS_TIMEOUT, async () => {
      const person = await addPerson(w);
      for (let round = 1; round <= ROUNDS; round++) {
        const before = await activityOf(w, { userId: person.id });
        const sessions = await sessionsOf(w, person.id);
        const passwords = wrong(BURST - 1);
        const at = (round * 11) % BURST;
        passwords.splice(at, 0, DEMO_PASSWORD);
        const responses = await passwordBurst(w, person.email, passwords);
        const right = responses[at]!;
        const counters = await personCounters(w, person.email);
        const entries = await newActivity(w, { userId: person.id }, before);

        expect(responses.map((r) => r.statusCode).filter((s, i) => i !== at && s !== 401 && s !== 423)).toEqual([]);
        expect(inForce(counters, w)).toBe(true);
        expect(ofKind(entries, 'account.locked')).toHaveLength(1);
        if (right.statusCode === 303) {
          // Signed in only before any lock: at most nine attempts came first, so at least
          // twenty were counted after the success reset the run (and locked it again).
          expect(counters.failures).toBeGreaterThanOrEqual(BURST - LOCK);
          expect(counters.failures).toBeLessThan(BURST);
          expect(ofKind(entries, 'sign_in.succeeded')).toHaveLength(1);
        } else {
          expectLockedPage(right);
          expect(counters.failures).toBe(BURST);
          expect(ofKind(entries, 'sign_in.succeeded')).toEqual([]);
          expect(await sessionsOf(w, person.id)).toBe(sessions);
          expect(ofReason(entries, 'wrong_password').length).toBeLessThanOrEqual(LOCK);
        }
        await unlock(w, person.email);
      }
    });

    it('a right password still being checked when the lock is set is refused, and the lock stays', ROUNDS_TIMEOUT, async () => {
      const person = await addPerson(w, { slowHash: true });
      for (let round = 1; round <= ROUNDS; round++) {
        const sessions = await sessionsOf(w, person.id);
        const read = () => personCounters(w, person.email);
        const eleventhForm = await openForm(w.apps[round % w.apps.length]!, `/e/${SLUG}/login`);
        // Nine wrong ones are counted and checking; the right one is counted tenth, its
        // check queued behind theirs; the eleventh attempt locks while it runs.
        const guesses = await Promise.all(wrong(LOCK - 1).map((p, i) => startSignIn(w, person.email, p, i)));
        await untilCounted(read, LOCK - 1);
        const right = await startSignIn(w, person.email, DEMO_PASSWORD, round);
        await untilCounted(read, LOCK);
        expectLockedPage(await postForm(eleventhForm, `/e/${SLUG}/login`, { email: person.email, password: 'one-more-guess' }));
        expectLockedPage(await right.answer);
        for (const guess of await Promise.all(guesses.map((g) => g.answer))) expect([401, 423]).toContain(guess.statusCode);

        const counters = await read();
        expect(counters.failures).toBe(LOCK + 1);
        expect(inForce(counters, w)).toBe(true);
        expect(await sessionsOf(w, person.id)).toBe(sessions);
        await unlock(w, person.email);
      }
    });

    it('an address nobody has answers a burst the same way: ten checked, then locked', async () => {
      const email = `nobody.${randomBytes(3).toString('hex')}@contoso.example`;
      w.delays.length = 0;
      const responses = await passwordBurst(w, email, wrong(BURST));
      const statuses = responses.map((r) => r.statusCode);
      expect(statuses.filter((s) => s !== 401 && s !== 423)).toEqual([]);
      expect(statuses.filter((s) => s === 423).length).toBeGreaterThanOrEqual(BURST - LOCK);
      for (const response of responses.filter((r) => r.statusCode === 423)) expectLockedPage(response);
      expect([...w.delays].sort((a, b) => a - b)).toEqual(oneTo(LOCK));
      const entries = await activityOf(w, { email });
      expect(ofReason(entries, 'unknown_address')).toHaveLength(BURST);
      expect(runCounts(entries)).toEqual(oneTo(BURST));
      expect((await signIn(w, email, DEMO_PASSWORD)).statusCode).toBe(429);
    });

    it('a lock that ran out lets one more attempt through: a wrong one locks again at once, the right one signs in', async () => {
      const person = await addPerson(w);
      await passwordBurst(w, person.email, wrong(BURST));
      w.clock.advance(31 * 60_000);
      const again = await signIn(w, person.email, 'still-guessing');
      expectLockedPage(again);
      w.clock.advance(31 * 60_000);
      expect((await signIn(w, person.email, DEMO_PASSWORD)).statusCode).toBe(303);
      expect(await personCounters(w, person.email)).toEqual({ failures: 0, lockedUntil: null });
    });
  });

  describe('2FA codes and recovery codes count toward the same lock', () => {
    it('wrong codes at once lock the account; then a right code and a recovery code are refused and nothing is spent', async () => {
      const person = await addPerson(w, { twoFactor: true });
      for (const guess of wrong(LOCK - 3)) expect((await signIn(w, person.email, guess)).statusCode).toBe(401);
      // The right password leaves the run as it was: the code is still to come.
      const jar = await toCodeStep(w, person.email);
      expect((await personCounters(w, person.email)).failures).toBe(LOCK - 3);

      const before = await activityOf(w, { userId: person.id });
      const responses = await codeBurst(w, jar, wrongCodes(person.secret, w, CODE_BURST));
      expect(responses.map((r) => r.statusCode).filter((s) => s !== 401 && s !== 423)).toEqual([]);
      const counters = await personCounters(w, person.email);
      expect(counters.failures).toBe(LOCK - 3 + CODE_BURST);
      expect(inForce(counters, w)).toBe(true);
      const entries = await newActivity(w, { userId: person.id }, before);
      expect(runCounts(ofReason(entries, 'code_wrong'))).toEqual([8, 9, 10]);
      expect(ofReason(entries, 'locked')).toHaveLength(CODE_BURST - 3);
      expect(ofKind(entries, 'account.locked')).toHaveLength(1);

      w.clock.advance(6 * 60_000); // past the code limit's window, well inside the lock
      const [right, recovery] = await codeBurst(w, jar, [totpAt(person.secret, w.clock.now().getTime()), person.recoveryCodes[0]!]);
      expectLockedPage(right!);
      expectLockedPage(recovery!);
      expect(await unusedRecoveryCodes(w, person.id)).toBe(10);
      const user = await w.ctx.db.selectFrom('users').select('mfa_last_step').where('id', '=', person.id).executeTakeFirstOrThrow();
      expect(user.mfa_last_step).toBeNull();

      await unlock(w, person.email);
      const fresh = await toCodeStep(w, person.email);
      const [signedIn] = await codeBurst(w, fresh, [person.recoveryCodes[0]!]);
      expect(signedIn!.statusCode).toBe(303);
      expect(signedIn!.headers.location).toBe(`/e/${SLUG}`);
      expect(await personCounters(w, person.email)).toEqual({ failures: 0, lockedUntil: null });
    });

    it('a recovery code inside a burst of wrong codes signs in only when no lock came first', ROUNDS_TIMEOUT, async () => {
      const person = await addPerson(w, { twoFactor: true });
      for (let round = 1; round <= ROUNDS; round++) {
        for (const guess of wrong(LOCK - 3)) await signIn(w, person.email, guess);
        const jar = await toCodeStep(w, person.email);
        const before = await activityOf(w, { userId: person.id });
        const [recoveryCode] = await replaceRecoveryCodes(w.ctx.db, w.ctx, { userId: person.id });
        const unused = await unusedRecoveryCodes(w, person.id);
        const codes = wrongCodes(person.secret, w, CODE_BURST - 1);
        const at = round % CODE_BURST;
        codes.splice(at, 0, recoveryCode!);
        const responses = await codeBurst(w, jar, codes);
        const recovery = responses[at]!;
        const counters = await personCounters(w, person.email);
        const locks = ofKind(await newActivity(w, { userId: person.id }, before), 'account.locked');
        if (recovery.statusCode === 303) {
          // The success came before any lock and reset the run; the wrong codes after it stay under ten.
          expect(locks).toEqual([]);
          expect(counters.lockedUntil).toBeNull();
          expect(counters.failures).toBeLessThan(CODE_BURST);
          expect(await unusedRecoveryCodes(w, person.id)).toBe(unused - 1);
        } else {
          expectLockedPage(recovery);
          expect(locks).toHaveLength(1);
          expect(inForce(counters, w)).toBe(true);
          expect(counters.failures).toBe(LOCK - 3 + CODE_BURST);
          expect(await unusedRecoveryCodes(w, person.id)).toBe(unused);
        }
        await unlock(w, person.email);
        w.clock.advance(6 * 60_000); // past the code limit's window
      }
    });
  });

  describe('staff sign-in', () => {
    it(`${BURST - 1} wrong staff passwords at once count ${BURST - 1}; ten are checked; the lock refuses even the right one until it runs out`, async () => {
      const email = DEMO_EXAMPLES.viewerStaff;
      w.delays.length = 0;
      const answers = (await Promise.all(wrong(BURST - 1).map((p, i) => staffLogin(w, email, p, i)))).map(answerOf);
      expectStaffRefusals(answers);
      const locked = answers.filter((a) => a.reason === 'locked');
      expect(locked.length).toBeGreaterThanOrEqual(BURST - 1 - LOCK);
      for (const a of answers.filter((x) => x.reason !== 'locked')) expect(a.message).toBe('The email or password is not correct.');
      expect([...w.delays].sort((a, b) => a - b)).toEqual(oneTo(LOCK));
      const counters = await staffCounters(w, email);
      expect(counters.failures).toBe(BURST - 1);
      expect(inForce(counters, w)).toBe(true);

      const refused = await staffLogin(w, email, DEMO_PASSWORD);
      expect(answerOf(refused)).toMatchObject({ status: 429, reason: 'locked' });
      const wait = Number(refused.headers['retry-after']);
      expect(Math.abs(wait * 1000 - (Date.parse(counters.lockedUntil!) - w.clock.now().getTime()))).toBeLessThan(2_000);
      expect((await staffCounters(w, email)).failures).toBe(BURST);

      w.clock.advance(31 * 60_000);
      const first = await staffLogin(w, email, DEMO_PASSWORD, 1);
      expect(first.statusCode).toBe(200);
      const step = first.json() as { next: string; challenge: string; setupKey: string };
      expect(step.next).toBe('mfa_enroll');
      const done = await staffCode(w, step.challenge, totpAt(step.setupKey, w.clock.now().getTime()));
      expect(done.statusCode).toBe(200);
      expect((done.json() as { next: string }).next).toBe('done');
      expect(await staffCounters(w, email)).toEqual({ failures: 0, lockedUntil: null });
    });

    it('a right staff password still being checked when the lock is set is refused', async () => {
      const email = DEMO_EXAMPLES.agentStaff;
      await w.ctx.db.updateTable('staff').set({ password_hash: await slowHash() }).where('email', '=', email).execute();
      const read = () => staffCounters(w, email);
      const guesses = wrong(LOCK - 1).map((p, i) => staffLogin(w, email, p, i));
      await untilCounted(read, LOCK - 1);
      const right = staffLogin(w, email, DEMO_PASSWORD, 1);
      await untilCounted(read, LOCK);
      expect(answerOf(await staffLogin(w, email, 'one-more-guess'))).toMatchObject({ status: 429, reason: 'locked' });
      const answer = answerOf(await right);
      expect(answer).toMatchObject({ status: 429, reason: 'locked' });
      expect(answer.message).toMatch(STAFF_LOCKED);
      await Promise.all(guesses);
      const counters = await read();
      expect(counters.failures).toBe(LOCK + 1);
      expect(inForce(counters, w)).toBe(true);
      const sessions = await w.ctx.db.selectFrom('tokens').select('id').where('kind', 'in', ['session', 'login_challenge']).where('created_by', '=', email).execute();
      expect(sessions).toEqual([]);
    });

    it('an address no staff member has answers a burst the same way', async () => {
      const email = `nobody.${randomBytes(3).toString('hex')}@northwind.example`;
      w.delays.length = 0;
      const answers = (await Promise.all(wrong(BURST).map((p, i) => staffLogin(w, email, p, i)))).map(answerOf);
      expectStaffRefusals(answers);
      const locked = answers.filter((a) => a.reason === 'locked');
      expect(locked.length).toBeGreaterThanOrEqual(BURST - LOCK);
      expect([...w.delays].sort((a, b) => a - b)).toEqual(oneTo(LOCK));
    });

    it('wrong staff codes at once count toward the lock; the right code is then refused and nothing is enrolled', async () => {
      const email = DEMO_EXAMPLES.adminStaff;
      for (const guess of wrong(LOCK - 3)) expect((await staffLogin(w, email, guess)).statusCode).toBe(401);
      const first = await staffLogin(w, email, DEMO_PASSWORD);
      expect(first.statusCode).toBe(200);
      const step = first.json() as { challenge: string; setupKey: string };
      expect((await staffCounters(w, email)).failures).toBe(LOCK - 3);

      const secret = step.setupKey.replace(/ /g, '');
      const answers = (await Promise.all(wrongCodes(secret, w, CODE_BURST).map((c, i) => staffCode(w, step.challenge, c, i)))).map(answerOf);
      expectStaffRefusals(answers);
      expect(answers.filter((a) => a.reason === 'locked').length).toBeGreaterThanOrEqual(CODE_BURST - 3);
      const counters = await staffCounters(w, email);
      expect(counters.failures).toBe(LOCK - 3 + CODE_BURST);
      expect(inForce(counters, w)).toBe(true);

      w.clock.advance(6 * 60_000); // past the code limit's window, well inside the lock
      const right = answerOf(await staffCode(w, step.challenge, totpAt(secret, w.clock.now().getTime()), 1));
      expect(right).toMatchObject({ status: 429, reason: 'locked' });
      const staff = await w.ctx.db.selectFrom('staff').select(['mfa_confirmed_at', 'mfa_secret_enc']).where('email', '=', email).executeTakeFirstOrThrow();
      expect(staff).toEqual({ mfa_confirmed_at: null, mfa_secret_enc: null });
    });
  });
}

describe('the sign-in lock under parallel requests (SQLite)', () => {
  raceScenarios(sqliteWorld);
});

const postgres = await postgresReachable();
if (!postgres) console.warn(`PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL}; skipping the sign-in races on PostgreSQL.`);

describe.runIf(postgres)('the sign-in lock under parallel requests (PostgreSQL, two platform instances on one database)', () => {
  raceScenarios(postgresWorld);
});
