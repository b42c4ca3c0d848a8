// The bulk invitation batch endpoint through the real HTTP app: every per-row reason,
// repeated and concurrent batches, dry runs, the run's audit entry, the invited person's
// timeline, the load bound, bad bodies, and the concurrency test again on PostgreSQL
// when a server is reachable.
import { randomBytes } from 'node:crypto';
import { POSTGRES_ADMIN_URL, postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BulkBatchBody, BulkBatchResult, BulkRun } from '../../src/contract/schemas.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID, seedDemo } from '../../src/platform/seed/demo.ts';
import { BULK_SLOTS_PER_ORG } from '../../src/platform/services/bulk-invitations.ts';
import { issueLink } from '../../src/platform/services/link-tokens.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import type { Db } from '../../src/platform/storage/database.ts';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const EVENT = DEMO_EVENT_SLUGS.upcoming;
let tp: TestPlatform;
let db: Db;

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function send(base: string, token: string, event: string, body: unknown, key?: string, raw?: string): Promise<Answer> {
  const response = await fetch(`${base}/v1/events/${event}/invitations/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: raw ?? JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const post = (body: unknown, key?: string, role: 'viewer' | 'agent' | 'admin' = 'agent', event: string = EVENT) => send(tp.url, tp.tokens[role], event, body, key);

function newRun(): string {
  return `run-${randomBytes(6).toString('hex')}`;
}

function batch(run: string, index: number, rows: BulkBatchBody['rows'], extra: Partial<BulkBatchBody> = {}): BulkBatchBody {
  return { run, file: 'people.csv', batch: index, rows, reason: 'conference invitations', ticket: 'OPS-42', ...extra };
}

function person(row: number, email: string, extra: Partial<BulkBatchBody['rows'][number]> = {}) {
  return { row, email, firstName: 'Test', lastName: `Person${row}`, ...extra };
}

const byRow = (result: BulkBatchResult) => Object.fromEntries(result.results.map((r) => [r.row, `${r.outcome}${r.reason ? `:${r.reason}` : ''}`]));

async function count(table: 'users' | 'emails' | 'registrations' | 'tokens' | 'audit_log' | 'bulk_batches', where?: (q: any) => any): Promise<number> {
  let query: any = db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
  if (where) query = where(query);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

async function registeredPerson(event: string, status: string): Promise<string> {
  const row = await db
    .selectFrom('registrations')
    .innerJoin('users', 'users.id', 'registrations.user_id')
    .innerJoin('events', 'events.id', 'registrations.event_id')
    .select('users.email')
    .where('events.slug', '=', event)
    .where('registrations.status', '=', status)
    .where('users.blocked', '=', 0)
    .executeTakeFirstOrThrow();
  return row.email;
}

beforeAll(async () => {
  tp = await startTestPlatform();
  db = tp.platform.ctx.db;
});

afterAll(async () => {
  await tp?.close();
});

describe('POST /v1/events/:event/invitations/batch', () => {
  it('reports every row with its outcome and reason, and invites the good ones once', async () => {
    const registered = await registeredPerson(EVENT, 'registered');
    const blocked = 'shut.out@fabrikam.example';
    const run = newRun();
    // Someone the organiser blocked from the event.
    const setup = await post(batch(newRun(), 0, [person(2, blocked)], { last: true }));
    expect(setup.status).toBe(200);
    await db.updateTable('registrations').set({ status: 'blocked', stage: 'blocked_by_organizer' }).where('user_id', '=', setup.body.results[0].userId).execute();
    const invitedBefore = 'invited.before@fabrikam.example';
    await post(batch(newRun(), 0, [person(2, invitedBefore)], { last: true }));

    const long = 'x'.repeat(201);
    const rows = [
      person(2, 'Ada.Lovelace@Fabrikam.example', { company: 'Fabrikam', jobTitle: 'Engineer', country: 'UK', role: 'speaker' }),
      person(3, 'not-an-address'),
      person(4, 'someone@gmail.com'),
      person(5, 'no.name@fabrikam.example', { firstName: ' ' }),
      person(6, 'long.name@fabrikam.example', { lastName: long }),
      person(7, 'bell@fabrikam.example', { firstName: 'Be\u0007ll' }),
      person(8, 'role@fabrikam.example', { role: 'keynote' }),
      person(9, 'ada.lovelace@fabrikam.example'),
      person(10, registered),
      person(11, invitedBefore),
      person(12, blocked),
      person(13, 'grace.hopper@fabrikam.example'),
    ];
    const first = await post(batch(run, 0, rows), `${run}:0`);
    expect(first.status).toBe(200);
    expect(byRow(first.body)).toEqual({
      2: 'invited',
      3: 'failed:invalid_email',
      4: 'failed:public_domain',
      5: 'failed:missing_name',
      6: 'failed:field_too_long',
      7: 'failed:field_not_allowed',
      8: 'failed:bad_role',
      9: 'skipped:duplicate_in_file',
      10: 'skipped:already_registered',
      11: 'skipped:already_invited',
      12: 'skipped:shut_out',
      13: 'invited',
    });
    expect(first.body.counts).toEqual({ invited: 2, skipped: 4, failed: 6 });
    expect(first.body.results[0].email).toBe('ada.lovelace@fabrikam.example');

    // The same address in a later batch of the same run is a duplicate, not "already invited".
    const second = await post(batch(run, 1, [person(14, 'grace.hopper@fabrikam.example'), person(15, 'alan.turing@fabrikam.example')], { last: true }), `${run}:1`);
    expect(byRow(second.body)).toEqual({ 14: 'skipped:duplicate_in_file', 15: 'invited' });

    const ada = await db.selectFrom('users').selectAll().where('email', '=', 'ada.lovelace@fabrikam.example').executeTakeFirstOrThrow();
    expect(ada).toMatchObject({ first_name: 'Test', company: 'Fabrikam', job_title: 'Engineer', country: 'UK', password_hash: null });
    const registration = await db.selectFrom('registrations').selectAll().where('user_id', '=', ada.id).executeTakeFirstOrThrow();
    expect(registration).toMatchObject({ type: 'bulk', status: 'invited', stage: 'invite_sent', role: 'speaker' });
    const mails = await db.selectFrom('emails').select(['template', 'status']).where('user_id', '=', ada.id).execute();
    expect(mails).toEqual([{ template: 'invitation_password', status: 'captured' }]);
    expect(await count('tokens', (q) => q.where('user_id', '=', ada.id).where('kind', '=', 'set_password'))).toBe(1);

    const progress = await fetch(`${tp.url}/v1/events/${EVENT}/invitations/runs/${run}`, { headers: { authorization: `Bearer ${tp.tokens.viewer}` } });
    expect(progress.status).toBe(200);
    const body = (await progress.json()) as BulkRun;
    expect(body).toMatchObject({ run, file: 'people.csv', committedBatches: [0, 1], counts: { invited: 3, skipped: 5, failed: 6 } });
    expect(body.finishedAt).not.toBeNull();
  });

  it('refuses rows by the event rules: approved domains, and an ended event', async () => {
    await db.updateTable('events').set({ approved_domains: JSON.stringify(['northwind.example']) }).where('slug', '=', DEMO_EVENT_SLUGS.live).execute();
    try {
      const result = await post(batch(newRun(), 0, [person(2, 'a@contoso.example'), person(3, 'b@northwind.example')]), undefined, 'agent', DEMO_EVENT_SLUGS.live);
      expect(byRow(result.body)).toEqual({ 2: 'failed:domain_not_approved', 3: 'invited' });
      // A login-link event sends people to the event site.
      const mail = await db.selectFrom('emails').select('template').where('recipient', '=', 'b@northwind.example').executeTakeFirstOrThrow();
      expect(mail.template).toBe('invitation_login_link');
    } finally {
      await db.updateTable('events').set({ approved_domains: '[]' }).where('slug', '=', DEMO_EVENT_SLUGS.live).execute();
    }
    const ended = await post(batch(newRun(), 0, [person(2, 'late@fabrikam.example')]), undefined, 'agent', DEMO_EVENT_SLUGS.ended);
    expect(byRow(ended.body)).toEqual({ 2: 'failed:event_closed' });
    expect(await count('users', (q) => q.where('email', '=', 'late@fabrikam.example'))).toBe(0);
  });

  it('reports a value longer than the contract allows as that row’s failure', async () => {
    const result = await post(batch(newRun(), 0, [person(2, 'ok.row@fabrikam.example'), person(3, 'too.long@fabrikam.example', { company: 'c'.repeat(600) })]));
    expect(result.status).toBe(200);
    expect(byRow(result.body)).toEqual({ 2: 'invited', 3: 'failed:field_too_long' });
  });

  it('answers a repeated batch with its first result and changes nothing', async () => {
    const run = newRun();
    const body = batch(run, 0, [person(2, 'repeat.one@fabrikam.example'), person(3, 'repeat.two@fabrikam.example')]);
    const first = await post(body, `${run}:0`);
    const mails = await count('emails');
    const again = await post(body, `${run}:0`);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await count('emails')).toBe(mails);
    // Other rows at a committed position are refused rather than applied or ignored.
    const changed = await post({ ...body, rows: [person(2, 'someone.else@fabrikam.example')] }, `${run}:0`);
    expect(changed.status).toBe(422);
    expect(changed.body.error.details.reason).toBe('batch_changed');
    expect(await count('users', (q) => q.where('email', '=', 'someone.else@fabrikam.example'))).toBe(0);
  });

  it('applies a batch sent 20 times at once exactly once', async () => {
    const run = newRun();
    const rows = Array.from({ length: 50 }, (_, i) => person(i + 2, `concurrent.${i}@fabrikam.example`));
    const body = batch(run, 0, rows);
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(body, `${run}:0`)));
    const ok = answers.filter((a) => a.status === 200);
    // Beyond the organisation's bound a request may be asked to come back, never to fail.
    for (const a of answers.filter((x) => x.status !== 200)) expect([a.status, a.headers.get('retry-after')]).toEqual([429, '1']);
    expect(ok.length).toBeGreaterThan(0);
    for (const a of ok) expect(a.body).toEqual(ok[0]!.body);
    expect(ok[0]!.body.counts).toEqual({ invited: 50, skipped: 0, failed: 0 });
    expect(await count('emails', (q) => q.where('recipient', 'like', 'concurrent.%'))).toBe(50);
    expect(await count('registrations', (q) => q.where('user_id', 'in', db.selectFrom('users').select('id').where('email', 'like', 'concurrent.%')))).toBe(50);
  });

  it('checks a dry run like a real one and writes nothing, then writes the run’s audit entry on its last batch', async () => {
    const run = newRun();
    const registered = await registeredPerson(EVENT, 'registered');
    const b0 = [person(2, 'dry.one@fabrikam.example'), person(3, registered), person(4, 'bad address')];
    const b1 = [person(5, 'dry.one@fabrikam.example'), person(6, 'dry.two@fabrikam.example')];
    const before = { users: await count('users'), emails: await count('emails'), registrations: await count('registrations'), tokens: await count('tokens') };
    const dry0 = await post(batch(run, 0, b0, { dryRun: true }), `dry-${run}:0`);
    const dry1 = await post(batch(run, 1, b1, { dryRun: true, last: true }), `dry-${run}:1`);
    expect(dry0.body.dryRun).toBe(true);
    expect({ ...byRow(dry0.body), ...byRow(dry1.body) }).toEqual({
      2: 'invited',
      3: 'skipped:already_registered',
      4: 'failed:invalid_email',
      5: 'skipped:duplicate_in_file',
      6: 'invited',
    });
    expect({ users: await count('users'), emails: await count('emails'), registrations: await count('registrations'), tokens: await count('tokens') }).toEqual(before);
    // No progress for resuming: a dry run commits no batch of the run.
    const progress = await fetch(`${tp.url}/v1/events/${EVENT}/invitations/runs/${run}`, { headers: { authorization: `Bearer ${tp.tokens.viewer}` } });
    expect(progress.status).toBe(404);
    const dryAudit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'invitation.bulk').where('detail', 'like', `%${run}%`).execute();
    expect(dryAudit).toHaveLength(1);
    expect(JSON.parse(dryAudit[0]!.detail!)).toMatchObject({ dryRun: true, invited: 2, skipped: 2, failed: 1, file: 'people.csv' });
    expect(JSON.parse(dryAudit[0]!.detail!)).not.toHaveProperty('notSentFailed');

    // The real run reports the same, row for row.
    const real0 = await post(batch(run, 0, b0), `${run}:0`);
    expect(await count('audit_log', (q) => q.where('action', '=', 'invitation.bulk').where('detail', 'like', `%${run}%`))).toBe(1);
    // The client also reported rows of its own, which it never sent: the audit entry keeps them apart.
    const real1 = await post(batch(run, 1, b1, { last: true, notSent: { skipped: 1, failed: 3 } }), `${run}:1`);
    expect({ ...byRow(real0.body), ...byRow(real1.body) }).toEqual({ ...byRow(dry0.body), ...byRow(dry1.body) });
    const audits = await db.selectFrom('audit_log').selectAll().where('action', '=', 'invitation.bulk').where('detail', 'like', `%${run}%`).orderBy('created_at').execute();
    expect(audits).toHaveLength(2);
    const real = audits.find((a) => JSON.parse(a.detail!).dryRun === false)!;
    expect(real).toMatchObject({ reason: 'conference invitations', ticket: 'OPS-42', result: 'ok', target: 'people.csv' });
    expect(JSON.parse(real.detail!)).toMatchObject({ run, invited: 2, skipped: 2, failed: 1, batches: 2, notSentSkipped: 1, notSentFailed: 3 });
  });

  it('replaces the live set-password link of someone already in the organisation; people it creates start with one link', async () => {
    const known = 'known.person@fabrikam.example';
    const earlier = await post(batch(newRun(), 0, [person(2, known)], { last: true }), undefined, 'agent', DEMO_EVENT_SLUGS.live);
    expect(byRow(earlier.body)).toEqual({ 2: 'invited' });
    const knownId = earlier.body.results[0].userId as string;
    // That event signs in by link; a set-password link of theirs still lives, from an agent say.
    const older = await issueLink(db, tp.platform.ctx, { kind: 'set_password', orgId: DEMO_ORG_ID, userId: knownId, eventId: null, ttlMinutes: 60, createdBy: 'agent' });
    const links = (userId: string) => db.selectFrom('tokens').select(['id', 'revoked_at', 'replaced_by']).where('user_id', '=', userId).where('kind', '=', 'set_password').execute();

    const answer = await post(batch(newRun(), 0, [person(2, known), person(3, 'brand.new@fabrikam.example')], { last: true }));
    expect(byRow(answer.body)).toEqual({ 2: 'invited', 3: 'invited' });
    const knownLinks = await links(knownId);
    expect(knownLinks).toHaveLength(2);
    const newer = knownLinks.find((link) => link.id !== older.id)!;
    expect(knownLinks.find((link) => link.id === older.id)).toMatchObject({ replaced_by: newer.id });
    expect(knownLinks.find((link) => link.id === older.id)!.revoked_at).not.toBeNull();
    expect(newer).toMatchObject({ revoked_at: null, replaced_by: null });
    const fresh = await links(answer.body.results[1].userId as string);
    expect(fresh).toEqual([expect.objectContaining({ revoked_at: null, replaced_by: null })]);
  });

  it('shows the invitation on the invited person’s timeline', async () => {
    const email = 'timeline.person@fabrikam.example';
    await post(batch(newRun(), 0, [person(2, email)], { last: true }));
    const result = await runT1(['users', 'timeline', email, '--json'], { env: tp.env('agent') });
    expect(result.exitCode).toBe(0);
    const { items } = JSON.parse(result.stdout) as { items: { kind: string; cause: string | null; summary: string }[] };
    // Without SMTP the platform keeps the mail ("captured"); with it, the entry is mail.queued.
    const invitation = items.filter((e) => e.kind === 'link.issued' || e.kind === 'mail.captured');
    expect(invitation.map((e) => e.kind).sort()).toEqual(['link.issued', 'mail.captured']);
    for (const entry of invitation) expect(entry.cause).toBe('invitation');
    const text = await runT1(['users', 'timeline', email], { env: tp.env('agent') });
    expect(text.stdout).toContain('caused by an invitation');
  });

  it('answers 429 with Retry-After while the organisation has its batches in flight', async () => {
    const until = new Date(Date.now() + 60_000).toISOString();
    const keys = Array.from({ length: BULK_SLOTS_PER_ORG }, (_, i) => `bulk_batch_slot:${DEMO_ORG_ID}:${i}`);
    for (const key of keys) {
      await db.insertInto('rate_limits').values({ key, hits: 1, window_started_at: until }).onConflict((oc) => oc.column('key').doUpdateSet({ window_started_at: until })).execute();
    }
    try {
      const answer = await post(batch(newRun(), 0, [person(2, 'busy@fabrikam.example')]));
      expect(answer.status).toBe(429);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.body.error.code).toBe('rate_limited');
      expect(await count('users', (q) => q.where('email', '=', 'busy@fabrikam.example'))).toBe(0);
    } finally {
      await db.deleteFrom('rate_limits').where('key', 'in', keys).execute();
    }
    expect((await post(batch(newRun(), 0, [person(2, 'busy@fabrikam.example')]))).status).toBe(200);
  });

  it('answers bad requests with 4xx envelopes, never 500', async () => {
    const run = newRun();
    const cases: [unknown, number][] = [
      [{}, 422],
      [{ run, file: 'f.csv', batch: 0, rows: [] }, 422],
      [{ run: 'x', file: 'f.csv', batch: 0, rows: [person(2, 'a@b.example')] }, 422],
      [{ run, file: 'f.csv', batch: -1, rows: [person(2, 'a@b.example')] }, 422],
      [{ run, file: 'f.csv', batch: 0, rows: [{ row: 2, email: 5 }] }, 422],
      [{ run, file: 'f.csv', batch: 0, rows: [{ ...person(2, 'a@b.example'), extra: 1 }] }, 422],
      [{ run, file: 'f.csv', batch: 0, rows: [person(2, 'a@b.example')], role: 'king' }, 422],
      [{ run, file: 'f.csv', batch: 0, last: true, rows: [person(2, 'a@b.example')], notSent: { skipped: -1, failed: 0 } }, 422],
      [{ run, file: 'f.csv', batch: 0, last: true, rows: [person(2, 'a@b.example')], notSent: { skipped: '1', failed: 0, more: 1 } }, 422],
      [{ run, file: 'f.csv', batch: 0, rows: [person(2, 'a@b.example')], notSent: { skipped: 1, failed: 0 } }, 422],
      [{ run, file: 'f.csv', batch: 0, rows: Array.from({ length: 1001 }, (_, i) => person(i + 2, `p${i}@fabrikam.example`)) }, 422],
      [{ run, file: 'f.csv', batch: 0, rows: [person(2, 'nul\u0000@fabrikam.example', { firstName: 'a\u0000b' })] }, 200],
    ];
    for (const [body, status] of cases) {
      const answer = await post(body);
      expect([answer.status, JSON.stringify(body).slice(0, 80)]).toEqual([status, JSON.stringify(body).slice(0, 80)]);
      if (status !== 200) expect(answer.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
    const notJson = await send(tp.url, tp.tokens.agent, EVENT, null, undefined, '{"run":');
    expect(notJson.status).toBe(400);
    expect((await post(batch(run, 0, [person(2, 'viewer@fabrikam.example')]), undefined, 'viewer')).status).toBe(403);
    expect((await post(batch(run, 0, [person(2, 'x@fabrikam.example')]), undefined, 'agent', 'no-such-event')).status).toBe(404);
    const refused = await db.selectFrom('audit_log').selectAll().where('action', '=', 'invitation.bulk').where('result', '=', 'refused').execute();
    expect(refused.length).toBeGreaterThan(0);
    const unknownRun = await fetch(`${tp.url}/v1/events/${EVENT}/invitations/runs/never-seen-run`, { headers: { authorization: `Bearer ${tp.tokens.viewer}` } });
    expect(unknownRun.status).toBe(404);
  });

  it('requires a ticket when the organisation does', async () => {
    await db.updateTable('organisations').set({ ticket_required: 1 }).where('id', '=', DEMO_ORG_ID).execute();
    try {
      const answer = await post({ ...batch(newRun(), 0, [person(2, 'ticketless@fabrikam.example')]), ticket: undefined });
      expect(answer.status).toBe(422);
      expect(answer.body.error.details.fields[0].field).toBe('body.ticket');
    } finally {
      await db.updateTable('organisations').set({ ticket_required: 0 }).where('id', '=', DEMO_ORG_ID).execute();
    }
  });
});

// ---- PostgreSQL ------------------------------------------------------------------------

const available = await postgresReachable();
if (!available) console.warn(`PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL}; skipping the PostgreSQL bulk invitation test.`);

describe.runIf(available)('bulk invitations on PostgreSQL, two instances', () => {
  const instances: Platform[] = [];
  const urls: string[] = [];
  let token: string;
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    scratch = await scratchDatabase();
    const env = { T1_SECRET_KEY: randomBytes(32).toString('hex') };
    for (let i = 0; i < 2; i++) {
      const platform = await openPlatform({ database: scratch.url, publicUrl: 'http://127.0.0.1:4747', env });
      instances.push(platform);
      if (i === 0) await seedDemo(platform.ctx.db, platform.ctx);
      urls.push(await platform.listen('127.0.0.1', 0));
    }
    token = (await issueApiToken(instances[0]!.ctx.db, instances[0]!.ctx, { orgId: DEMO_ORG_ID, role: 'agent', name: 'pg bulk', createdBy: 'test' })).token;
  });

  afterAll(async () => {
    for (const platform of instances) await platform.close();
    await scratch.drop();
  });

  it('applies a batch sent 20 times at once to two instances exactly once', async () => {
    const run = newRun();
    const rows = Array.from({ length: 200 }, (_, i) => person(i + 2, `pg.concurrent.${i}@fabrikam.example`));
    const body = batch(run, 0, rows, { last: true });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => send(urls[i % 2]!, token, EVENT, body, `${run}:0`)));
    const ok = answers.filter((a) => a.status === 200);
    for (const a of answers.filter((x) => x.status !== 200)) expect([a.status, a.headers.get('retry-after')]).toEqual([429, '1']);
    expect(ok.length).toBeGreaterThan(0);
    for (const a of ok) expect(a.body).toEqual(ok[0]!.body);
    expect(ok[0]!.body.counts).toEqual({ invited: 200, skipped: 0, failed: 0 });
    const pgdb = instances[0]!.ctx.db;
    const mails = await pgdb.selectFrom('emails').select((eb) => eb.fn.countAll<number>().as('n')).where('recipient', 'like', 'pg.concurrent.%').executeTakeFirstOrThrow();
    expect(Number(mails.n)).toBe(200);
    const audits = await pgdb.selectFrom('audit_log').select('detail').where('action', '=', 'invitation.bulk').execute();
    expect(audits.filter((a) => a.detail?.includes(run))).toHaveLength(1);
  });
});
