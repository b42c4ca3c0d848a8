// API tokens: created with a lifetime (a year by default, or never), listed with their
// state and last use but never their secret, revoked (audited); a revoked or expired
// token is refused on every route that takes a token. An idempotent replay is answered
// only while the caller may still take the action.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES, DEMO_ORG_ID, seedDemo } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import type { StaffRole } from '../../src/contract/vocabulary.ts';
import { confirming, testClock } from '../helpers/action-kit.ts';
import { runT1, type CliResult } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { registeredRoutes } from '../fuzz/routes.ts';
import { postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';
import { lines, removeScratch, rows, scratch, utcMinute } from './support.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SAM = DEMO_EXAMPLES.agentStaff;
const MORGAN = DEMO_EXAMPLES.adminStaff;

// Runs with PostgreSQL too when a server is reachable.
const pgAvailable = await postgresReachable();

const clock = testClock();
// Stands still, so stored times can be compared exactly; tests move it on purpose.
clock.freeze(Math.floor(Date.now() / MINUTE) * MINUTE);

let tp: TestPlatform;
const db = () => tp.platform.ctx.db;

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
});
afterAll(async () => {
  await tp?.close();
  removeScratch();
});

const nowIso = () => clock.now().toISOString();
const later = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();

function t1(args: string[], options: { role?: StaffRole; token?: string; tty?: boolean; answer?: boolean } = {}): Promise<CliResult> {
  const env = tp.env(options.role ?? 'admin');
  if (options.token) env.T1_TOKEN = options.token;
  return runT1(args, { env, tty: options.tty, overrides: options.answer === undefined ? {} : { prompter: confirming(options.answer) } });
}

function parsed(result: CliResult): any {
  if (result.exitCode !== 0) throw new Error(`t1 exited ${result.exitCode}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function api(method: string, path: string, token: string, body?: unknown, key?: string): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key) headers['idempotency-key'] = key;
  const response = await fetch(`${tp.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

/** Creates a token through the API as the admin test token; returns what the platform answered. */
async function createToken(name: string, extra: Record<string, unknown> = {}, as = tp.tokens.admin) {
  const answer = await api('POST', '/v1/tokens', as, { name, role: 'agent', ...extra });
  expect(answer.status).toBe(201);
  return answer.body as { id: string; token: string; expiresAt: string | null };
}

async function staffToken(email: string, role: StaffRole, name: string): Promise<{ id: string; token: string }> {
  const staff = await db().selectFrom('staff').select('id').where('email', '=', email).executeTakeFirstOrThrow();
  return issueApiToken(db(), tp.platform.ctx, { orgId: DEMO_ORG_ID, role, name, staffId: staff.id, createdBy: 'test' });
}

async function listed(id: string): Promise<any> {
  const items = parsed(await t1(['--json', 'tokens', 'list'])).items as any[];
  return items.find((t) => t.id === id);
}

async function tokenRow(id: string) {
  return db().selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

describe('creating tokens with a lifetime', () => {
  it('lives a year unless told otherwise; --expires-style lifetimes and never are accepted', async () => {
    const plain = await createToken('ci default');
    expect(plain.expiresAt).toBe(later(365 * DAY));
    const ninety = await createToken('ci ninety', { expires: '90d' });
    expect(ninety.expiresAt).toBe(later(90 * DAY));
    const hours = await createToken('ci hours', { expires: '12h' });
    expect(hours.expiresAt).toBe(later(12 * HOUR));
    const forever = await createToken('ci forever', { expires: 'never' });
    expect(forever.expiresAt).toBeNull();
    expect((await tokenRow(forever.id)).expires_at).toBeNull();
  });

  it.each([['90'], ['ten days'], ['0d'], ['11y'], ['-1d'], ['1.5d']])('refuses expires %j with a field error and creates nothing', async (expires) => {
    const before = await db().selectFrom('tokens').select('id').where('kind', '=', 'api').execute();
    const answer = await api('POST', '/v1/tokens', tp.tokens.admin, { name: 'bad lifetime', role: 'viewer', expires });
    expect(answer.status).toBe(422);
    expect(answer.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['body.expires']);
    expect(await db().selectFrom('tokens').select('id').where('kind', '=', 'api').execute()).toEqual(before);
  });
});

describe('t1 tokens list', () => {
  it('shows every token with its role, staff member, expiry ("never" too), last use and state, and no secret', async () => {
    const forever = await createToken('list forever', { expires: 'never' });
    const sams = await staffToken(SAM, 'agent', 'sam laptop');
    expect((await api('GET', '/v1/whoami', sams.token)).status).toBe(200);

    const json = await t1(['--json', 'tokens', 'list']);
    expect(json.exitCode).toBe(0);
    for (const secret of [forever.token, sams.token]) {
      expect(json.stdout).not.toContain(secret);
      expect(json.stdout).not.toContain(secret.slice(3));
    }
    const items = JSON.parse(json.stdout).items as any[];
    expect(items.find((t) => t.id === sams.id)).toEqual({
      id: sams.id,
      name: 'sam laptop',
      role: 'agent',
      staff: { id: expect.any(String), email: SAM, name: 'Sam Okonkwo' },
      createdBy: 'test',
      createdAt: nowIso(),
      expiresAt: later(365 * DAY),
      lastUsedAt: nowIso(),
      state: 'active',
      revokedAt: null,
      revokedBy: null,
    });
    expect(items.find((t) => t.id === forever.id)).toMatchObject({ expiresAt: null, lastUsedAt: null, staff: null, createdBy: 'token:test admin' });
    // Newest first; the platform's own test tokens are there too.
    expect(items.map((t) => t.name)).toEqual(expect.arrayContaining(['test viewer', 'test agent', 'test admin']));

    const plain = await t1(['tokens', 'list']);
    expect(plain.exitCode).toBe(0);
    const byId = new Map(rows(plain.stdout).map((row) => [row[0], row]));
    expect(byId.get(forever.id)).toEqual([forever.id, 'list forever', 'agent', '-', utcMinute(nowIso()), 'never', '-', 'active']);
    expect(byId.get(sams.id)).toEqual([sams.id, 'sam laptop', 'agent', SAM, utcMinute(nowIso()), utcMinute(later(365 * DAY)), utcMinute(nowIso()), 'active']);
  });

  it('pages through every token once, newest first', async () => {
    for (const n of [1, 2, 3]) await createToken(`paged ${n}`);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await api('GET', `/v1/tokens?limit=2${cursor ? `&cursor=${cursor}` : ''}`, tp.tokens.admin);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      ids.push(...page.body.items.map((t: { id: string }) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const stored = await db().selectFrom('tokens').select('id').where('kind', '=', 'api').orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    expect(ids).toEqual(stored.map((t) => t.id));
    expect((await api('GET', '/v1/tokens?cursor=bm90LWEtY3Vyc29y', tp.tokens.admin)).status).toBe(400);
  });

  it('is for admins: an agent gets exit 4 naming the admin role', async () => {
    const result = await t1(['tokens', 'list'], { role: 'agent' });
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)[0]).toBe('Error: This needs the admin role; the caller has agent.');
  });
});

describe('last use', () => {
  it('is written at most once a minute, and never moved back by an instance whose clock lags', async () => {
    const { id, token } = await createToken('busy token');
    expect((await tokenRow(id)).last_used_at).toBeNull();

    // Twenty requests at once: every one answered, one time of use kept.
    const first = await Promise.all(Array.from({ length: 20 }, () => api('GET', '/v1/whoami', token)));
    expect(first.map((a) => a.status)).toEqual(Array(20).fill(200));
    const used = nowIso();
    expect((await tokenRow(id)).last_used_at).toBe(used);

    clock.advance(30_000);
    expect((await api('GET', '/v1/whoami', token)).status).toBe(200);
    expect((await tokenRow(id)).last_used_at).toBe(used);

    // A second instance on the same database, its clock two minutes behind.
    const lagging = testClock();
    lagging.freeze(clock.now().getTime() - 2 * MINUTE);
    const other = await openPlatform({ database: tp.database, publicUrl: 'http://127.0.0.1:4747', env: {}, clock: lagging });
    try {
      const answer = await other.app.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${token}` } });
      expect(answer.statusCode).toBe(200);
      expect((await tokenRow(id)).last_used_at).toBe(used);
    } finally {
      await other.close();
    }

    clock.advance(31_000);
    expect((await api('GET', '/v1/whoami', token)).status).toBe(200);
    expect((await tokenRow(id)).last_used_at).toBe(nowIso());
    expect((await listed(id)).lastUsedAt).toBe(nowIso());
  });
});

describe('t1 tokens revoke', () => {
  it('asks first, revokes, records it in the audit log, and the token is refused from then on', async () => {
    const { id, token } = await createToken('laptop of a leaver');
    expect((await api('GET', '/v1/whoami', token)).status).toBe(200);

    const declined = await t1(['tokens', 'revoke', id], { tty: true, answer: false });
    expect(declined.exitCode).toBe(130);
    const noInput = await t1(['tokens', 'revoke', id]);
    expect(noInput.exitCode).toBe(2);
    expect(lines(noInput.stderr)[0]).toBe(`Error: Revoke the agent token "laptop of a leaver" (${id})? Anything using it stops working at once. Confirm with --yes (prompting is off).`);
    expect((await tokenRow(id)).revoked_at).toBeNull();

    const prompter = confirming(true);
    const done = await runT1(['tokens', 'revoke', id, '--reason', 'left the company', '--ticket', 'SEC-7'], {
      env: tp.env('admin'),
      tty: true,
      overrides: { prompter },
    });
    expect(done.exitCode).toBe(0);
    expect(prompter.asked).toEqual([`Revoke the agent token "laptop of a leaver" (${id})? Anything using it stops working at once.`]);
    expect(done.stdout).toBe(`Revoked the agent token "laptop of a leaver" (${id}). Requests with it are refused from now on.\n`);
    expect(await tokenRow(id)).toMatchObject({ revoked_at: nowIso(), revoked_by: 'token:test admin' });

    const refused = await t1(['whoami'], { token });
    expect(refused.exitCode).toBe(4);
    expect(lines(refused.stderr)).toEqual([
      `Error: This API token was revoked on ${utcMinute(nowIso())}.`,
      'Run "t1 login" to sign in again, or ask your platform admin for a new token ("t1 login --token").',
    ]);

    const audit = parsed(await t1(['--json', 'audit', '--limit', '20'])).items as any[];
    expect(audit.filter((a) => a.action === 'token.revoke' && a.target === `token:${id}`)).toHaveLength(1);
    expect(audit.find((a) => a.action === 'token.revoke' && a.target === `token:${id}`)).toMatchObject({
      actor: 'token:test admin',
      action: 'token.revoke',
      target: `token:${id}`,
      reason: 'left the company',
      ticket: 'SEC-7',
      result: 'ok',
      detail: { name: 'laptop of a leaver', role: 'agent', alreadyRevoked: false },
    });
    expect(await listed(id)).toMatchObject({ state: 'revoked', revokedAt: nowIso(), revokedBy: 'token:test admin' });

    const plain = await t1(['tokens', 'list']);
    expect(rows(plain.stdout).find((row) => row[0] === id)?.at(-1)).toBe('revoked by token:test admin');

    // Again: nothing to ask, nothing changes.
    const again = await t1(['tokens', 'revoke', id]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toBe(`The agent token "laptop of a leaver" (${id}) was already revoked on ${utcMinute(nowIso())} by token:test admin; nothing changed.\n`);
  });

  it('an unknown id is exit 3, text that is no id is exit 2, and an agent may not revoke (exit 4)', async () => {
    const unknown = await t1(['tokens', 'revoke', 'tok_nosuchtoken', '--yes']);
    expect(unknown.exitCode).toBe(3);
    expect(lines(unknown.stderr)).toEqual(['Error: No API token has the id tok_nosuchtoken.', 'See the API tokens: t1 tokens list']);
    const junk = await t1(['tokens', 'revoke', '../../users', '--yes']);
    expect(junk.exitCode).toBe(2);
    const { id } = await createToken('not for agents');
    const agent = await t1(['tokens', 'revoke', id, '--yes'], { role: 'agent' });
    expect(agent.exitCode).toBe(4);
    expect((await tokenRow(id)).revoked_at).toBeNull();
  });

  it("another organisation's tokens are neither listed, shown nor revocable", async () => {
    await db().insertInto('organisations').values({ id: 'org_other', name: 'Other Events', mfa_policy: 'off', ticket_required: 0, created_at: nowIso() }).execute();
    const theirs = await issueApiToken(db(), tp.platform.ctx, { orgId: 'org_other', role: 'admin', name: 'their admin', createdBy: 'test' });
    expect(await listed(theirs.id)).toBeUndefined();
    expect((await api('GET', `/v1/tokens/${theirs.id}`, tp.tokens.admin)).status).toBe(404);
    const revoke = await t1(['tokens', 'revoke', theirs.id, '--yes']);
    expect(revoke.exitCode).toBe(3);
    expect((await api('POST', `/v1/tokens/${theirs.id}/revoke`, tp.tokens.admin, {})).status).toBe(404);
    expect((await tokenRow(theirs.id)).revoked_at).toBeNull();
    expect((await api('GET', '/v1/whoami', theirs.token)).status).toBe(200);
  });

  it('two admins revoking at once: one revocation, its time and author kept', async () => {
    const { id } = await createToken('raced');
    const answers = await Promise.all(Array.from({ length: 8 }, () => api('POST', `/v1/tokens/${id}/revoke`, tp.tokens.admin, { reason: 'leaked' })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.filter((a) => a.body.alreadyRevoked === false)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.body.token.revokedAt))).toEqual(new Set([nowIso()]));
  });
});

describe('expiry', () => {
  it('an expired token is refused with when it expired, and listed as expired', async () => {
    const { id, token } = await createToken('short lived', { expires: '2h' });
    expect((await api('GET', '/v1/whoami', token)).status).toBe(200);
    const expiresAt = later(2 * HOUR);

    clock.advance(2 * HOUR + MINUTE);
    const answer = await api('GET', '/v1/whoami', token);
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatchObject({ code: 'unauthenticated', details: { reason: 'token_expired', expiredAt: expiresAt } });
    const refused = await t1(['users', 'find', 'priya'], { token });
    expect(refused.exitCode).toBe(4);
    expect(refused.stdout).toBe('');
    expect(lines(refused.stderr)).toEqual([
      `Error: This API token expired on ${utcMinute(expiresAt)}.`,
      'Run "t1 login" to sign in again, or ask your platform admin for a new token ("t1 login --token").',
    ]);
    expect(await listed(id)).toMatchObject({ state: 'expired', expiresAt });
  });
});

describe('a revoked or expired token on every route', () => {
  // Routes that take no bearer token: health, staff sign-in (with its choice of
  // organisation) and the signed webhook.
  const PUBLIC = new Set(['/v1/health', '/v1/auth/login', '/v1/auth/organisation', '/v1/auth/mfa', '/v1/auth/mfa/phone', '/v1/webhooks/registrations']);

  it('gets 401 from every /v1 route that takes a token, before anything else is looked at', async () => {
    const revoked = await createToken('revoked everywhere');
    expect((await api('POST', `/v1/tokens/${revoked.id}/revoke`, tp.tokens.admin, {})).status).toBe(200);
    const expired = await createToken('expired everywhere', { expires: '1h' });
    clock.advance(HOUR + MINUTE);

    const routes = registeredRoutes(tp.platform.app).filter((r) => r.path.startsWith('/v1/') && !PUBLIC.has(r.path));
    expect(routes.length).toBeGreaterThan(20);
    const checked: string[] = [];
    for (const route of routes) {
      const url = route.path.replace(/:[^/]+/g, 'x');
      for (const method of route.methods) {
        for (const [token, reason] of [[revoked.token, 'token_revoked'], [expired.token, 'token_expired']] as const) {
          const response = await tp.platform.app.inject({
            method: method as 'GET',
            url,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            payload: method === 'GET' || method === 'HEAD' ? undefined : '{}',
          });
          expect(response.statusCode, `${method} ${route.path}`).toBe(401);
          if (method !== 'HEAD') expect(response.json().error.details.reason, `${method} ${route.path}`).toBe(reason);
        }
        checked.push(`${method} ${route.path}`);
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['GET /v1/tokens', 'POST /v1/tokens/:id/revoke', 'POST /v1/users/:user/unlock', 'POST /v1/events/:event/invitations/batch']));
  });
});

describe('an idempotent replay re-checks permission', () => {
  afterEach(async () => {
    await db().updateTable('staff').set({ role: 'agent' }).where('email', '=', SAM).execute();
    await db().updateTable('staff').set({ role: 'admin' }).where('email', '=', MORGAN).execute();
  });

  const unlock = (token: string, key: string) => api('POST', `/v1/users/${encodeURIComponent(DEMO_EXAMPLES.lockedPerson)}/unlock`, token, { reason: 'caller locked out' }, key);

  it('a demoted agent replaying a support action is refused, not given the stored answer, and the refusal is audited', async () => {
    const sam = await staffToken(SAM, 'agent', 'sam replay');
    const first = await unlock(sam.token, 'unlock-once');
    expect(first.status).toBe(200);
    const replayed = await unlock(sam.token, 'unlock-once');
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body).toEqual(first.body);

    await db().updateTable('staff').set({ role: 'viewer' }).where('email', '=', SAM).execute();
    const refused = await unlock(sam.token, 'unlock-once');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('idempotent-replayed')).toBeNull();
    expect(refused.body.error).toMatchObject({ code: 'forbidden', details: { requiredRole: 'agent' } });

    const entries = await db().selectFrom('audit_log').selectAll().where('actor', '=', SAM).where('action', '=', 'user.unlock').execute();
    expect(entries.map((e) => `${e.result} as ${e.actor_role}`).sort()).toEqual(['ok as agent', 'refused as viewer']);
    const refusal = entries.find((e) => e.result === 'refused')!;
    expect(refusal.target).toBe(DEMO_EXAMPLES.lockedPerson);
    expect(JSON.parse(refusal.detail!)).toMatchObject({ error: 'forbidden', replay: true });
  });

  it('a replay with a token revoked since is refused with 401', async () => {
    const sam = await staffToken(SAM, 'agent', 'sam revoked replay');
    expect((await unlock(sam.token, 'unlock-revoked')).status).toBe(200);
    expect((await t1(['tokens', 'revoke', sam.id, '--yes'])).exitCode).toBe(0);
    const refused = await unlock(sam.token, 'unlock-revoked');
    expect(refused.status).toBe(401);
    expect(refused.body.error.details.reason).toBe('token_revoked');
  });

  it('an admin demoted to agent does not get back the token a replayed create made', async () => {
    const morgan = await staffToken(MORGAN, 'admin', 'morgan replay');
    const first = await api('POST', '/v1/tokens', morgan.token, { name: 'made by morgan', role: 'viewer' }, 'create-once');
    expect(first.status).toBe(201);
    await db().updateTable('staff').set({ role: 'agent' }).where('email', '=', MORGAN).execute();
    const refused = await api('POST', '/v1/tokens', morgan.token, { name: 'made by morgan', role: 'viewer' }, 'create-once');
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).not.toContain(first.body.token);
  });

  it('a demoted agent replaying a bulk invitation batch is refused', async () => {
    const sam = await staffToken(SAM, 'agent', 'sam bulk replay');
    const body = {
      run: `replay-${Date.now()}`,
      file: 'people.csv',
      batch: 0,
      last: true,
      rows: [{ row: 2, email: 'replay.person@fabrikam.example', firstName: 'Replay', lastName: 'Person' }],
    };
    const path = `/v1/events/${DEMO_EVENT_SLUGS.upcoming}/invitations/batch`;
    expect((await api('POST', path, sam.token, body, `${body.run}:0`)).status).toBe(200);
    await db().updateTable('staff').set({ role: 'viewer' }).where('email', '=', SAM).execute();
    const refused = await api('POST', path, sam.token, body, `${body.run}:0`);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('t1 platform token list, revoke and create --expires', () => {
  let database: string;
  const home = () => scratch();
  const platformT1 = (args: string[], options: { tty?: boolean; answer?: boolean } = {}) =>
    runT1([...args, '--db', database], {
      env: { T1_HOME: home() },
      tty: options.tty,
      overrides: options.answer === undefined ? {} : { prompter: confirming(options.answer) },
    });

  beforeAll(async () => {
    database = join(scratch(), 'platform.db');
    expect((await runT1(['platform', 'seed', '--demo', '--db', database], { env: { T1_HOME: home() } })).exitCode).toBe(0);
  });

  async function withPlatform<T>(use: (platform: Awaited<ReturnType<typeof openPlatform>>) => Promise<T>): Promise<T> {
    const platform = await openPlatform({ database, publicUrl: 'http://127.0.0.1:4747', env: {} });
    try {
      return await use(platform);
    } finally {
      await platform.close();
    }
  }

  it('create --expires sets the lifetime (a year by default, never when asked) and refuses a bad one', async () => {
    const ninety = await platformT1(['platform', 'token', 'create', '--role', 'agent', '--name', 'ninety', '--expires', '90d']);
    expect(ninety.exitCode).toBe(0);
    expect(lines(ninety.stderr)[1]).toMatch(/^It expires on \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/);
    const never = await platformT1(['platform', 'token', 'create', '--role', 'viewer', '--name', 'forever', '--expires', 'never']);
    expect(never.exitCode).toBe(0);
    expect(lines(never.stderr)[1]).toBe('It never expires; revoke it with "t1 platform token revoke" when it is no longer needed.');
    const plain = await platformT1(['--json', 'platform', 'token', 'create', '--role', 'viewer', '--name', 'plain']);
    const created = JSON.parse(plain.stdout);
    expect(Date.parse(created.expiresAt) - Date.now()).toBeGreaterThan(364 * DAY);
    expect(Date.parse(created.expiresAt) - Date.now()).toBeLessThan(366 * DAY);

    for (const bad of ['5x', '0h', 'forever']) {
      const result = await platformT1(['platform', 'token', 'create', '--role', 'agent', '--name', `bad ${bad}`, '--expires', bad]);
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toBe('');
      expect(lines(result.stderr)[0]).toMatch(new RegExp(`^Error: --expires "${bad}" `));
    }
    await withPlatform(async (platform) => {
      const names = (await platform.ctx.db.selectFrom('tokens').select('name').where('kind', '=', 'api').execute()).map((t) => t.name);
      expect(names.filter((n) => n?.startsWith('bad '))).toEqual([]);
    });
  });

  it('list shows the database\'s tokens; revoke asks, revokes, and the platform refuses the token', async () => {
    const created = JSON.parse((await platformT1(['--json', 'platform', 'token', 'create', '--role', 'agent', '--name', 'to revoke'])).stdout);
    const listing = await platformT1(['platform', 'token', 'list']);
    expect(listing.exitCode).toBe(0);
    expect(listing.stdout).not.toContain(created.token.slice(3));
    const mine = rows(listing.stdout).find((row) => row[0] === created.id);
    expect(mine?.slice(1, 4)).toEqual(['to revoke', 'agent', '-']);
    expect(mine?.at(-1)).toBe('active');
    expect(rows(listing.stdout).find((row) => row[1] === 'forever')?.[5]).toBe('never');

    const noInput = await platformT1(['platform', 'token', 'revoke', created.id]);
    expect(noInput.exitCode).toBe(2);
    const declined = await platformT1(['platform', 'token', 'revoke', created.id], { tty: true, answer: false });
    expect(declined.exitCode).toBe(130);

    const revoked = await platformT1(['platform', 'token', 'revoke', created.id, '--yes']);
    expect(revoked.exitCode).toBe(0);
    expect(revoked.stdout).toBe(`Revoked the agent token "to revoke" (${created.id}). Requests with it are refused from now on.\n`);
    await withPlatform(async (platform) => {
      const answer = await platform.app.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${created.token}` } });
      expect(answer.statusCode).toBe(401);
      expect(answer.json().error.details.reason).toBe('token_revoked');
      const row = await platform.ctx.db.selectFrom('tokens').select(['revoked_by']).where('id', '=', created.id).executeTakeFirstOrThrow();
      expect(row.revoked_by).toBe('t1 platform token revoke');
    });
    const after = JSON.parse((await platformT1(['--json', 'platform', 'token', 'list'])).stdout);
    expect(after.items.find((t: { id: string }) => t.id === created.id)).toMatchObject({ state: 'revoked', revokedBy: 't1 platform token revoke' });
  });

  it('revoke: an unknown id is exit 3, text that is no id exit 2', async () => {
    const unknown = await platformT1(['platform', 'token', 'revoke', 'tok_missing', '--yes']);
    expect(unknown.exitCode).toBe(3);
    expect(lines(unknown.stderr)[0]).toBe(`Error: ${database} has no API token with the id tok_missing.`);
    const junk = await platformT1(['platform', 'token', 'revoke', 'tok;drop', '--yes']);
    expect(junk.exitCode).toBe(2);
    expect(existsSync(database)).toBe(true);
  });
});

describe.runIf(pgAvailable)('on PostgreSQL, two instances sharing the database', () => {
  const secretKey = randomBytes(32).toString('hex');
  let scratchDb: ScratchDatabase;
  let a: Platform;
  let b: Platform;
  let admin: string;

  beforeAll(async () => {
    scratchDb = await scratchDatabase();
    a = await openPlatform({ database: scratchDb.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: secretKey }, clock });
    b = await openPlatform({ database: scratchDb.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: secretKey }, clock });
    await seedDemo(a.ctx.db, a.ctx);
    admin = (await issueApiToken(a.ctx.db, a.ctx, { orgId: DEMO_ORG_ID, role: 'admin', name: 'pg admin', createdBy: 'test' })).token;
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await scratchDb?.drop();
  });

  const call = (platform: Platform, method: 'GET' | 'POST', url: string, token: string, body?: unknown) =>
    platform.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: body === undefined ? undefined : JSON.stringify(body) });

  it('records last use from both, lists, and a revocation on one is refused by the other', async () => {
    const created = (await call(a, 'POST', '/v1/tokens', admin, { name: 'pg shared', role: 'viewer', expires: '30d' })).json();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => call(i % 2 ? a : b, 'GET', '/v1/whoami', created.token)));
    expect(answers.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    const row = await a.ctx.db.selectFrom('tokens').select(['last_used_at', 'expires_at']).where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ last_used_at: nowIso(), expires_at: later(30 * DAY) });

    const listing = (await call(b, 'GET', '/v1/tokens', admin)).json();
    expect(listing.items.find((t: { id: string }) => t.id === created.id)).toMatchObject({ name: 'pg shared', state: 'active', lastUsedAt: nowIso() });

    const revokes = await Promise.all(Array.from({ length: 6 }, (_, i) => call(i % 2 ? a : b, 'POST', `/v1/tokens/${created.id}/revoke`, admin, { reason: 'rotated' })));
    expect(revokes.map((r) => r.statusCode)).toEqual(Array(6).fill(200));
    expect(revokes.filter((r) => r.json().alreadyRevoked === false)).toHaveLength(1);
    for (const platform of [a, b]) {
      const refused = await call(platform, 'GET', '/v1/events', created.token);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error.details.reason).toBe('token_revoked');
    }
  });
});
