// A staff member who must set up 2FA enrols a phone at `t1 login` where the organisation
// allows text messages: the method is picked, the number typed (a bad one asked again with
// the platform's reason), the texted code confirms it, and the recovery codes are shown
// once. Later sign-ins ask for a texted code. The number is never shown but masked.
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES, DEMO_ORG_ID, DEMO_PASSWORD, seedDemo } from '../../src/platform/seed/demo.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import type { Db } from '../../src/platform/storage/database.ts';
import { hashPassword } from '../../src/platform/passwords.ts';
import { runCli } from '../../src/cli/program.ts';
import { runT1, type CliResult } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { postgresReachable, scratchDatabase } from '../helpers/postgres.ts';
import { scriptedPrompter, type ScriptedAnswer } from '../helpers/scripted-prompter.ts';
import { removeScratch, scratch } from './support.ts';

const MEMBER = DEMO_EXAMPLES.adminStaff;
const SCRIPTED = 'robin.script@northwind.example';
const PHONE = '+44 7911 123456';
const PHONE_DIGITS = /7911\s*123\s*456|7911123456/;
const MASKED = '+44 •••••••456';
const LOGGED_IN = /^Logged in to \S+ as (\S+) \((\w+), ([^)]+)\); saved in profile "default"\.$/m;
const RECOVERY_CODE = /^ {2}([A-Za-z0-9]{4}(?:-[A-Za-z0-9]{4})+)$/gm;

let platform: TestPlatform;

const db = () => platform.platform.ctx.db;

async function staffId(email: string): Promise<string> {
  return (await db().selectFrom('staff').select('id').where('email', '=', email).where('org_id', '=', DEMO_ORG_ID).executeTakeFirstOrThrow()).id;
}

/** The code in the newest text to the member, read from its sealed body as their phone shows it. */
async function textedCode(email: string): Promise<string> {
  const row = await db().selectFrom('sms_messages').select('body_sealed').where('staff_id', '=', await staffId(email)).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirstOrThrow();
  return /\b(\d{6})\b/.exec(platform.platform.ctx.secrets.open(row.body_sealed!))![1]!;
}

async function textsTo(email: string): Promise<number> {
  return (await db().selectFrom('sms_messages').select('id').where('staff_id', '=', await staffId(email)).execute()).length;
}

/** An answer read when its question comes: the texted code, or six digits that are not it. */
function answer(read: () => Promise<string>): ScriptedAnswer {
  return { input: read } as unknown as ScriptedAnswer;
}
const rightCode = (email: string) => answer(() => textedCode(email));
const wrongCode = (email: string) => answer(async () => ((await textedCode(email)) === '000000' ? '111111' : '000000'));

async function login(home: string, args: string[], script: ScriptedAnswer[]) {
  const inner = scriptedPrompter(script);
  const prompter = {
    ...inner,
    async input(message: string, hint: string, options?: { optional?: boolean }) {
      const given = (await inner.input(message, hint, options)) as unknown;
      return typeof given === 'function' ? (given as () => Promise<string>)() : (given as string);
    },
  };
  const result = await runT1(['login', '--api-url', platform.url, ...args], { tty: true, env: { T1_HOME: home }, overrides: { prompter } });
  return { result, asked: inner.asked, left: inner.left() };
}

async function post(path: string, body: Record<string, unknown>) {
  const response = await fetch(`${platform.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
}

/** A fresh sign-in of `email` up to its second step, straight through the API. */
async function challengeFor(email: string): Promise<{ next: string; challenge: string; methods?: string[] }> {
  const started = await post('/v1/auth/login', { email, password: DEMO_PASSWORD });
  expect(started.status, started.text).toBe(200);
  return JSON.parse(started.text);
}

function everythingShown(result: CliResult, asked: string[]): string {
  return [result.stdout, result.stderr, ...asked].join('\n');
}

beforeAll(async () => {
  platform = await startTestPlatform({ signInDelayMs: () => 0 });
  await db().updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
  const now = new Date().toISOString();
  await db()
    .insertInto('staff')
    .values({
      id: 'stf_robin_script',
      org_id: DEMO_ORG_ID,
      email: SCRIPTED,
      name: 'Robin Script',
      role: 'agent',
      password_hash: await hashPassword(DEMO_PASSWORD),
      mfa_secret_enc: null,
      mfa_confirmed_at: null,
      mfa_last_step: null,
      locked_until: null,
      created_at: now,
    })
    .execute();
});
afterAll(async () => {
  await platform.close();
  removeScratch();
});

describe('enrolling a phone at t1 login', () => {
  it('picks text messages, asks again for a bad number, refuses a wrong code, then signs in with recovery codes', async () => {
    const { result, asked, left } = await login(scratch(), ['--email', MEMBER], [
      { input: DEMO_PASSWORD },
      { select: 'sms' },
      { input: '07911 123456' },
      { input: PHONE },
      wrongCode(MEMBER),
      rightCode(MEMBER),
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(left).toBe(0);
    expect(asked).toEqual([
      'Password',
      'Your organisation requires two-factor authentication. How do you want to get your codes?',
      'Mobile number, with its country code (for example +44 7700 900123)',
      'Mobile number, with its country code (for example +44 7700 900123)',
      `Code texted to ${MASKED}`,
      `Code texted to ${MASKED}`,
    ]);
    expect(result.stderr).toContain('Enter the number with its country code, starting with +');
    expect(result.stderr).toContain('That code is not right. Check the newest text message to this number.');
    // No QR code nor setup key: the app is not being set up.
    expect(result.stderr).not.toMatch(/setup key|Scan this code/);
    expect(LOGGED_IN.exec(result.stdout)!.slice(1)).toEqual([MEMBER, 'admin', 'Northwind Events']);
    const afterHeader = result.stdout.slice(result.stdout.indexOf('Recovery codes ('));
    expect([...afterHeader.matchAll(RECOVERY_CODE)]).toHaveLength(10);
    expect(everythingShown(result, asked)).not.toMatch(PHONE_DIGITS);

    const staff = await db().selectFrom('staff').selectAll().where('id', '=', await staffId(MEMBER)).executeTakeFirstOrThrow();
    expect(staff.mfa_confirmed_at).not.toBeNull();
    expect(staff.mfa_secret_enc).toBeNull();
    const phones = await db().selectFrom('sms_phones').select(['masked_phone', 'confirmed_at']).where('staff_id', '=', staff.id).execute();
    expect(phones).toEqual([{ masked_phone: MASKED, confirmed_at: expect.any(String) }]);
    const audit = await db().selectFrom('audit_log').select(['actor', 'action', 'target', 'result', 'detail']).where('action', '=', 'staff.mfa.enable').execute();
    expect(audit).toEqual([{ actor: MEMBER, action: 'staff.mfa.enable', target: MEMBER, result: 'ok', detail: JSON.stringify({ method: 'sms', phone: MASKED, via: 't1_login' }) }]);
  });

  it('later sign-ins get a texted code; no recovery codes again', async () => {
    const before = await textsTo(MEMBER);
    const { result, asked } = await login(scratch(), ['--email', MEMBER], [{ input: DEMO_PASSWORD }, rightCode(MEMBER)]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(asked).toEqual(['Password', `Code texted to ${MASKED} (or a recovery code)`]);
    expect(await textsTo(MEMBER)).toBe(before + 1);
    expect(LOGGED_IN.exec(result.stdout)![1]).toBe(MEMBER);
    expect(result.stdout).not.toContain('Recovery codes');
    expect(everythingShown(result, asked)).not.toMatch(PHONE_DIGITS);
  });
});

describe('POST /v1/auth/mfa/phone', () => {
  it('answers the masked number only; refuses bad input in the envelope; the challenge ends with the sign-in', async () => {
    const first = await challengeFor(SCRIPTED);
    expect(first).toMatchObject({ next: 'mfa_enroll', methods: ['app', 'sms'] });
    const bad = await post('/v1/auth/mfa/phone', { challenge: first.challenge, phone: 'call me' });
    expect(bad.status).toBe(422);
    expect(JSON.parse(bad.text).error.details.fields).toEqual([{ field: 'body.phone', message: expect.stringMatching(/digits, spaces/) }]);
    expect((await post('/v1/auth/mfa/phone', { challenge: first.challenge })).status).toBe(422);
    expect((await post('/v1/auth/mfa/phone', { challenge: 'no-such-challenge', phone: PHONE })).status).toBe(401);

    const sent = await post('/v1/auth/mfa/phone', { challenge: first.challenge, phone: '+44 7911 100321' });
    expect(sent.status, sent.text).toBe(200);
    expect(JSON.parse(sent.text)).toEqual({ next: 'mfa_code', challenge: first.challenge, expiresAt: expect.any(String), method: 'sms', maskedPhone: '+44 •••••••321' });
    expect(sent.text).not.toMatch(/7911\s*100321/);
    const done = await post('/v1/auth/mfa', { challenge: first.challenge, code: await textedCode(SCRIPTED) });
    expect(done.status, done.text).toBe(200);
    expect(JSON.parse(done.text)).toMatchObject({ next: 'done', recoveryCodes: expect.any(Array) });
    // Used up: neither another number nor another code goes with it.
    expect((await post('/v1/auth/mfa/phone', { challenge: first.challenge, phone: PHONE })).status).toBe(401);
    expect((await post('/v1/auth/mfa', { challenge: first.challenge, code: '123456' })).status).toBe(401);

    // A member with a method set up is asked for its code, not for a phone.
    const enrolled = await challengeFor(SCRIPTED);
    expect(enrolled).toMatchObject({ next: 'mfa_code' });
    const refused = await post('/v1/auth/mfa/phone', { challenge: enrolled.challenge, phone: PHONE });
    expect(refused.status).toBe(409);
    expect(JSON.parse(refused.text).error.details.reason).toBe('not_enrolling');
    await db().deleteFrom('sms_codes').where('staff_id', '=', 'stf_robin_script').execute();
    await db().deleteFrom('sms_phones').where('staff_id', '=', 'stf_robin_script').execute();
    await db().updateTable('staff').set({ mfa_confirmed_at: null }).where('id', '=', 'stf_robin_script').execute();
  });

  it('is refused where the organisation allows only the app', async () => {
    await db().updateTable('organisations').set({ mfa_methods: 'app' }).where('id', '=', DEMO_ORG_ID).execute();
    try {
      const first = await challengeFor(SCRIPTED);
      expect(first).toMatchObject({ next: 'mfa_enroll', methods: ['app'] });
      const refused = await post('/v1/auth/mfa/phone', { challenge: first.challenge, phone: PHONE });
      expect(refused.status).toBe(409);
      expect(JSON.parse(refused.text).error.details.reason).toBe('sms_not_allowed');
      const cli = await runT1(['login', '--api-url', platform.url, '--email', SCRIPTED, '--no-input', '--phone', PHONE], { env: { T1_HOME: scratch() }, stdin: `${DEMO_PASSWORD}\n` });
      expect(cli.exitCode).toBe(2);
      expect(cli.stderr).toContain('Your organisation does not allow text message codes');
    } finally {
      await db().updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
    }
  });
});

describe('off a terminal', () => {
  it('--mfa-method sms --phone texts the code, read from the line after the password', async () => {
    const before = await textsTo(SCRIPTED);
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => out.push(chunk));
    stderr.on('data', (chunk: Buffer) => err.push(chunk));
    stdin.write(`${DEMO_PASSWORD}\n`);
    const io = { stdin, stdout, stderr, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false };
    const argv = ['login', '--api-url', platform.url, '--email', SCRIPTED, '--mfa-method', 'sms', '--phone', PHONE];
    const running = runCli(argv, io, { NO_COLOR: '1', T1_HOME: scratch() }, { sleep: async () => {} });
    // The script types the code once the text has come.
    for (let i = 0; (await textsTo(SCRIPTED)) === before; i++) {
      if (i > 200) throw new Error('No text was sent');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    stdin.end(`${await textedCode(SCRIPTED)}\n`);
    const exitCode = await running;
    const shown = Buffer.concat([...out, ...err]).toString('utf8');
    expect(exitCode, shown).toBe(0);
    expect(shown).toMatch(LOGGED_IN);
    expect(shown).toContain('Recovery codes (');
    expect(shown).not.toMatch(PHONE_DIGITS);
  });

  it('a bad --phone is a usage error naming the reason; nothing is texted', async () => {
    await db().deleteFrom('sms_codes').where('staff_id', '=', 'stf_robin_script').execute();
    await db().deleteFrom('sms_phones').where('staff_id', '=', 'stf_robin_script').execute();
    await db().updateTable('staff').set({ mfa_confirmed_at: null }).where('id', '=', 'stf_robin_script').execute();
    const before = await textsTo(SCRIPTED);
    const cli = await runT1(['login', '--api-url', platform.url, '--email', SCRIPTED, '--phone', '12345'], { env: { T1_HOME: scratch() }, stdin: `${DEMO_PASSWORD}\n` });
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr).toContain('The number was refused: Enter the number with its country code');
    expect(await textsTo(SCRIPTED)).toBe(before);
  });

  it('without --mfa-method the app is set up as before: no code on stdin is a usage error', async () => {
    const cli = await runT1(['login', '--api-url', platform.url, '--email', SCRIPTED, '--no-input'], { env: { T1_HOME: scratch() }, stdin: `${DEMO_PASSWORD}\n` });
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr).toContain('Or type this setup key into the app');
    expect(cli.stderr).toContain('A required answer is missing and prompting is off');
  });
});

/** Right codes for one enrolment sent at once, spread over the instances: one sign-in, one phone, one audit entry. */
async function parallelRightCodes(urls: string[], database: Db, open: (sealed: string) => string): Promise<void> {
  const started = await fetch(`${urls[0]}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: MEMBER, password: DEMO_PASSWORD }) });
  const { challenge } = (await started.json()) as { challenge: string };
  const sent = await fetch(`${urls[1 % urls.length]}/v1/auth/mfa/phone`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ challenge, phone: PHONE }) });
  expect(sent.status).toBe(200);
  const staff = await database.selectFrom('staff').select('id').where('email', '=', MEMBER).where('org_id', '=', DEMO_ORG_ID).executeTakeFirstOrThrow();
  const message = await database.selectFrom('sms_messages').select('body_sealed').where('staff_id', '=', staff.id).executeTakeFirstOrThrow();
  const code = /\b(\d{6})\b/.exec(open(message.body_sealed!))![1]!;
  const answers = await Promise.all(
    Array.from({ length: 4 }, (_, i) =>
      fetch(`${urls[i % urls.length]}/v1/auth/mfa`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ challenge, code }) }).then((r) => r.status),
    ),
  );
  expect(answers.filter((status) => status === 200)).toHaveLength(1);
  expect(answers.filter((status) => status !== 200).every((status) => status === 401)).toBe(true);
  const phones = await database.selectFrom('sms_phones').select('confirmed_at').where('staff_id', '=', staff.id).execute();
  expect(phones).toEqual([{ confirmed_at: expect.any(String) }]);
  const sessions = await database.selectFrom('tokens').select('id').where('staff_id', '=', staff.id).where('kind', '=', 'session').execute();
  expect(sessions).toHaveLength(1);
  const audit = await database.selectFrom('audit_log').select('id').where('action', '=', 'staff.mfa.enable').where('target', '=', MEMBER).execute();
  expect(audit).toHaveLength(1);
}

const withPostgres = await postgresReachable();

describe('parallel right codes', () => {
  it('on SQLite', async () => {
    const fresh = await startTestPlatform({ signInDelayMs: () => 0 });
    try {
      await fresh.platform.ctx.db.updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
      await parallelRightCodes([fresh.url], fresh.platform.ctx.db, (sealed) => fresh.platform.ctx.secrets.open(sealed));
    } finally {
      await fresh.close();
    }
  });

  it.runIf(withPostgres)('on PostgreSQL, two instances on one database', async () => {
    const scratchDb = await scratchDatabase('t1_staff_sms');
    const instances: Platform[] = [];
    try {
      const options = { database: scratchDb.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: randomBytes(32).toString('hex') }, signInDelayMs: () => 0 };
      instances.push(await openPlatform(options));
      await seedDemo(instances[0]!.ctx.db, instances[0]!.ctx);
      instances.push(await openPlatform(options));
      const urls = [];
      for (const p of instances) urls.push(await p.listen('127.0.0.1', 0));
      const ctx = instances[0]!.ctx;
      await ctx.db.updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
      await parallelRightCodes(urls, ctx.db, (sealed) => ctx.secrets.open(sealed));
    } finally {
      for (const p of instances) await p.close();
      await scratchDb.drop();
    }
  });
});
