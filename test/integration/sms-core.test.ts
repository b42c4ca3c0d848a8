// The SMS second factor's core on SQLite and, when a server is reachable, on PostgreSQL
// with two platform instances on one database: enrolling a phone with a code, sign-in
// codes (single use, 5 minutes, locked after five tries), the per-number and per-account
// limits under parallel requests, the organisation's policy, and the SMS log agents read,
// where a number appears only masked.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import type { PlatformContext } from '../../src/platform/context.ts';
import { DEMO_EXAMPLES, DEMO_ORG_ID, seedDemo } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import {
  allowedMethods,
  confirmSmsEnrollment,
  pendingSmsEnrollment,
  removeSmsMethod,
  sendSignInCode,
  smsMethod,
  startSmsEnrollment,
  verifySignInCode,
  SMS_CODE_ATTEMPTS,
  SMS_SENDS_PER_ACCOUNT,
  SMS_SENDS_PER_NUMBER,
  type SmsSubject,
} from '../../src/platform/services/sms-mfa.ts';
import { HttpError } from '../../src/platform/http-error.ts';
import type { Db } from '../../src/platform/storage/database.ts';
import { createSmsDelivery } from '../../src/platform/sms/delivery.ts';
import { httpSmsGateway, SMS_ID_HEADER, SMS_SIGNATURE_HEADER, SMS_TIMESTAMP_HEADER, smsSignature, verifySmsSignature } from '../../src/platform/sms/providers.ts';
import { parsePhone } from '../../src/platform/sms/phone.ts';
import { runT1, type CliResult } from '../helpers/cli.ts';
import { testClock, type TestClock } from '../helpers/action-kit.ts';
import { personRow } from '../helpers/people.ts';
import { startTestPlatform, tempDir } from '../helpers/platform.ts';
import { postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';

interface World {
  /** Instance i of the platforms on one database; work i goes to instance i mod n. */
  ctxs: PlatformContext[];
  clock: TestClock;
  t1(args: string[], role?: 'viewer' | 'agent' | 'admin'): Promise<CliResult>;
  /** As an agent, with stdout a terminal. */
  t1tty(args: string[]): Promise<CliResult>;
  close(): Promise<void>;
}

async function sqliteWorld(): Promise<World> {
  const clock = testClock();
  const platform = await startTestPlatform({ clock });
  return {
    ctxs: [platform.platform.ctx],
    clock,
    t1: (args, role = 'agent') => runT1(args, { env: platform.env(role) }),
    t1tty: (args) => runT1(args, { env: platform.env('agent'), tty: true, columns: 120 }),
    close: () => platform.close(),
  };
}

async function postgresWorld(): Promise<World> {
  const clock = testClock();
  const scratch: ScratchDatabase = await scratchDatabase('t1_sms');
  const options = { database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: randomBytes(32).toString('hex') }, clock };
  const instances: Platform[] = [];
  try {
    instances.push(await openPlatform(options));
    await seedDemo(instances[0]!.ctx.db, instances[0]!.ctx);
    instances.push(await openPlatform(options));
    const url = await instances[0]!.listen('127.0.0.1', 0);
    const tokens: Record<string, string> = {};
    for (const role of ['viewer', 'agent', 'admin'] as const) {
      tokens[role] = (await issueApiToken(instances[0]!.ctx.db, instances[0]!.ctx, { orgId: DEMO_ORG_ID, role, name: `sms ${role}`, createdBy: 'test' })).token;
    }
    const home = tempDir();
    return {
      ctxs: instances.map((p) => p.ctx),
      clock,
      t1: (args, role = 'agent') => runT1(args, { env: { T1_API_URL: url, T1_TOKEN: tokens[role]!, T1_HOME: home } }),
      t1tty: (args) => runT1(args, { env: { T1_API_URL: url, T1_TOKEN: tokens.agent!, T1_HOME: home }, tty: true, columns: 120 }),
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

const backends: [string, () => Promise<World>][] = [['SQLite', sqliteWorld]];
if (await postgresReachable()) backends.push(['PostgreSQL, two instances', postgresWorld]);

let people = 0;
/** A fresh person of the demo organisation, so every test starts from nothing. */
async function newPerson(db: Db): Promise<{ subject: SmsSubject; email: string }> {
  people += 1;
  const id = `usr_sms${people}${randomBytes(3).toString('hex')}`;
  const email = `sms.person${people}.${randomBytes(2).toString('hex')}@contoso.example`;
  await db.insertInto('users').values(personRow({ id, email, first: 'Text', last: `Person${people}`, org_id: DEMO_ORG_ID })).execute();
  return { subject: { kind: 'user', id, orgId: DEMO_ORG_ID }, email };
}

async function allowSms(db: Db, allowed: boolean): Promise<void> {
  await db.updateTable('organisations').set({ mfa_methods: allowed ? 'app,sms' : 'app' }).where('id', '=', DEMO_ORG_ID).execute();
}

/** The code in the newest message to the subject, read from the sealed body the way a phone would. */
async function lastCode(ctx: PlatformContext, subject: SmsSubject): Promise<string> {
  const row = await ctx.db
    .selectFrom('sms_messages')
    .select('body_sealed')
    .where(subject.kind === 'user' ? 'user_id' : 'staff_id', '=', subject.id)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  const body = ctx.secrets.open(row.body_sealed!);
  return /\b(\d{6})\b/.exec(body)![1]!;
}

/** As lastCode, inside a transaction (SQLite has one connection: the transaction must read it). */
async function lastCodeIn(trx: Db, ctx: PlatformContext, subject: SmsSubject): Promise<string> {
  return lastCode({ ...ctx, db: trx }, subject);
}

/** A UK mobile number of its own for each use, so the per-number limits never meet across tests. */
function ukMobile(): string {
  return `+44 7911 1${String(randomBytes(3).readUIntBE(0, 3) % 100_000).padStart(5, '0')}`;
}


const GATEWAY_SECRET = 'gateway-secret-for-tests-0123456789';

interface Received {
  id: string;
  to: string;
  body: string;
  signed: boolean;
}

/** A local SMS gateway: checks each request's signature, answers what `answer` says (200 by default). */
async function startGateway(clock: TestClock): Promise<{ url: string; received: Received[]; answer: (id: string) => number; close(): Promise<void> }> {
  const received: Received[] = [];
  const gateway = { url: '', received, answer: (_id: string) => 200, close: async () => {} };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const message = JSON.parse(raw) as { id: string; to: string; body: string };
      const signed = verifySmsSignature(
        GATEWAY_SECRET,
        { timestamp: String(request.headers[SMS_TIMESTAMP_HEADER]), signature: String(request.headers[SMS_SIGNATURE_HEADER]) },
        raw,
        clock.now(),
      );
      expect(request.headers[SMS_ID_HEADER]).toBe(message.id);
      received.push({ ...message, signed });
      response.statusCode = signed ? gateway.answer(message.id) : 401;
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  gateway.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/sms`;
  gateway.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return gateway;
}

/** The context a platform with an SMS gateway has: messages are queued, not captured. */
const sending = (ctx: PlatformContext): PlatformContext => ({ ...ctx, sms: { deliveryEnabled: true, wake() {} } });

/** The command on a pretend terminal: the table people read. */
async function runT1Tty(world: World, args: string[]): Promise<string> {
  const result = await world.t1tty(args);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout;
}

const tx = <T>(ctx: PlatformContext, work: (trx: Db) => Promise<T>) => ctx.db.transaction().execute(work);

async function enrolled(ctx: PlatformContext, phone = ukMobile()): Promise<{ subject: SmsSubject; email: string; phone: string }> {
  const person = await newPerson(ctx.db);
  await tx(ctx, (trx) => startSmsEnrollment(trx, ctx, person.subject, phone));
  const code = await lastCode(ctx, person.subject);
  const confirmed = await tx(ctx, (trx) => confirmSmsEnrollment(trx, ctx, person.subject, code));
  expect(confirmed.ok).toBe(true);
  return { ...person, phone };
}

describe.each(backends)('SMS second factor on %s', (_name, makeWorld) => {
  let world: World;
  let ctx: PlatformContext;
  beforeAll(async () => {
    world = await makeWorld();
    ctx = world.ctxs[0]!;
    await allowSms(ctx.db, true);
  }, 60_000);
  afterAll(async () => world?.close());

  it('enrols a phone with the code it was sent, then signs in with a code once', async () => {
    const { subject } = await newPerson(ctx.db);
    const started = await tx(ctx, (trx) => startSmsEnrollment(trx, ctx, subject, '+44 7911 123456'));
    expect(started.maskedPhone).toBe('+44 •••••••456');
    expect(await pendingSmsEnrollment(ctx.db, ctx, subject)).toEqual(started);
    expect(await smsMethod(ctx.db, subject)).toBeNull();

    const wrong = await tx(ctx, (trx) => confirmSmsEnrollment(trx, ctx, subject, 'abcdef'));
    expect(wrong).toEqual({ ok: false, reason: 'wrong_code' });
    const code = await lastCode(ctx, subject);
    expect(await tx(ctx, (trx) => confirmSmsEnrollment(trx, ctx, subject, code))).toEqual({ ok: true, maskedPhone: '+44 •••••••456' });
    expect(await tx(ctx, (trx) => confirmSmsEnrollment(trx, ctx, subject, code))).toEqual({ ok: false, reason: 'used' });
    expect(await pendingSmsEnrollment(ctx.db, ctx, subject)).toBeNull();
    expect((await smsMethod(ctx.db, subject))?.maskedPhone).toBe('+44 •••••••456');

    expect(await tx(ctx, (trx) => verifySignInCode(trx, ctx, subject, '123456'))).toEqual({ ok: false, reason: 'no_code' });
    const sent = await tx(ctx, (trx) => sendSignInCode(trx, ctx, subject));
    expect(sent.maskedPhone).toBe('+44 •••••••456');
    const signInCode = await lastCode(ctx, subject);
    // Another instance checks it: the database holds the code.
    const other = world.ctxs.at(-1)!;
    expect(await tx(other, (trx) => verifySignInCode(trx, other, subject, signInCode))).toEqual({ ok: true });
    expect(await tx(other, (trx) => verifySignInCode(trx, other, subject, signInCode))).toEqual({ ok: false, reason: 'used' });
  });

  it('works the same for a staff member, apart from people', async () => {
    const staff = await ctx.db.selectFrom('staff').select('id').where('email', '=', DEMO_EXAMPLES.agentStaff).executeTakeFirstOrThrow();
    const subject: SmsSubject = { kind: 'staff', id: staff.id, orgId: DEMO_ORG_ID };
    await tx(ctx, (trx) => startSmsEnrollment(trx, ctx, subject, ukMobile()));
    expect(await tx(ctx, async (trx) => confirmSmsEnrollment(trx, ctx, subject, await lastCodeIn(trx, ctx, subject)))).toMatchObject({ ok: true });
    await tx(ctx, (trx) => sendSignInCode(trx, ctx, subject));
    expect(await tx(ctx, async (trx) => verifySignInCode(trx, ctx, subject, await lastCodeIn(trx, ctx, subject)))).toEqual({ ok: true });
    const messages = await ctx.db.selectFrom('sms_messages').select(['user_id', 'purpose']).where('staff_id', '=', staff.id).orderBy('created_at').execute();
    expect(messages).toEqual([
      { user_id: null, purpose: 'enroll' },
      { user_id: null, purpose: 'sign_in' },
    ]);
    expect(await tx(ctx, (trx) => removeSmsMethod(trx, ctx, subject))).toBe(true);
    // A person with the same id in no table: refused, nothing queued.
    const stranger: SmsSubject = { kind: 'user', id: 'usr_nobody', orgId: DEMO_ORG_ID };
    const refusal = await tx(ctx, (trx) => startSmsEnrollment(trx, ctx, stranger, ukMobile())).catch((e: unknown) => e);
    expect((refusal as HttpError).code).toBe('not_found');
  });

  it('replaces an unused sign-in code with a new one, expires codes after five minutes', async () => {
    const { subject } = await enrolled(ctx);
    await tx(ctx, (trx) => sendSignInCode(trx, ctx, subject));
    const first = await lastCode(ctx, subject);
    await tx(ctx, (trx) => sendSignInCode(trx, ctx, subject));
    const second = await lastCode(ctx, subject);
    if (first !== second) expect(await tx(ctx, (trx) => verifySignInCode(trx, ctx, subject, first))).toEqual({ ok: false, reason: 'wrong_code' });
    world.clock.advance(5 * 60_000 + 1000);
    try {
      expect(await tx(ctx, (trx) => verifySignInCode(trx, ctx, subject, second))).toEqual({ ok: false, reason: 'expired' });
    } finally {
      world.clock.advance(-(5 * 60_000 + 1000));
    }
  });

  it('removes the method and its codes', async () => {
    const { subject } = await enrolled(ctx);
    await tx(ctx, (trx) => sendSignInCode(trx, ctx, subject));
    const code = await lastCode(ctx, subject);
    expect(await tx(ctx, (trx) => removeSmsMethod(trx, ctx, subject))).toBe(true);
    expect(await smsMethod(ctx.db, subject)).toBeNull();
    expect(await tx(ctx, (trx) => verifySignInCode(trx, ctx, subject, code))).toEqual({ ok: false, reason: 'no_code' });
    expect(await tx(ctx, (trx) => removeSmsMethod(trx, ctx, subject))).toBe(false);
  });

  it('locks a code after five tries, however many guesses arrive at once', async () => {
    const { subject } = await enrolled(ctx);
    await tx(ctx, (trx) => sendSignInCode(trx, ctx, subject));
    const code = await lastCode(ctx, subject);
    const wrong = code === '999999' ? '999998' : '999999';
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => {
        const on = world.ctxs[i % world.ctxs.length]!;
        return tx(on, (trx) => verifySignInCode(trx, on, subject, wrong));
      }),
    );
    expect(answers.filter((a) => !a.ok && a.reason === 'wrong_code')).toHaveLength(SMS_CODE_ATTEMPTS);
    expect(answers.filter((a) => !a.ok && a.reason === 'limited')).toHaveLength(12 - SMS_CODE_ATTEMPTS);
    // The right code comes too late: the code is locked.
    expect(await tx(ctx, (trx) => verifySignInCode(trx, ctx, subject, code))).toEqual({ ok: false, reason: 'limited' });
    const row = await ctx.db.selectFrom('sms_codes').select(['attempts', 'used_at', 'code_hash']).where('user_id', '=', subject.id).where('purpose', '=', 'sign_in').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ attempts: SMS_CODE_ATTEMPTS, used_at: null });
    expect(row.code_hash).not.toContain(code);
  });

  it('lets one of several parallel uses of a right code through', async () => {
    const { subject } = await enrolled(ctx);
    await tx(ctx, (trx) => sendSignInCode(trx, ctx, subject));
    const code = await lastCode(ctx, subject);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => {
        const on = world.ctxs[i % world.ctxs.length]!;
        return tx(on, (trx) => verifySignInCode(trx, on, subject, code));
      }),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter((a) => !a.ok).map((a) => (a.ok ? '' : a.reason)).every((r) => r === 'used' || r === 'limited')).toBe(true);
  });

  it('sends at most five codes an hour to one number, across accounts and instances', async () => {
    const phone = ukMobile();
    const subjects = await Promise.all(Array.from({ length: 8 }, () => newPerson(ctx.db)));
    const outcomes = await Promise.allSettled(
      subjects.map(({ subject }, i) => {
        const on = world.ctxs[i % world.ctxs.length]!;
        return tx(on, (trx) => startSmsEnrollment(trx, on, subject, phone));
      }),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(SMS_SENDS_PER_NUMBER.max);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as HttpError);
    expect(refused.map((e) => e.code)).toEqual(Array(8 - SMS_SENDS_PER_NUMBER.max).fill('rate_limited'));
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThan(0);
    const queued = await ctx.db
      .selectFrom('sms_messages')
      .select('id')
      .where('user_id', 'in', subjects.map((p) => p.subject.id))
      .execute();
    expect(queued).toHaveLength(SMS_SENDS_PER_NUMBER.max);
  });

  it('sends at most five codes an hour for one account, keeping only the newest sign-in code', async () => {
    const { subject } = await enrolled(ctx);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => {
        const on = world.ctxs[i % world.ctxs.length]!;
        return tx(on, (trx) => sendSignInCode(trx, on, subject));
      }),
    );
    // The enrolment's code was the first of the five.
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(SMS_SENDS_PER_ACCOUNT.max - 1);
    const live = await ctx.db.selectFrom('sms_codes').select('id').where('user_id', '=', subject.id).where('purpose', '=', 'sign_in').where('used_at', 'is', null).execute();
    expect(live).toHaveLength(1);
    expect(await tx(ctx, async (trx) => verifySignInCode(trx, ctx, subject, await lastCodeIn(trx, ctx, subject)))).toEqual({ ok: true });
  });

  it('t1 sms log shows each message with its number masked: a table on a terminal, rows piped, JSON', async () => {
    const { subject, email, phone } = await enrolled(ctx);
    await tx(ctx, (trx) => sendSignInCode(trx, ctx, subject));
    const code = await lastCode(ctx, subject);
    const digits = phone.replace(/\D/g, '');
    const masked = `+44 •••••••${digits.slice(-3)}`;

    const piped = await world.t1(['sms', 'log', email]);
    expect(piped.exitCode, piped.stderr).toBe(0);
    const rows = piped.stdout.replace(/\n$/, '').split('\n').map((line) => line.split('\t'));
    expect(rows.map((r) => r.slice(1))).toEqual([
      ['sign-in', masked, 'captured', '0', ''],
      ['phone set-up', masked, 'captured', '0', ''],
    ]);
    expect(piped.stderr).toContain('no SMS gateway configured');

    const onTerminal = await runT1Tty(world, ['sms', 'log', email]);
    expect(onTerminal).toMatch(/Time\s+│?\s*Purpose/);
    expect(onTerminal).toContain(masked);

    const json = await world.t1(['sms', 'log', email, '--json']);
    const view = JSON.parse(json.stdout) as { items: { purpose: string; maskedPhone: string; status: string; lastError: string | null }[] };
    expect(view.items.map((i) => [i.purpose, i.maskedPhone, i.status, i.lastError])).toEqual([
      ['sign_in', masked, 'captured', null],
      ['enroll', masked, 'captured', null],
    ]);
    for (const out of [piped.stdout, piped.stderr, onTerminal, json.stdout]) {
      expect(out).not.toContain(digits.slice(2));
      expect(out).not.toContain(code);
    }
  });

  it('t1 sms log needs the agent role and a known person', async () => {
    const { email } = await enrolled(ctx);
    const viewer = await world.t1(['sms', 'log', email], 'viewer');
    expect(viewer.exitCode).toBe(4);
    expect(viewer.stderr).toContain('agent');
    const nobody = await world.t1(['sms', 'log', 'nobody.here@contoso.example']);
    expect(nobody.exitCode).toBe(3);
    const none = await world.t1(['sms', 'log', (await newPerson(ctx.db)).email]);
    expect([none.exitCode, none.stdout, none.stderr]).toEqual([0, '', expect.stringContaining('No text messages')]);
  });

  it('t1 org set mfa-methods allows SMS and takes it back, audited; the app is always allowed', async () => {
    try {
      const off = await world.t1(['org', 'set', 'mfa-methods', 'app', '--yes', '--reason', 'app only', '--json'], 'admin');
      expect(off.exitCode, off.stderr).toBe(0);
      expect(JSON.parse(off.stdout).mfaMethods).toEqual(['app']);
      const { subject } = await newPerson(ctx.db);
      const refusal = await tx(ctx, (trx) => startSmsEnrollment(trx, ctx, subject, ukMobile())).catch((e: unknown) => e);
      expect((refusal as HttpError).details?.reason).toBe('sms_not_allowed');

      const on = await world.t1(['org', 'set', 'mfa-methods', 'sms,app', '--yes', '--reason', 'attendees without smartphones', '--ticket', 'SUP-9'], 'admin');
      expect(on.exitCode, on.stderr).toBe(0);
      expect(on.stdout).toContain('Second-factor methods\tauthenticator app, text message (SMS)');
      expect((await tx(ctx, (trx) => startSmsEnrollment(trx, ctx, subject, ukMobile()))).maskedPhone).toMatch(/^\+44 •+\d{3}$/);

      const audit = JSON.parse((await world.t1(['audit', '--json'], 'admin')).stdout) as { items: { action: string; result: string; ticket: string | null }[] };
      expect(audit.items[0]).toMatchObject({ action: 'organisation.update', result: 'ok', ticket: 'SUP-9' });

      const noApp = await world.t1(['org', 'set', 'mfa-methods', 'sms', '--yes'], 'admin');
      expect([noApp.exitCode, noApp.stderr]).toEqual([2, expect.stringContaining('must include app')]);
      const unknown = await world.t1(['org', 'set', 'mfa-methods', 'app,pigeon', '--yes'], 'admin');
      expect([unknown.exitCode, unknown.stderr]).toEqual([2, expect.stringContaining('not "pigeon"')]);
      const agent = await world.t1(['org', 'set', 'mfa-methods', 'app', '--yes'], 'agent');
      expect(agent.exitCode).toBe(4);
    } finally {
      await allowSms(ctx.db, true);
    }
  });

  it('delivers each queued message once through the signed gateway, with several workers at once', async () => {
    const gateway = await startGateway(world.clock);
    const workers = world.ctxs.flatMap((c) => [0, 1].map(() => createSmsDelivery({ db: c.db, clock: world.clock, secrets: c.secrets, provider: httpSmsGateway({ url: gateway.url, secret: GATEWAY_SECRET, clock: world.clock }) })));
    try {
      const people = await Promise.all(Array.from({ length: 6 }, () => newPerson(ctx.db)));
      const phones = people.map(() => ukMobile());
      for (const [i, p] of people.entries()) await tx(ctx, (trx) => startSmsEnrollment(trx, sending(ctx), p.subject, phones[i]!));
      const sent = await Promise.all(workers.map((w) => w.deliverDue()));
      expect(sent.reduce((a, b) => a + b, 0)).toBe(6);
      expect(gateway.received).toHaveLength(6);
      expect(gateway.received.every((r) => r.signed)).toBe(true);
      expect(new Set(gateway.received.map((r) => r.id)).size).toBe(6);
      expect(gateway.received.map((r) => r.to).sort()).toEqual(phones.map((p) => p.replace(/ /g, '')).sort());
      const rows = await ctx.db
        .selectFrom('sms_messages')
        .select(['status', 'attempts', 'to_sealed', 'body_sealed', 'sent_at'])
        .where('user_id', 'in', people.map((p) => p.subject.id))
        .execute();
      expect(rows.every((r) => r.status === 'sent' && Number(r.attempts) === 1 && r.to_sealed === null && r.body_sealed === null && r.sent_at !== null)).toBe(true);
      // The code in the message the phone got confirms the enrolment.
      const first = gateway.received.find((r) => r.to === phones[0]!.replace(/ /g, ''))!;
      const code = /\b(\d{6})\b/.exec(first.body)![1]!;
      expect(await tx(ctx, (trx) => confirmSmsEnrollment(trx, ctx, people[0]!.subject, code))).toMatchObject({ ok: true });
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await gateway.close();
    }
  });

  it('retries after a gateway failure with the status as the error, and gives up after bounded attempts', async () => {
    const gateway = await startGateway(world.clock);
    const worker = createSmsDelivery({ db: ctx.db, clock: world.clock, secrets: ctx.secrets, provider: httpSmsGateway({ url: gateway.url, secret: GATEWAY_SECRET, clock: world.clock }), maxAttempts: 3 });
    try {
      const flaky = await newPerson(ctx.db);
      await tx(ctx, (trx) => startSmsEnrollment(trx, sending(ctx), flaky.subject, ukMobile()));
      gateway.answer = () => 503;
      expect(await worker.deliverDue()).toBe(0);
      const waiting = await ctx.db.selectFrom('sms_messages').select(['status', 'attempts', 'last_error', 'next_attempt_at']).where('user_id', '=', flaky.subject.id).executeTakeFirstOrThrow();
      expect(waiting).toMatchObject({ status: 'queued', attempts: 1, last_error: 'The SMS gateway answered HTTP 503.' });
      // Not due again until its backoff has passed.
      expect(await worker.deliverDue()).toBe(0);
      expect(gateway.received).toHaveLength(1);
      world.clock.advance(2500);
      gateway.answer = () => 200;
      expect(await worker.deliverDue()).toBe(1);
      const sent = await world.t1(['sms', 'log', flaky.email, '--json']);
      expect(JSON.parse(sent.stdout).items[0]).toMatchObject({ status: 'sent', attempts: 2, lastError: 'The SMS gateway answered HTTP 503.' });

      const down = await newPerson(ctx.db);
      await tx(ctx, (trx) => startSmsEnrollment(trx, sending(ctx), down.subject, ukMobile()));
      gateway.answer = () => 500;
      for (let i = 0; i < 3; i += 1) {
        await worker.deliverDue();
        world.clock.advance(10_000);
      }
      const failed = await ctx.db.selectFrom('sms_messages').select(['status', 'attempts', 'last_error', 'to_sealed', 'body_sealed']).where('user_id', '=', down.subject.id).executeTakeFirstOrThrow();
      expect(failed).toEqual({ status: 'failed', attempts: 3, last_error: 'The SMS gateway answered HTTP 500.', to_sealed: null, body_sealed: null });
      const log = await world.t1(['sms', 'log', down.email]);
      expect(log.stdout).toContain('failed after 3 attempts\t3\tThe SMS gateway answered HTTP 500.');
    } finally {
      await worker.stop();
      await gateway.close();
      world.clock.advance(-32_500);
    }
  });

  it('does not send a code that expired while the gateway was down', async () => {
    const gateway = await startGateway(world.clock);
    const worker = createSmsDelivery({ db: ctx.db, clock: world.clock, secrets: ctx.secrets, provider: httpSmsGateway({ url: gateway.url, secret: GATEWAY_SECRET, clock: world.clock }) });
    try {
      const late = await newPerson(ctx.db);
      await tx(ctx, (trx) => startSmsEnrollment(trx, sending(ctx), late.subject, ukMobile()));
      world.clock.advance(5 * 60_000 + 1000);
      expect(await worker.deliverDue()).toBe(0);
      expect(gateway.received).toHaveLength(0);
      const row = await ctx.db.selectFrom('sms_messages').select(['status', 'last_error', 'body_sealed']).where('user_id', '=', late.subject.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'failed', last_error: 'Not sent: the code expired before the gateway took it.', body_sealed: null });
    } finally {
      world.clock.advance(-(5 * 60_000 + 1000));
      await worker.stop();
      await gateway.close();
    }
  });

  it('at rest: no table holds a phone number or a code in the clear', async () => {
    const { subject, phone } = await enrolled(ctx);
    await tx(ctx, (trx) => sendSignInCode(trx, ctx, subject));
    const code = await lastCode(ctx, subject);
    const e164 = phone.replace(/ /g, '');
    const national = e164.slice(3);
    const tables = ['sms_phones', 'sms_codes', 'sms_messages', 'audit_log', 'activity', 'rate_limits', 'users', 'organisations'] as const;
    let cells = 0;
    for (const table of tables) {
      const rows = (await ctx.db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
      for (const row of rows) {
        for (const value of Object.values(row)) {
          if (typeof value !== 'string') continue;
          cells += 1;
          expect(value, table).not.toContain(national);
          expect(value, table).not.toContain(code);
        }
      }
    }
    expect(cells).toBeGreaterThan(100);
  });

  it('refuses a number that is not one, naming the phone field', async () => {
    const { subject } = await newPerson(ctx.db);
    for (const input of ['', '07700 900123', '+44 12', 'call me', '+1 555 0100'.repeat(5)]) {
      const refusal = await tx(ctx, (trx) => startSmsEnrollment(trx, ctx, subject, input)).catch((e: unknown) => e);
      expect(refusal, input).toBeInstanceOf(HttpError);
      expect((refusal as HttpError).code).toBe('validation_failed');
      expect((refusal as HttpError).details?.fields?.[0]?.field).toBe('phone');
    }
    expect(await pendingSmsEnrollment(ctx.db, ctx, subject)).toBeNull();
  });

  it('refuses SMS enrolment when the organisation allows only the app', async () => {
    const { subject } = await newPerson(ctx.db);
    await allowSms(ctx.db, false);
    try {
      const org = await ctx.db.selectFrom('organisations').selectAll().where('id', '=', DEMO_ORG_ID).executeTakeFirstOrThrow();
      expect(allowedMethods(org)).toEqual(['app']);
      const refusal = await tx(ctx, (trx) => startSmsEnrollment(trx, ctx, subject, ukMobile())).catch((e: unknown) => e);
      expect((refusal as HttpError).code).toBe('conflict');
      expect((refusal as HttpError).details?.reason).toBe('sms_not_allowed');
      expect(await ctx.db.selectFrom('sms_messages').select('id').where('user_id', '=', subject.id).execute()).toEqual([]);
    } finally {
      await allowSms(ctx.db, true);
    }
  });
});


describe('phone numbers and gateway signatures', () => {
  it('take international forms, store E.164 and show only the country code and last three digits', () => {
    expect(parsePhone('0044 7911 123456')).toEqual({ ok: true, e164: '+447911123456', masked: '+44 •••••••456' });
    expect(parsePhone(' +1 (202) 555-0143 ')).toEqual({ ok: true, e164: '+12025550143', masked: '+1 •••••••143' });
    expect(parsePhone('+33 6 12 34 56 78')).toMatchObject({ ok: true, masked: '+33 ••••••678' });
    expect(parsePhone('+44 7911 123456\u0000')).toMatchObject({ ok: false });
  });

  it('are signed over the timestamp and the body, and refused when stale or altered', () => {
    const now = new Date('2026-12-02T10:00:00Z');
    const timestamp = String(now.getTime() / 1000);
    const body = '{"id":"sms_1","to":"+447911123456","body":"123456"}';
    const signature = smsSignature(GATEWAY_SECRET, timestamp, body);
    expect(verifySmsSignature(GATEWAY_SECRET, { timestamp, signature }, body, now)).toBe(true);
    expect(verifySmsSignature(GATEWAY_SECRET, { timestamp, signature }, body.replace('123456"}', '654321"}'), now)).toBe(false);
    expect(verifySmsSignature('another-secret-0123456789', { timestamp, signature }, body, now)).toBe(false);
    expect(verifySmsSignature(GATEWAY_SECRET, { timestamp, signature }, body, new Date(now.getTime() + 301_000))).toBe(false);
  });
});
