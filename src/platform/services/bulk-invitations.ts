// Bulk invitations: a CLI streams a file in batches; each batch is checked row by row and
// applied in one transaction (people, registrations of type "bulk", set-password links,
// the invitation emails and their activity), set-based so that a batch of 1,000 rows
// costs a handful of statements. A batch is recorded per run, so a repeated batch (same
// run and position) answers its first result and changes nothing, even when two
// instances receive it at the same moment. A dry run checks every row the same way and
// writes none of that: only its own bookkeeping (kept apart from the real run's), so
// its report names duplicates across batches exactly as the real run would. Batches of
// one run may arrive at the same time (t1 keeps three in flight); the last one closes the
// run (totals, the audit entry), so a client sends it once the others are answered.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  BULK_BATCH_MAX_ROWS,
  bulkBatchBodySchema,
  bulkRowSchema,
  type BulkBatchResult,
  type BulkOutcome,
  type BulkReason,
  type BulkRowResult,
  type BulkRun,
} from '../../contract/schemas.ts';
import { EVENT_ROLES, type EventRole } from '../../contract/vocabulary.ts';
import { isPlainText } from '../../contract/plain-text.ts';
import type { Clock, TokenGenerator } from '../clock.ts';
import type { PlatformContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import type { Db } from '../storage/database.ts';
import { isUniqueViolation } from '../storage/errors.ts';
import { insertRows } from '../storage/bulk-insert.ts';
import type { EventRow, NewUser, OrganisationRow, UserRow } from '../storage/schema.ts';
import { recordAudit } from './audit.ts';
import { eventSiteUrl, invitationTemplate } from './invitations.ts';
import { issueLinks } from './link-tokens.ts';
import { notifyPeople, type NotifyInput } from './notify.ts';
import { eventAddress, MAX_FIELD_LENGTH, newUserRow, registrationRow } from './registration.ts';
import { principalLabel, type Principal } from './staff-auth.ts';
import { eventPhase } from './views.ts';

/** The envelope of a batch; rows are checked one by one so a bad row never fails the batch. */
export const bulkBatchEnvelopeSchema = bulkBatchBodySchema
  .extend({ rows: z.array(z.unknown()).min(1).max(BULK_BATCH_MAX_ROWS) })
  .refine((body) => body.notSent === undefined || body.last, { path: ['notSent'], message: 'only on the last batch of a run (last: true)' });
export type BulkBatchEnvelope = z.output<typeof bulkBatchEnvelopeSchema>;

/** A row as the platform checks it: a contract row, or one whose values are too long to take. */
export type BatchRow = z.output<typeof bulkRowSchema> | { row: number; email: string; tooLong: true };

// Statements bind at most this many rows (SQLite allows 32,766 parameters per statement).
const CHUNK = 1000;

/**
 * A row that breaks the contract only by a value's length is the row's failure
 * (field_too_long); anything else malformed is the client's fault and refuses the batch.
 */
export function parseBatchRows(rows: unknown[]): BatchRow[] {
  return rows.map((raw, index) => {
    const parsed = bulkRowSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const candidate = (raw ?? {}) as { row?: unknown; email?: unknown };
    const tooLong = parsed.error.issues.every((issue) => issue.code === 'too_big' && issue.path.length === 1 && issue.path[0] !== 'row');
    if (tooLong && Number.isInteger(candidate.row) && (candidate.row as number) >= 1) {
      return { row: candidate.row as number, email: typeof candidate.email === 'string' ? candidate.email.slice(0, 320) : '', tooLong: true };
    }
    const fields = parsed.error.issues.map((issue) => ({
      field: ['body', 'rows', index, ...issue.path].join('.'),
      message: issue.code === 'unrecognized_keys' ? `unknown field: ${issue.keys.join(', ')}` : issue.message,
    }));
    throw new HttpError('validation_failed', `Row ${index + 1} of the batch is not valid (${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}).`, { fields });
  });
}

interface Checked {
  result: BulkRowResult;
  /** The address under the address rule; '' when unusable. */
  email: string;
  role: EventRole;
  values: { first_name: string; last_name: string; company?: string; job_title?: string; country?: string };
}

function rowResult(row: number, email: string, outcome: BulkOutcome, reason: BulkReason | null, userId: string | null = null): BulkRowResult {
  return { row, email, outcome, reason, userId };
}

/** What a row says on its own: the address rules of the event, names, lengths, characters, role. */
function checkRow(event: EventRow, row: BatchRow, defaultRole: EventRole, ended: boolean): Checked {
  const { email, problem } = eventAddress(event, row.email);
  const fail = (reason: BulkReason): Checked => ({
    result: rowResult(row.row, email, 'failed', reason),
    email: '',
    role: defaultRole,
    values: { first_name: '', last_name: '' },
  });
  if (ended) return fail('event_closed');
  if ('tooLong' in row) return fail('field_too_long');
  if (problem) return fail(problem.reason);
  const firstName = row.firstName.trim();
  const lastName = row.lastName.trim();
  if (!firstName || !lastName) return fail('missing_name');
  const optional = { company: row.company?.trim() || undefined, job_title: row.jobTitle?.trim() || undefined, country: row.country?.trim() || undefined };
  const texts = [firstName, lastName, ...Object.values(optional).filter((v): v is string => v !== undefined)];
  if (texts.some((text) => text.length > MAX_FIELD_LENGTH)) return fail('field_too_long');
  if (texts.some((text) => !isPlainText(text))) return fail('field_not_allowed');
  const named = row.role?.trim().toLowerCase();
  if (named && !(EVENT_ROLES as readonly string[]).includes(named)) return fail('bad_role');
  return {
    result: rowResult(row.row, email, 'invited', null),
    email,
    role: (named || defaultRole) as EventRole,
    values: { first_name: firstName, last_name: lastName, ...optional },
  };
}

/** Why an existing person or registration means there is nothing to do, or null. */
function skipReason(user: Pick<UserRow, 'blocked'>, registration: { status: string; stage: string } | undefined): BulkReason | null {
  // Shut out by the organiser: an invitation must not let them back in.
  if (Number(user.blocked) === 1) return 'shut_out';
  if (!registration) return null;
  if (registration.status === 'blocked') return 'shut_out';
  if (registration.status === 'unregistered' && registration.stage !== 'cancelled_by_person') return 'shut_out';
  if (registration.status === 'invited') return 'already_invited';
  return 'already_registered';
}

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface BatchRequest {
  principal: Principal;
  org: OrganisationRow;
  event: EventRow;
  body: BulkBatchEnvelope;
  rows: BatchRow[];
  idempotencyKey: string | null;
  requestId: string;
}

/** What a repeated batch must match to get the first answer again. */
function fingerprintOf(request: BatchRequest): string {
  return createHash('sha256')
    .update(JSON.stringify({ dryRun: request.body.dryRun, role: request.body.role ?? null, rows: request.rows }))
    .digest('hex');
}

async function findRunId(db: Db, request: BatchRequest): Promise<string | undefined> {
  const run = await db
    .selectFrom('bulk_runs')
    .select('id')
    .where('org_id', '=', request.org.id)
    .where('event_id', '=', request.event.id)
    .where('run', '=', request.body.run)
    .where('dry_run', '=', request.body.dryRun ? 1 : 0)
    .executeTakeFirst();
  return run?.id;
}

/** The first answer to this run's batch (its JSON text, as sent), when it was committed. */
async function replayedBatch(db: Db, request: BatchRequest, fingerprint: string): Promise<string | null> {
  const runId = await findRunId(db, request);
  if (!runId) return null;
  const stored = await db.selectFrom('bulk_batches').select(['fingerprint', 'result']).where('run_id', '=', runId).where('batch', '=', request.body.batch).executeTakeFirst();
  if (!stored) return null;
  if (stored.fingerprint !== fingerprint) {
    throw new HttpError('validation_failed', `Batch ${request.body.batch} of run ${request.body.run} was already committed with other rows; a run's batches cannot change.`, {
      fields: [{ field: 'body.rows', message: 'differs from the batch already committed at this position' }],
      reason: 'batch_changed',
    });
  }
  return stored.result;
}

/**
 * Applies one batch (or checks it, on a dry run) and answers a result per row, as the
 * JSON text of a BulkBatchResult: the text the batch keeps for a repeat, sent as it is.
 * `ctx` is the request's context with the cause 'invitation', so the links and mails
 * say so.
 */
export async function applyBatch(ctx: PlatformContext, request: BatchRequest): Promise<{ json: string; replayed: boolean }> {
  const fingerprint = fingerprintOf(request);
  const first = await replayedBatch(ctx.db, request, fingerprint);
  if (first) return { json: first, replayed: true };
  try {
    const json = await ctx.db.transaction().execute((trx) => applyInTransaction({ ...ctx, db: trx }, trx, request, fingerprint));
    if (!request.body.dryRun) ctx.mail.wake();
    return { json, replayed: false };
  } catch (error) {
    // The same batch raced in on another request or instance, and that one committed it.
    if (isUniqueViolation(error)) {
      const winner = await replayedBatch(ctx.db, request, fingerprint);
      if (winner) return { json: winner, replayed: true };
    }
    throw error;
  }
}

/**
 * Row ids that sort by creation (time, then a count, then random), for the rows a batch
 * creates: a thousand new people then land at the end of every index keyed by id or by
 * person, instead of on a thousand scattered pages. The random part is drawn once per
 * batch (the count keeps a batch's ids apart, the random part other batches'). Ids stay
 * opaque and unique.
 */
export function sortableIds(clock: Clock, tokens: TokenGenerator): TokenGenerator {
  let count = 0;
  let time = NaN;
  let lead = '';
  const tail = tokens.id().slice(0, 8);
  return {
    secret: () => tokens.secret(),
    id: () => {
      count = (count + 1) % 36 ** 4;
      const now = clock.now().getTime();
      if (now !== time) [time, lead] = [now, now.toString(36).padStart(9, '0')];
      return `${lead}${count.toString(36).padStart(4, '0')}${tail}`;
    },
  };
}

/** A moment whose text is worked out once: a batch writes it into some ten thousand columns. */
class BatchInstant extends Date {
  readonly #text = super.toISOString();

  override toISOString(): string {
    return this.#text;
  }
}

/**
 * The time the batch started, for all it writes (as PostgreSQL's now() is a
 * transaction's): the rows of a batch then share their times, as they share the
 * organisation and the event, and go into the statements once (see insertRows). Every
 * call answers the same Date, which nothing changes.
 */
function batchClock(clock: Clock): Clock {
  const started = new BatchInstant(clock.now().getTime());
  return { now: () => started };
}

async function applyInTransaction(base: PlatformContext, trx: Db, request: BatchRequest, fingerprint: string): Promise<string> {
  const clock = batchClock(base.clock);
  const ctx: PlatformContext = { ...base, clock, tokens: sortableIds(clock, base.tokens) };
  const { org, event, body } = request;
  const dryRun = body.dryRun;
  const now = ctx.clock.now().toISOString();
  const createdBy = principalLabel(request.principal);

  await trx
    .insertInto('bulk_runs')
    .values({
      id: `blk_${ctx.tokens.id()}`,
      org_id: org.id,
      event_id: event.id,
      run: body.run,
      dry_run: dryRun ? 1 : 0,
      file: body.file.replace(/\p{Cc}/gu, ''),
      started_at: now,
      finished_at: null,
      created_by: createdBy,
    })
    .onConflict((oc) => oc.columns(['org_id', 'event_id', 'run', 'dry_run']).doNothing())
    .execute();
  const runId = (await findRunId(trx, request))!;
  // Claims the batch first: a concurrent duplicate waits here and then loses on the key.
  await trx.insertInto('bulk_batches').values({ run_id: runId, batch: body.batch, idempotency_key: request.idempotencyKey, fingerprint, result: '', created_at: now }).execute();

  const ended = eventPhase(event, ctx.clock.now()) === 'ended';
  const defaultRole = body.role ?? 'attendee';
  const checked = request.rows.map((row) => checkRow(event, row, defaultRole, ended));
  const candidates = checked.filter((c) => c.result.outcome === 'invited');
  const emails = [...new Set(candidates.map((c) => c.email))];

  // Set-based lookups: addresses this run saw in other batches, people, registrations.
  const seenBefore = new Set<string>();
  const users = new Map<string, Pick<UserRow, 'id' | 'org_id' | 'email' | 'first_name' | 'last_name' | 'password_hash' | 'blocked'>>();
  for (const part of chunks(emails)) {
    for (const row of await trx.selectFrom('bulk_run_emails').select('email').where('run_id', '=', runId).where('email', 'in', part).execute()) seenBefore.add(row.email);
    const found = await trx
      .selectFrom('users')
      .select(['id', 'org_id', 'email', 'first_name', 'last_name', 'password_hash', 'blocked'])
      .where('org_id', '=', org.id)
      .where('email', 'in', part)
      .execute();
    for (const user of found) users.set(user.email, user);
  }
  const registrations = new Map<string, { status: string; stage: string }>();
  for (const part of chunks([...users.values()].map((u) => u.id))) {
    const found = await trx.selectFrom('registrations').select(['user_id', 'status', 'stage']).where('event_id', '=', event.id).where('user_id', 'in', part).execute();
    for (const registration of found) registrations.set(registration.user_id, registration);
  }

  const inBatch = new Set<string>();
  const toInvite: Checked[] = [];
  for (const c of candidates) {
    const user = users.get(c.email);
    const skip = seenBefore.has(c.email) || inBatch.has(c.email) ? 'duplicate_in_file' : user ? skipReason(user, registrations.get(user.id)) : null;
    inBatch.add(c.email);
    c.result.userId = user?.id ?? null;
    if (skip) {
      c.result.outcome = 'skipped';
      c.result.reason = skip;
    } else {
      toInvite.push(c);
    }
  }

  if (!dryRun && toInvite.length > 0) await invite(ctx, trx, request, toInvite, users, createdBy);

  // Addresses that were invited or had nothing to do; a failed row may come back corrected.
  const seen = [...inBatch].filter((email) => !seenBefore.has(email));
  await insertRows(trx, 'bulk_run_emails', seen.map((email) => ({ run_id: runId, email, batch: body.batch })), { onConflictDoNothing: ['run_id', 'email'] });

  const counts = { invited: 0, skipped: 0, failed: 0 };
  for (const c of checked) counts[c.result.outcome] += 1;
  const result: BulkBatchResult = { run: body.run, batch: body.batch, dryRun, results: checked.map((c) => c.result), counts };
  const json = JSON.stringify(result);
  await trx.updateTable('bulk_batches').set({ result: json }).where('run_id', '=', runId).where('batch', '=', body.batch).execute();
  await trx
    .updateTable('bulk_runs')
    .set((eb) => ({
      invited: eb('invited', '+', counts.invited),
      skipped: eb('skipped', '+', counts.skipped),
      failed: eb('failed', '+', counts.failed),
      ...(body.last ? { finished_at: now } : {}),
    }))
    .where('id', '=', runId)
    .execute();

  if (body.last) {
    const run = await trx.selectFrom('bulk_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    const batches = await trx.selectFrom('bulk_batches').select((eb) => eb.fn.countAll<number>().as('n')).where('run_id', '=', runId).executeTakeFirstOrThrow();
    // The rows the client says it reported on its own stay apart from those this platform
    // answered: they are the client's word. Together they make the file's totals.
    const notSent: Record<string, number> = body.notSent ? { notSentSkipped: body.notSent.skipped, notSentFailed: body.notSent.failed } : {};
    await recordAudit(trx, ctx, {
      principal: request.principal,
      action: 'invitation.bulk',
      target: run.file || body.run,
      eventId: event.id,
      reason: body.reason ?? null,
      ticket: body.ticket ?? null,
      result: 'ok',
      requestId: request.requestId,
      detail: {
        file: run.file,
        run: body.run,
        dryRun,
        invited: Number(run.invited),
        skipped: Number(run.skipped),
        failed: Number(run.failed),
        batches: Number(batches.n),
        ...notSent,
      },
    });
  }
  return json;
}

/** People, registrations, links and emails for the rows to invite, a few statements each. */
async function invite(
  ctx: PlatformContext,
  trx: Db,
  request: BatchRequest,
  rows: Checked[],
  users: Map<string, Pick<UserRow, 'id' | 'org_id' | 'email' | 'first_name' | 'last_name' | 'password_hash' | 'blocked'>>,
  createdBy: string,
): Promise<void> {
  const { org, event } = request;
  // New people, inserted in address order so concurrent batches take their locks alike.
  const fresh = rows.filter((c) => !users.has(c.email)).sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  const newRows = new Map<string, NewUser & { id: string }>();
  for (const c of fresh) newRows.set(c.email, newUserRow(ctx, org.id, { email: c.email, values: c.values, passwordHash: null }));
  const lost: string[] = [];
  const inserted = await insertRows(trx, 'users', [...newRows.values()], { onConflictDoNothing: ['org_id', 'email'], returning: ['email'] });
  const made = new Set(inserted.map((r) => r.email as string));
  for (const row of newRows.values()) {
    if (made.has(row.email)) users.set(row.email, { id: row.id, org_id: row.org_id, email: row.email, first_name: row.first_name, last_name: row.last_name, password_hash: null, blocked: 0 });
    else lost.push(row.email);
  }
  // Created meanwhile by another request: theirs is the person.
  for (const part of chunks(lost)) {
    const found = await trx.selectFrom('users').select(['id', 'org_id', 'email', 'first_name', 'last_name', 'password_hash', 'blocked']).where('org_id', '=', org.id).where('email', 'in', part).execute();
    for (const user of found) users.set(user.email, user);
  }

  const invited = new Set<string>();
  // In person order too, so two batches naming the same people never wait on each other in a cycle.
  const registrations = rows
    .map((c) => registrationRow(ctx, { user: users.get(c.email)!, event, role: c.role, type: 'bulk', status: 'invited', stage: 'invite_sent' }))
    .sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0));
  for (const row of await insertRows(trx, 'registrations', registrations, { onConflictDoNothing: ['user_id', 'event_id'], returning: ['user_id'] })) {
    invited.add(row.user_id as string);
  }

  const mailed: Checked[] = [];
  for (const c of rows) {
    const user = users.get(c.email)!;
    c.result.userId = user.id;
    if (invited.has(user.id)) {
      mailed.push(c);
    } else {
      // Invited by another request in the meantime.
      c.result.outcome = 'skipped';
      c.result.reason = 'already_invited';
    }
  }

  const needLink = mailed.filter((c) => invitationTemplate(event, users.get(c.email)!) === 'invitation_password');
  const links = await issueLinks(
    trx,
    ctx,
    needLink.map((c) => ({
      kind: 'set_password',
      orgId: org.id,
      userId: users.get(c.email)!.id,
      eventId: event.id,
      ttlMinutes: event.set_password_ttl_minutes,
      createdBy,
      newPerson: made.has(c.email),
    })),
  );
  const linkOf = new Map(needLink.map((c, i) => [c.email, links[i]!]));
  const site = eventSiteUrl(ctx.publicUrl, event);
  const mails: NotifyInput[] = mailed.map((c) => {
    const link = linkOf.get(c.email);
    return {
      orgName: org.name,
      user: users.get(c.email)!,
      event,
      template: link ? 'invitation_password' : 'invitation_login_link',
      actionUrl: link ? link.url : site,
      expiresAt: link?.expiresAt,
    };
  });
  await notifyPeople(trx, ctx, mails);
}

/** How far a run got, for --resume: its committed batches and totals (dry runs aside). */
export async function bulkRunProgress(db: Db, orgId: string, event: EventRow, run: string): Promise<BulkRun> {
  const row = await db.selectFrom('bulk_runs').selectAll().where('org_id', '=', orgId).where('event_id', '=', event.id).where('run', '=', run).where('dry_run', '=', 0).executeTakeFirst();
  if (!row) throw new HttpError('not_found', `No bulk invitation run ${run} for ${event.slug}.`, { resource: 'bulk_run' });
  const batches = await db.selectFrom('bulk_batches').select('batch').where('run_id', '=', row.id).orderBy('batch').execute();
  return {
    run: row.run,
    file: row.file,
    committedBatches: batches.map((b) => Number(b.batch)),
    counts: { invited: Number(row.invited), skipped: Number(row.skipped), failed: Number(row.failed) },
    finishedAt: row.finished_at,
  };
}

// ---- Load bound ------------------------------------------------------------------------

/** Batches one organisation may have in flight at once, across every instance. */
export const BULK_SLOTS_PER_ORG = 4;
const SLOT_LEASE_MS = 30_000;
const SLOT_WAIT_MS = 1_000;
const SLOT_POLL_MS = 25;
const RETRY_AFTER_SECONDS = 1;

function slotKey(orgId: string, slot: number): string {
  return `bulk_batch_slot:${orgId}:${slot}`;
}

/**
 * Takes one of the organisation's batch slots: a row in rate_limits whose time column is
 * the lease's end, so a slot held by a crashed instance frees itself. Waits a moment for
 * one to free up, then answers 429 with Retry-After.
 */
export async function acquireBulkSlot(db: Db, clock: Clock, orgId: string, options: { waitMs?: number } = {}): Promise<() => Promise<void>> {
  const deadline = Date.now() + (options.waitMs ?? SLOT_WAIT_MS);
  const start = Math.floor(Math.random() * BULK_SLOTS_PER_ORG);
  for (;;) {
    for (let i = 0; i < BULK_SLOTS_PER_ORG; i++) {
      const key = slotKey(orgId, (start + i) % BULK_SLOTS_PER_ORG);
      const now = clock.now();
      const leaseUntil = new Date(now.getTime() + SLOT_LEASE_MS).toISOString();
      const taken = await db
        .insertInto('rate_limits')
        .values({ key, hits: 1, window_started_at: leaseUntil })
        .onConflict((oc) => oc.column('key').doUpdateSet({ hits: 1, window_started_at: leaseUntil }).where('rate_limits.window_started_at', '<', now.toISOString()))
        .returning('key')
        .executeTakeFirst();
      if (taken) {
        return async () => {
          await db.updateTable('rate_limits').set({ window_started_at: new Date(0).toISOString() }).where('key', '=', key).where('window_started_at', '=', leaseUntil).execute();
        };
      }
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, SLOT_POLL_MS));
  }
  throw new HttpError(
    'rate_limited',
    `Your organisation already has ${BULK_SLOTS_PER_ORG} invitation batches in progress; try again in ${RETRY_AFTER_SECONDS} second.`,
    { retryAfterSeconds: RETRY_AFTER_SECONDS },
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );
}
