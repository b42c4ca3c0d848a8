// Edges of the activity log and its readers: hostile characters in queries, keyset pages
// of the merged timeline at ties, parallel identity codes, what a typed "address" may
// hold, withdrawn links, and a runbook's advice for a person without a password.
// PostgreSQL parts run when the local server is reachable.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresReachable, scratchDatabase } from '../helpers/postgres.ts';
import { openEmailBody } from '../../src/platform/mail/outbox.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES, DEMO_ORG_ID, DEMO_PASSWORD, seedDemo } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import { Browser } from '../helpers/browserless.ts';
import { startTestPlatform } from '../helpers/platform.ts';

const pgAvailable = await postgresReachable();

interface Subject {
  platform: Platform;
  url: string;
  admin: string;
  close(): Promise<void>;
}

async function sqliteSubject(): Promise<Subject> {
  const t = await startTestPlatform({ publicUrl: 'self' });
  return { platform: t.platform, url: t.url, admin: t.tokens.admin, close: () => t.close() };
}

async function postgresSubject(): Promise<Subject> {
  const scratch = await scratchDatabase('t1_edges');
  const platform = await openPlatform({ database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env: { T1_SECRET_KEY: randomBytes(32).toString('hex') } });
  await seedDemo(platform.ctx.db, platform.ctx);
  const { token } = await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role: 'admin', name: 'edges', createdBy: 'test' });
  const base = await platform.listen('127.0.0.1', 0);
  return {
    platform,
    url: base,
    admin: token,
    async close() {
      await platform.close();
      await scratch.drop();
    },
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const PERSON = DEMO_EXAMPLES.personWithSeveralRegistrations;
const P = encodeURIComponent(PERSON);

const backends = [
  { name: 'SQLite', open: sqliteSubject, run: true },
  { name: 'PostgreSQL', open: postgresSubject, run: pgAvailable },
];

describe.each(backends)('edges on $name', ({ name, open, run }) => {
  let s: Subject;
  beforeAll(async () => {
    if (run) s = await open();
  });
  afterAll(async () => {
    if (run) await s.close();
  });

  const get = (url: string) => s.platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${s.admin}` } });

  // A NUL character in a path, a query value or a cursor is bad input: PostgreSQL cannot
  // store it, and the answer is a 4xx, never a 500, on either database.
  it.runIf(run)('never answers 500 to a NUL in the new routes\' queries, params or cursors', async () => {
    const nulCursor = b64(['2026-01-01T00:00:00.000Z', 'act_\u0000']);
    const urls = [
      `/v1/users/${P}/activity?cursor=${nulCursor}`,
      `/v1/users/${P}/activity?event=a%00b`,
      `/v1/users/a%00b/activity`,
      `/v1/activity?email=a%00b@example.com`,
      `/v1/activity?email=a@example.com&cursor=${nulCursor}`,
      `/v1/users/${P}/links?cursor=${nulCursor}`,
      `/v1/users/${P}/links?event=%00`,
      `/v1/events/%00/email-check?email=a@example.com`,
    ];
    const statuses: Record<string, number> = {};
    for (const url of urls) statuses[url] = (await get(url)).statusCode;
    const posts = [`/v1/users/a%00/identity-codes`, `/v1/users/a%00/identity-checks`];
    for (const url of posts) {
      const r = await s.platform.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${s.admin}`, 'content-type': 'application/json' }, payload: JSON.stringify(url.endsWith('checks') ? { code: '123456' } : {}) });
      statuses[`POST ${url}`] = r.statusCode;
    }
    const fiveHundreds = Object.entries(statuses).filter(([, code]) => code >= 500);
    expect(fiveHundreds, `${name}: ${JSON.stringify(fiveHundreds)}`).toEqual([]);
  });

  // Keyset pagination of the merged timeline (the
  // person's activity + the address's refusals before the account + audit entries) with
  // many entries sharing one millisecond, in both orders and at every page size.
  it.runIf(run)('pages the merged timeline without gaps or repeats when many entries tie on time', async () => {
    const db = s.platform.ctx.db;
    const user = await db.selectFrom('users').select(['id', 'email']).where('email', '=', PERSON).executeTakeFirstOrThrow();
    const at = '2031-05-05T05:05:05.005Z';
    const later = '2031-05-05T05:05:05.006Z';
    const activity = [];
    // Ids differ in case and digits: byte order and a locale collation disagree on them.
    for (const [i, id] of ['act_0000000aZ', 'act_0000000az', 'act_0000000A1', 'act_0000000B_', 'act_0000000b-', 'act_00000010x'].entries()) {
      activity.push({ id, org_id: DEMO_ORG_ID, user_id: user.id, email: null, kind: 'link.opened', outcome: 'ok', created_at: i % 2 === 0 ? at : later });
    }
    for (const id of ['act_0000000aY', 'act_0000000Ay']) {
      activity.push({ id, org_id: DEMO_ORG_ID, user_id: null, email: user.email, kind: 'registration.refused', outcome: 'refused', reason: 'public_domain', created_at: at });
    }
    await db.insertInto('activity').values(activity).execute();
    const audit = ['aud_Zz', 'aud_zZ', 'aud_a', 'aud_A'].map((id) => ({
      id,
      org_id: DEMO_ORG_ID,
      actor: 'edges',
      actor_role: 'agent',
      action: 'magic_link.create',
      target_user_id: user.id,
      target: user.email,
      event_id: null,
      reason: null,
      ticket: null,
      result: 'ok',
      detail: null,
      request_id: 'req_edges',
      created_at: at,
    }));
    await db.insertInto('audit_log').values(audit).execute();
    const ours = new Set([...activity.map((a) => a.id), ...audit.map((a) => a.id)]);

    for (const order of ['newest', 'oldest'] as const) {
      const since = '2031-05-05T00:00:00.000Z';
      const all = (await get(`/v1/users/${P}/activity?order=${order}&since=${since}&limit=200`)).json() as { items: { id: string; at: string }[] };
      const expected = all.items.map((i) => i.id).filter((id) => ours.has(id));
      expect(expected.length).toBe(ours.size);
      // The order is (time, id) as bytes.
      const sorted = [...all.items].sort((a, b) => (a.at === b.at ? (a.id < b.id ? -1 : 1) : a.at < b.at ? -1 : 1));
      if (order === 'newest') sorted.reverse();
      expect(all.items.map((i) => i.id)).toEqual(sorted.map((i) => i.id));
      for (const limit of [1, 2, 3, 5]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        for (let page = 0; page < 50; page++) {
          const response = await get(`/v1/users/${P}/activity?order=${order}&since=${since}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
          expect(response.statusCode).toBe(200);
          const body = response.json() as { items: { id: string }[]; nextCursor: string | null };
          seen.push(...body.items.map((i) => i.id));
          cursor = body.nextCursor;
          if (!cursor) break;
        }
        expect(seen, `${order} limit ${limit}`).toEqual(all.items.map((i) => i.id));
      }
    }
  });

  // Parallel wrong identity codes are counted
  // once each, so no more than five comparisons happen and the code then dies even for
  // the right answer; parallel right answers verify once.
  it.runIf(run)('counts parallel identity-code tries and consumes the code once', async () => {
    const who = encodeURIComponent(DEMO_EXAMPLES.pendingVerificationPerson);
    const postJson = (url: string, body: unknown) =>
      s.platform.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${s.admin}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    const codeOf = async () => {
      const mail = await s.platform.ctx.db.selectFrom('emails').select(['template', 'body_sealed']).where('template', '=', 'identity_code').orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirstOrThrow();
      return /\b(\d{6})\b/.exec(openEmailBody(s.platform.ctx.secrets, mail.template, mail.body_sealed!).text)![1]!;
    };
    expect((await postJson(`/v1/users/${who}/identity-codes`, { reason: 'edge case' })).statusCode).toBe(201);
    const code = await codeOf();
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = await Promise.all(Array.from({ length: 12 }, () => postJson(`/v1/users/${who}/identity-checks`, { code: wrong })));
    expect(answers.every((a) => a.statusCode === 409)).toBe(true);
    const left = answers.map((a) => (a.json() as { error: { details?: { triesLeft?: number } } }).error.details?.triesLeft).filter((n) => n !== undefined).sort();
    expect(left).toEqual([0, 1, 2, 3, 4]);
    expect((await postJson(`/v1/users/${who}/identity-checks`, { code })).statusCode).toBe(409);

    expect((await postJson(`/v1/users/${who}/identity-codes`, { reason: 'edge case' })).statusCode).toBe(201);
    const fresh = await codeOf();
    const rights = await Promise.all(Array.from({ length: 6 }, () => postJson(`/v1/users/${who}/identity-checks`, { code: fresh })));
    expect(rights.filter((r) => r.statusCode === 200).length).toBe(1);
    expect(rights.filter((r) => r.statusCode >= 500)).toEqual([]);
  });

  // The links list pages by (created_at, id) too.
  it.runIf(run)('pages the links list without gaps or repeats', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await s.platform.app.inject({
        method: 'POST',
        url: `/v1/users/${P}/magic-links`,
        headers: { authorization: `Bearer ${s.admin}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ event: DEMO_EVENT_SLUGS.live, send: true, reason: 'edge case' }),
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const all = (await get(`/v1/users/${P}/links?limit=200`)).json() as { items: { id: string; state: string }[] };
    expect(all.items.filter((l) => l.state === 'active').length).toBeLessThanOrEqual(all.items.length);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const body = (await get(`/v1/users/${P}/links?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).json() as { items: { id: string }[]; nextCursor: string | null };
      seen.push(...body.items.map((i) => i.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(all.items.map((i) => i.id));
  });
});

describe('edges on the pages (SQLite)', () => {
  let s: Subject;
  beforeAll(async () => {
    s = await sqliteSubject();
  });
  afterAll(async () => {
    await s.close();
  });
  const get = (url: string) => s.platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${s.admin}` } });
  const post = (url: string, body: unknown) =>
    s.platform.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${s.admin}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });

  // People often type their password into the email box: only a string shaped like an
  // address is kept as the typed address, so no password sits in the activity log.
  it('does not keep a password typed into the sign-in email box', async () => {
    const typed = 'MySecretPassw0rd!';
    const browser = new Browser(s.url);
    const page = await browser.get(`/e/${DEMO_EVENT_SLUGS.upcoming}/login`);
    const response = await browser.submit(page, { email: typed, password: DEMO_PASSWORD }, `/e/${DEMO_EVENT_SLUGS.upcoming}/login`);
    expect(response.status).toBe(401);
    const stored = await s.platform.ctx.db.selectFrom('activity').select(['kind', 'email']).where('email', '=', typed.toLowerCase()).execute();
    expect(stored).toEqual([]);
  });

  // A 2FA enrollment link withdrawn by an admin's 2FA removal has no newer link: a click
  // on it is refused as withdrawn, not as replaced.
  it('does not call an enrollment link withdrawn by a 2FA removal "replaced"', async () => {
    const who = encodeURIComponent(DEMO_EXAMPLES.personWithOneRegistration);
    const enrollment = await post(`/v1/users/${who}/mfa/enrollments`, { send: false, reason: 'edge case' });
    expect(enrollment.statusCode, enrollment.body).toBe(201);
    const url = new URL((enrollment.json() as { url: string }).url);
    const reset = await post(`/v1/users/${who}/mfa/reset`, { verifiedBy: 'video call', reason: 'edge case' });
    expect(reset.statusCode, reset.body).toBe(200);
    const page = await s.platform.app.inject({ method: 'GET', url: url.pathname });
    expect(page.statusCode).toBeLessThan(500);
    const links = (await get(`/v1/users/${who}/links`)).json() as { items: { id: string; kind: string; state: string }[] };
    const link = links.items.find((l) => l.kind === 'mfa_enroll')!;
    expect(link.state).toBe('revoked');
    const refusals = (await get(`/v1/users/${who}/activity?kind=link.refused`)).json() as { items: { reason: string; tokenId: string }[] };
    const refusal = refusals.items.find((r) => r.tokenId === link.id)!;
    expect(refusal).toBeDefined();
    expect(refusal.reason).not.toBe('replaced');
  });
});

// verification-link-expired calls a registration complete only when it is: a person whose
// address was verified elsewhere (a login link of another event) and who was then
// registered by webhook on a password event has no password yet and cannot sign in.
describe('verification-link-expired runbook', () => {
  it('does not tell a person with no password that their registration is complete', async () => {
    const { runbook } = await import('../../src/troubleshoot/topics/verification-link-expired.ts');
    const email = 'webhook.person@contoso.example';
    const facts = {
      user: async () => ({ account: { emailVerifiedAt: '2026-11-01T10:00:00.000Z' }, registrations: [{ eventSlug: 'summit' }] }),
      status: async () => ({
        registration: { status: 'registered', stage: 'password_not_set' },
        explanation: { statusLabel: 'Registered', label: 'Password not set' },
      }),
      timeline: async () => [],
      links: async () => [],
      mails: async () => [],
    } as never;
    const outcome = await runbook.conclude!({ answers: { email, event: 'summit' }, facts, now: new Date('2026-12-01T00:00:00Z') } as never, []);
    expect(outcome.tell).not.toMatch(/registration is complete/);
  });
});
