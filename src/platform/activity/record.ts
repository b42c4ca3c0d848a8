// Writes activity entries. `db` may be a transaction, so an entry commits or rolls back
// with the change it records; refusals, which change nothing, write on their own. The
// detail holds descriptive facts only (counts, field names, templates): never a
// password, code, token or secret.
import type { ActivityKind, ActivityOutcome, ActivityReason } from '../../contract/activity.ts';
import { checkEmailAddress, normalizeEmail } from '../../contract/email-address.ts';
import type { Clock, TokenGenerator } from '../clock.ts';
import { HttpError } from '../http-error.ts';
import type { Db } from '../storage/database.ts';
import { insertRows } from '../storage/bulk-insert.ts';
import type { NewActivity } from '../storage/schema.ts';
import { browserInfo, truncatedNetwork } from './client-info.ts';
import type { Origin } from './origin.ts';

export type ActivityDetail = Record<string, string | number | boolean | null | string[]>;

export interface ActivityInput {
  orgId: string | null;
  userId?: string | null;
  /** The address as typed, for attempts no account matched. */
  email?: string | null;
  eventId?: string | null;
  kind: ActivityKind;
  outcome?: ActivityOutcome;
  reason?: ActivityReason | null;
  detail?: ActivityDetail;
  tokenId?: string | null;
  emailId?: string | null;
  webhookId?: string | null;
}

/** Where entries go; the platform stores them, a benchmark can measure without. */
export interface ActivityWriter {
  write(db: Db, entry: Omit<NewActivity, 'id'>): Promise<void>;
  /** Many entries at once, in order (bulk flows); without it they are written one by one. */
  writeMany?(db: Db, entries: Omit<NewActivity, 'id'>[]): Promise<void>;
}

/**
 * The platform's writer. Entries of one request often share a millisecond (a failed
 * sign-in and the lock it caused; a link used and the sign-in it gave) and the timeline
 * orders ties by id, so each writer's ids start with a count of what it wrote: ties keep
 * the order they were written in.
 */
export function databaseActivityWriter(tokens: TokenGenerator): ActivityWriter {
  let written = 0;
  const nextId = () => {
    written += 1;
    return `act_${written.toString(36).padStart(8, '0')}${tokens.id()}`;
  };
  return {
    async write(db, entry) {
      await db.insertInto('activity').values({ id: nextId(), ...entry }).execute();
    },
    async writeMany(db, entries) {
      // Named in place: the entries are made for this call, and a thousand copies would cost more than the ids.
      const named = entries as NewActivity[];
      for (const entry of named) entry.id = nextId();
      await insertRows(db, 'activity', named);
    },
  };
}

export interface ActivityDeps {
  clock: Clock;
  tokens: TokenGenerator;
  origin: Origin;
  activity: ActivityWriter;
}

const MAX_EMAIL_LENGTH = 320;
// People type passwords into the email box: only what is shaped like an address is kept.
const ADDRESS_SHAPE = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

/**
 * The typed value as the log keeps it: normalised by the address rule, so an agent finds
 * it under the address; a mistyped but visible address as typed (normalised), so they
 * find that too; null when it holds hidden characters or is not shaped like an address.
 */
export function typedAddress(value: string | null | undefined): string | null {
  if (!value) return null;
  const checked = checkEmailAddress(value);
  if (checked.ok) return checked.email;
  if (checked.problem === 'hidden_characters') return null;
  const address = normalizeEmail(value).slice(0, MAX_EMAIL_LENGTH);
  return ADDRESS_SHAPE.test(address) ? address : null;
}

export async function recordActivity(db: Db, deps: ActivityDeps, input: ActivityInput): Promise<void> {
  await deps.activity.write(db, activityEntry(deps, originColumns(deps.origin), input));
}

/** Records many entries of one origin at once (bulk flows), in order. */
export async function recordActivities(db: Db, deps: ActivityDeps, inputs: ActivityInput[]): Promise<void> {
  if (inputs.length === 0) return;
  const origin = originColumns(deps.origin);
  const entries = inputs.map((input) => activityEntry(deps, origin, input));
  if (deps.activity.writeMany) {
    await deps.activity.writeMany(db, entries);
    return;
  }
  for (const entry of entries) await deps.activity.write(db, entry);
}

type OriginColumns = Pick<
  NewActivity,
  'cause' | 'actor' | 'staff_id' | 'request_id' | 'browser_family' | 'browser_version' | 'browser_os' | 'browser_supported' | 'network'
>;

/** What an entry says of where it came from: the same for every entry of a request. */
function originColumns(origin: Origin): OriginColumns {
  // An agent's tool says nothing about the person's browser.
  const browser = origin.actor ? null : browserInfo(origin.userAgent);
  return {
    cause: origin.cause,
    actor: origin.actor,
    staff_id: origin.staffId,
    request_id: origin.requestId,
    browser_family: browser?.family ?? null,
    browser_version: browser?.version ?? null,
    browser_os: browser?.os ?? null,
    browser_supported: browser?.supported === null || browser === null ? null : browser.supported ? 1 : 0,
    network: truncatedNetwork(origin.ip),
  };
}

function activityEntry(deps: ActivityDeps, origin: OriginColumns, input: ActivityInput): Omit<NewActivity, 'id'> {
  return {
    org_id: input.orgId,
    user_id: input.userId ?? null,
    email: typedAddress(input.email),
    event_id: input.eventId ?? null,
    kind: input.kind,
    outcome: input.outcome ?? 'ok',
    reason: input.reason ?? null,
    detail: input.detail && Object.keys(input.detail).length > 0 ? JSON.stringify(input.detail) : null,
    cause: origin.cause,
    actor: origin.actor,
    staff_id: origin.staff_id,
    request_id: origin.request_id,
    browser_family: origin.browser_family,
    browser_version: origin.browser_version,
    browser_os: origin.browser_os,
    browser_supported: origin.browser_supported,
    network: origin.network,
    token_id: input.tokenId ?? null,
    email_id: input.emailId ?? null,
    webhook_id: input.webhookId ?? null,
    created_at: deps.clock.now().toISOString(),
  };
}

/** Runs a rate-limit check; when it refuses, the refusal is recorded before it is thrown. */
export async function noteRateLimited(db: Db, deps: ActivityDeps, about: Omit<ActivityInput, 'outcome' | 'reason'>, check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (error) {
    if (error instanceof HttpError && error.code === 'rate_limited') await recordActivity(db, deps, { ...about, outcome: 'refused', reason: 'rate_limited' });
    throw error;
  }
}
