// One staff email in several organisations: `t1 login` asks which organisation once the
// password is accepted (or takes --org), each organisation asks for its own code, and a
// new sign-in ends the session it replaces. Nobody without the password learns which
// organisations the address belongs to. Where codes come by text, the code is texted.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES, DEMO_ORG_ID, DEMO_PASSWORD, seedDemo } from '../../src/platform/seed/demo.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { hashPassword } from '../../src/platform/passwords.ts';
import { confirmSmsEnrollment, startSmsEnrollment } from '../../src/platform/services/sms-mfa.ts';
import type { Prompter } from '../../src/cli/prompter.ts';
import { runT1, type CliResult } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';
import { scriptedPrompter, type ScriptedAnswer } from '../helpers/scripted-prompter.ts';
import { stepAt, totpForStep } from '../helpers/totp.ts';
import { lines, removeScratch, scratch } from './support.ts';

const EMAIL = DEMO_EXAMPLES.adminStaff;
const OTHER_PASSWORD = 'a-different-password-2027';
const LOGGED_IN = /^Logged in to \S+ as (\S+) \((\w+), ([^)]+)\); saved in profile "default"\.$/m;

let platform: TestPlatform;

async function addOrganisation(id: string, name: string, policy: 'off' | 'staff', staff: { role: string; password: string }) {
  const db = platform.platform.ctx.db;
  const now = new Date().toISOString();
  await db.insertInto('organisations').values({ id, name, mfa_policy: policy, ticket_required: 0, created_at: now }).execute();
  await db
    .insertInto('staff')
    .values({
      id: `stf_${id}`,
      org_id: id,
      email: EMAIL,
      name: 'Morgan Blake',
      role: staff.role,
      password_hash: await hashPassword(staff.password),
      mfa_secret_enc: null,
      mfa_confirmed_at: null,
      mfa_last_step: null,
      locked_until: null,
      created_at: now,
    })
    .execute();
}

beforeAll(async () => {
  platform = await startTestPlatform({ signInDelayMs: () => 0 });
  // Same address and password in Northwind (the demo, 2FA for staff), Contoso (no 2FA) and
  // Fabrikam (2FA for staff); another password in Tailspin.
  await addOrganisation('org_contoso', 'Contoso Live', 'off', { role: 'agent', password: DEMO_PASSWORD });
  await addOrganisation('org_fabrikam', 'Fabrikam Summit', 'staff', { role: 'viewer', password: DEMO_PASSWORD });
  await addOrganisation('org_tailspin', 'Tailspin Toys', 'off', { role: 'admin', password: OTHER_PASSWORD });
});
afterAll(async () => {
  await platform.close();
  removeScratch();
});

/** A scripted prompter that also keeps the choices each select offered. */
function recording(script: ScriptedAnswer[]): Prompter & { asked: string[]; offered: string[][]; left(): number } {
  const inner = scriptedPrompter(script);
  const offered: string[][] = [];
  return {
    ...inner,
    asked: inner.asked,
    offered,
    // An answer may be computed when the question comes (see appCode).
    async input(message, hint, options) {
      const answer = (await inner.input(message, hint, options)) as unknown;
      return typeof answer === 'function' ? (answer as () => Promise<string>)() : (answer as string);
    },
    async select(message, choices) {
      offered.push(choices.map((c) => c.name));
      return inner.select(message, choices);
    },
  };
}

/**
 * What the person's authenticator app shows, read when the prompt comes: during enrollment
 * the secret that rides on the newest challenge (the one on screen), later the enrolled one.
 */
function appCode(staffId: string, stepOffset = 0): ScriptedAnswer {
  const ctx = platform.platform.ctx;
  return {
    input: async () => {
      const staff = await ctx.db.selectFrom('staff').select('mfa_secret_enc').where('id', '=', staffId).executeTakeFirstOrThrow();
      const pending = await ctx.db
        .selectFrom('tokens')
        .select('payload_sealed')
        .where('staff_id', '=', staffId)
        .where('kind', '=', 'login_challenge')
        .orderBy('created_at', 'desc')
        .executeTakeFirstOrThrow();
      const sealed = staff.mfa_secret_enc ?? pending.payload_sealed!;
      return totpForStep(ctx.secrets.open(sealed), stepAt(Date.now()) + stepOffset);
    },
  } as unknown as ScriptedAnswer;
}

async function login(home: string, args: string[], script: ScriptedAnswer[]) {
  const prompter = recording(script);
  const result = await runT1(['login', '--api-url', platform.url, ...args], { tty: true, env: { T1_HOME: home }, overrides: { prompter } });
  return { result, prompter };
}

async function whoami(home: string) {
  return JSON.parse((await runT1(['whoami', '--json'], { env: { T1_HOME: home } })).stdout) as { organisation: { id: string; name: string }; role: string };
}

function savedToken(home: string): string {
  const config = JSON.parse(readFileSync(`${home}/config.json`, 'utf8')) as { profiles: { default: { token: string } } };
  return config.profiles.default.token;
}

async function apiLogin(body: Record<string, unknown>) {
  const response = await fetch(`${platform.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

async function post(path: string, body: Record<string, unknown>) {
  const response = await fetch(`${platform.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

function shown(result: CliResult): string {
  return result.stdout + result.stderr;
}

describe('t1 login for staff of several organisations', () => {
  it('lists the organisations the password opens, by name, and signs in to the one picked (no 2FA there: no code)', async () => {
    const home = scratch();
    const { result, prompter } = await login(home, [], [{ input: EMAIL }, { input: DEMO_PASSWORD }, { select: 'Contoso Live' }]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(prompter.asked).toEqual(['Email', 'Password', 'Organisation']);
    // Tailspin has another password: not offered.
    expect(prompter.offered).toEqual([['Contoso Live', 'Fabrikam Summit', 'Northwind Events']]);
    expect(LOGGED_IN.exec(result.stdout)!.slice(1)).toEqual([EMAIL, 'agent', 'Contoso Live']);
    expect(await whoami(home)).toMatchObject({ organisation: { id: 'org_contoso', name: 'Contoso Live' }, role: 'agent' });
  });

  it('a password that fits one organisation signs in there without a choice', async () => {
    const home = scratch();
    const { result, prompter } = await login(home, ['--email', EMAIL], [{ input: OTHER_PASSWORD }]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(prompter.asked).toEqual(['Password']);
    expect(LOGGED_IN.exec(result.stdout)!.slice(1)).toEqual([EMAIL, 'admin', 'Tailspin Toys']);
  });

  it('--org picks by name (any case) or id; each organisation asks for its own code; switching ends the previous session', async () => {
    const home = scratch();
    const first = await login(home, ['--email', EMAIL, '--org', 'fabrikam summit'], [{ input: DEMO_PASSWORD }, appCode('stf_org_fabrikam')]);
    expect(first.result.exitCode, first.result.stderr).toBe(0);
    expect(first.prompter.asked).toEqual(['Password', 'Code shown by the app']);
    expect(first.result.stderr).toContain('requires two-factor authentication');
    expect(LOGGED_IN.exec(first.result.stdout)!.slice(1)).toEqual([EMAIL, 'viewer', 'Fabrikam Summit']);
    expect(first.result.stdout).toContain('Recovery codes');
    // The key on screen is the secret Fabrikam now holds for this member.
    const key = /setup key into the app: ([A-Z2-7 ]+)\n/.exec(first.result.stderr)![1]!.replace(/ /g, '');
    const enrolled = await platform.platform.ctx.db.selectFrom('staff').select('mfa_secret_enc').where('id', '=', 'stf_org_fabrikam').executeTakeFirstOrThrow();
    expect(platform.platform.ctx.secrets.open(enrolled.mfa_secret_enc!)).toBe(key);
    const fabrikamSession = savedToken(home);

    // Switching to Contoso (no 2FA): no code; the Fabrikam session is over.
    const contoso = await login(home, ['--email', EMAIL, '--org', 'org_contoso'], [{ input: DEMO_PASSWORD }]);
    expect(contoso.result.exitCode, contoso.result.stderr).toBe(0);
    expect(contoso.prompter.asked).toEqual(['Password']);
    expect((await whoami(home)).organisation.name).toBe('Contoso Live');
    const ended = await runT1(['whoami'], { env: { T1_API_URL: platform.url, T1_TOKEN: fabrikamSession, T1_HOME: scratch() } });
    expect(ended.exitCode).toBe(4);
    expect(ended.stderr).toMatch(/This sign-in session was revoked/);

    // Back to Fabrikam: its code is asked for (enrolled now, so no QR code). The next
    // step's code, since the enrollment used this one.
    const back = await login(home, ['--email', EMAIL, '--org', 'Fabrikam Summit'], [{ input: DEMO_PASSWORD }, appCode('stf_org_fabrikam', 1)]);
    expect(back.result.exitCode, back.result.stderr).toBe(0);
    expect(back.prompter.asked).toEqual(['Password', 'Authenticator code (or a recovery code)']);
    expect(back.result.stderr).not.toContain('setup key');
    expect((await whoami(home)).organisation.name).toBe('Fabrikam Summit');
  });

  it('--org naming an organisation the password does not open: usage error listing the ones it does', async () => {
    const home = scratch();
    const failures = () => platform.platform.ctx.db.selectFrom('staff').select(['id', 'failed_logins']).where('email', '=', EMAIL).orderBy('id').execute();
    const before = await failures();
    const { result } = await login(home, ['--email', EMAIL, '--org', 'Tailspin Toys'], [{ input: DEMO_PASSWORD }]);
    // The right password counts as no failure anywhere.
    expect(await failures()).toEqual(before);
    expect(result.exitCode).toBe(2);
    expect(lines(result.stderr)[0]).toBe(
      'Error: You are not staff of an organisation "Tailspin Toys". Yours: Contoso Live (org_contoso), Fabrikam Summit (org_fabrikam), Northwind Events (org_demo).',
    );
    expect(result.stderr).toContain('--org <name|id>');
  });

  it('with --no-input and no --org: usage error listing the organisations, nothing saved', async () => {
    const home = scratch();
    const result = await runT1(['login', '--api-url', platform.url, '--email', EMAIL, '--no-input'], { env: { T1_HOME: home }, stdin: `${DEMO_PASSWORD}\n` });
    expect(result.exitCode).toBe(2);
    expect(lines(result.stderr)[0]).toBe('Error: This account is staff of several organisations: Contoso Live, Fabrikam Summit, Northwind Events. Which one?');
    expect(result.stderr).toContain('Pass --org <name|id>.');
    expect(existsSync(`${home}/config.json`) ? savedTokenOrNone(home) : undefined).toBeUndefined();

    // Off a terminal with --org, the password on stdin is enough where no code is asked.
    const picked = await runT1(['login', '--api-url', platform.url, '--email', EMAIL, '--org', 'Contoso Live'], { env: { T1_HOME: home }, stdin: `${DEMO_PASSWORD}\n` });
    expect(picked.exitCode, picked.stderr).toBe(0);
    expect(picked.stdout).toContain('(agent, Contoso Live)');
  });

  it('a wrong password reveals nothing: same answer as an unknown address, with or without --org', async () => {
    const home = scratch();
    const { result } = await login(home, ['--email', EMAIL], [{ input: 'not-the-password' }]);
    expect(result.exitCode).toBe(4);
    expect(lines(result.stderr)[0]).toBe('Error: The email or password is not correct.');
    for (const name of ['Contoso', 'Fabrikam', 'Northwind', 'Tailspin', 'org_']) expect(shown(result)).not.toContain(name);

    const answers = await Promise.all([
      apiLogin({ email: EMAIL, password: 'wrong-1' }),
      apiLogin({ email: EMAIL, password: 'wrong-2', organisation: 'Contoso Live' }),
      apiLogin({ email: EMAIL, password: 'wrong-3', organisation: 'No Such Organisation' }),
      apiLogin({ email: 'nobody.here@northwind.example', password: 'wrong-4', organisation: 'Contoso Live' }),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthenticated');
      expect(answer.body.error.message).toBe('The email or password is not correct.');
      expect(answer.body.error.details).toBeUndefined();
    }
  });

  it('a wrong password counts on every account of the address; the right one takes its attempt back elsewhere', async () => {
    const db = platform.platform.ctx.db;
    const failures = async () =>
      Object.fromEntries(
        (await db.selectFrom('staff').select(['org_id', 'failed_logins']).where('email', '=', EMAIL).execute()).map((r) => [r.org_id, Number(r.failed_logins)]),
      );
    const before = await failures();
    await apiLogin({ email: EMAIL, password: 'wrong-again' });
    const after = await failures();
    for (const org of Object.keys(before)) expect(after[org]).toBe(before[org]! + 1);
    const signedIn = await apiLogin({ email: EMAIL, password: DEMO_PASSWORD, organisation: 'Contoso Live' });
    expect(signedIn.body.next).toBe('done');
    const settled = await failures();
    expect(settled.org_contoso).toBe(0);
    // Not a guess at the others' passwords: this attempt is taken back, the wrong one stays.
    expect(settled.org_tailspin).toBe(after.org_tailspin);
    expect(settled.org_fabrikam).toBe(after.org_fabrikam);
  });
});

describe('the organisation choice on the API', () => {
  it('a wrong pick leaves the choice open; the pick is used once, even when sent in parallel', async () => {
    const first = await apiLogin({ email: EMAIL, password: DEMO_PASSWORD });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      next: 'choose_organisation',
      organisations: [
        { id: 'org_contoso', name: 'Contoso Live' },
        { id: 'org_fabrikam', name: 'Fabrikam Summit' },
        { id: DEMO_ORG_ID, name: 'Northwind Events' },
      ],
    });
    const wrong = await post('/v1/auth/organisation', { challenge: first.body.challenge, organisation: 'Tailspin Toys' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.details).toMatchObject({ reason: 'unknown_organisation', fields: [{ field: 'body.organisation' }] });

    const picks = await Promise.all(Array.from({ length: 6 }, () => post('/v1/auth/organisation', { challenge: first.body.challenge, organisation: 'contoso live' })));
    expect(picks.filter((p) => p.status === 200).map((p) => p.body.next)).toEqual(['done']);
    expect(picks.filter((p) => p.status === 401)).toHaveLength(5);

    // The choice is no code challenge, and a code challenge is no choice.
    const again = await apiLogin({ email: EMAIL, password: DEMO_PASSWORD });
    expect((await post('/v1/auth/mfa', { challenge: again.body.challenge, code: '123456' })).status).toBe(401);
    const withCode = await apiLogin({ email: EMAIL, password: DEMO_PASSWORD, organisation: 'Fabrikam Summit' });
    expect(withCode.body.next).toBe('mfa_code');
    expect((await post('/v1/auth/organisation', { challenge: withCode.body.challenge, organisation: 'Fabrikam Summit' })).status).toBe(401);
  });

  it('a locked account is left out; a password that opens none of the others is answered with the lock', async () => {
    const db = platform.platform.ctx.db;
    const until = new Date(Date.now() + 30 * 60_000).toISOString();
    await db.updateTable('staff').set({ locked_until: until }).where('id', '=', 'stf_org_tailspin').execute();
    try {
      // Tailspin's own password: not checked while the lock holds.
      const locked = await apiLogin({ email: EMAIL, password: OTHER_PASSWORD });
      expect(locked.status).toBe(429);
      expect(locked.body.error.details).toMatchObject({ reason: 'locked', lockedUntil: until });
      // The others still open with theirs, without Tailspin in the list.
      const others = await apiLogin({ email: EMAIL, password: DEMO_PASSWORD });
      expect(others.body.organisations.map((o: any) => o.id)).toEqual(['org_contoso', 'org_fabrikam', DEMO_ORG_ID]);
    } finally {
      await db.updateTable('staff').set({ locked_until: null, failed_logins: 0 }).where('id', '=', 'stf_org_tailspin').execute();
    }
  });

  it('bad input gets field errors, never a 500', async () => {
    const empty = await apiLogin({ email: EMAIL, password: DEMO_PASSWORD, organisation: '' });
    expect(empty.status).toBe(422);
    expect(empty.body.error.details.fields[0].field).toBe('body.organisation');
    const missing = await post('/v1/auth/organisation', { challenge: 'x' });
    expect(missing.status).toBe(422);
    const unknown = await post('/v1/auth/organisation', { challenge: 'not-a-challenge', organisation: 'Contoso Live' });
    expect(unknown.status).toBe(401);
  });
});

describe('a member whose codes come by text', () => {
  const subject = { kind: 'staff', id: 'stf_org_contoso', orgId: 'org_contoso' } as const;

  /** The code in the newest text to the member, as their phone shows it. */
  async function textedCode(db = platform.platform.ctx.db): Promise<string> {
    const row = await db.selectFrom('sms_messages').select('body_sealed').where('staff_id', '=', subject.id).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirstOrThrow();
    return /\b(\d{6})\b/.exec(platform.platform.ctx.secrets.open(row.body_sealed!))![1]!;
  }

  it('is asked for the code texted to the masked number; a wrong one is refused and asked again', async () => {
    const ctx = platform.platform.ctx;
    await ctx.db.updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', 'org_contoso').execute();
    await ctx.db.transaction().execute((trx) => startSmsEnrollment(trx, ctx, subject, '+44 7911 123456'));
    const confirmed = await ctx.db.transaction().execute(async (trx) => confirmSmsEnrollment(trx, ctx, subject, await textedCode(trx)));
    expect(confirmed.ok).toBe(true);

    const wrong = { input: async () => ((await textedCode()) === '000000' ? '111111' : '000000') } as unknown as ScriptedAnswer;
    const right = { input: () => textedCode() } as unknown as ScriptedAnswer;
    const home = scratch();
    const { result, prompter } = await login(home, ['--email', EMAIL, '--org', 'Contoso Live'], [{ input: DEMO_PASSWORD }, wrong, right]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(prompter.asked).toHaveLength(3);
    expect(prompter.asked[1]).toMatch(/^Code texted to \+44 .*456 \(or a recovery code\)$/);
    expect(prompter.asked[1]).not.toContain('7911 123456');
    expect(prompter.asked[2]).toBe(prompter.asked[1]);
    expect(result.stderr).toContain('That code is not right. Check the newest text message, or use a recovery code.');
    expect(LOGGED_IN.exec(result.stdout)!.slice(1)).toEqual([EMAIL, 'agent', 'Contoso Live']);

    // The wrong try stays counted on the texted code.
    const code = await ctx.db.selectFrom('sms_codes').select(['attempts', 'used_at']).where('staff_id', '=', subject.id).where('purpose', '=', 'sign_in').executeTakeFirstOrThrow();
    expect(Number(code.attempts)).toBe(2);
    expect(code.used_at).not.toBeNull();
  });
});

describe.runIf(await postgresReachable())('on PostgreSQL, two instances on one database', () => {
  let scratchDb: ScratchDatabase;
  const instances: Platform[] = [];
  const urls: string[] = [];
  const pgEmail = 'dana.multi@northwind.example';

  beforeAll(async () => {
    scratchDb = await scratchDatabase('t1_staff_orgs');
    const options = { database: scratchDb.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: randomBytes(32).toString('hex') }, signInDelayMs: () => 0 };
    instances.push(await openPlatform(options));
    await seedDemo(instances[0]!.ctx.db, instances[0]!.ctx);
    instances.push(await openPlatform(options));
    for (const p of instances) urls.push(await p.listen('127.0.0.1', 0));
    const db = instances[0]!.ctx.db;
    const now = new Date().toISOString();
    const hash = await hashPassword(DEMO_PASSWORD);
    await db.insertInto('organisations').values({ id: 'org_pg_other', name: 'Other Events', mfa_policy: 'off', ticket_required: 0, created_at: now }).execute();
    for (const org of [DEMO_ORG_ID, 'org_pg_other']) {
      await db
        .insertInto('staff')
        .values({ id: `stf_pg_${org}`, org_id: org, email: pgEmail, name: 'Dana Multi', role: 'agent', password_hash: hash, mfa_secret_enc: null, mfa_confirmed_at: null, mfa_last_step: null, locked_until: null, created_at: now })
        .execute();
    }
  });
  afterAll(async () => {
    for (const p of instances) await p.close();
    await scratchDb?.drop();
  });

  const send = (i: number, path: string, body: Record<string, unknown>) =>
    fetch(`${urls[i % urls.length]}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  it('a pick sent to both instances at once is used once', async () => {
    const first = await send(0, '/v1/auth/login', { email: pgEmail, password: DEMO_PASSWORD });
    expect(first.body.organisations.map((o: any) => o.name)).toEqual(['Northwind Events', 'Other Events']);
    const picks = await Promise.all(Array.from({ length: 8 }, (_, i) => send(i, '/v1/auth/organisation', { challenge: first.body.challenge, organisation: 'Other Events' })));
    expect(picks.filter((p) => p.status === 200)).toHaveLength(1);
    expect(picks.filter((p) => p.status === 401)).toHaveLength(7);
  });

  it('wrong passwords at once count on every account of the address; once all are locked even the right one waits', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => send(i, '/v1/auth/login', { email: pgEmail, password: `wrong-${i}` })));
    expect(answers.every((a) => a.status === 401 || a.status === 429)).toBe(true);
    expect(answers.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(2);
    const rows = await instances[0]!.ctx.db.selectFrom('staff').select(['failed_logins', 'locked_until']).where('email', '=', pgEmail).execute();
    for (const row of rows) {
      expect(Number(row.failed_logins)).toBe(12);
      expect(row.locked_until).not.toBeNull();
    }
    const right = await send(0, '/v1/auth/login', { email: pgEmail, password: DEMO_PASSWORD });
    expect(right.status).toBe(429);
    expect(right.body.error.details.reason).toBe('locked');
  });
});

function savedTokenOrNone(home: string): string | undefined {
  const config = JSON.parse(readFileSync(`${home}/config.json`, 'utf8')) as { profiles: Record<string, { token?: string }> };
  return config.profiles.default?.token;
}
