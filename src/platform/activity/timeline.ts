// A person's timeline: their activity entries, the refused attempts made with their
// address before it matched an account, the agent actions on them from the audit log,
// and the codes texted to them from the SMS log (masked number and delivery, never the
// code), merged by time. Each source is read with its own index in keyset order and the
// pages are merged, so a person with a long history still answers from an index range.
import { sql } from 'kysely';
import { z } from 'zod';
import { TEXTED_CODE_KIND } from '../../contract/activity.ts';
import type { Page, TimelineEntry } from '../../contract/schemas.ts';
import { decodeCursor, encodeCursor } from '../services/cursor.ts';
import type { Db } from '../storage/database.ts';

export interface TimelineFilter {
  eventId?: string;
  since?: string;
  /** Groups ("sign_in") and kinds ("sign_in.failed"); none means every kind. */
  kinds?: string[];
  order: 'newest' | 'oldest';
  limit: number;
  cursor?: string;
}

export type TimelineSubject = { orgId: string; userId: string; email: string } | { orgId: string; userId: null; email: string };

const cursorShape = z.tuple([z.string().max(40), z.string().max(100)]);

type Key = readonly [string, string];

function afterKey(order: TimelineFilter['order'], at: string, id: string, key: Key | undefined) {
  if (!key) return sql<boolean>`1 = 1`;
  return order === 'newest' ? sql<boolean>`(${sql.ref(at)}, ${sql.ref(id)}) < (${key[0]}, ${key[1]})` : sql<boolean>`(${sql.ref(at)}, ${sql.ref(id)}) > (${key[0]}, ${key[1]})`;
}

function kindFilter(kinds: string[] | undefined): { exact: string[]; groups: string[] } | null {
  if (!kinds || kinds.length === 0) return null;
  return { exact: kinds.filter((k) => k.includes('.')), groups: kinds.filter((k) => !k.includes('.')) };
}

function activityQuery(db: Db, filter: TimelineFilter, key: Key | undefined, where: 'user' | 'address', subject: TimelineSubject) {
  const kinds = kindFilter(filter.kinds);
  const direction = filter.order === 'newest' ? 'desc' : 'asc';
  return db
    .selectFrom('activity')
    .leftJoin('events', 'events.id', 'activity.event_id')
    .selectAll('activity')
    .select('events.slug as event_slug')
    .$if(where === 'user', (q) => q.where('activity.user_id', '=', subject.userId!))
    .$if(where === 'address', (q) => q.where('activity.org_id', '=', subject.orgId).where('activity.email', '=', subject.email).$if(subject.userId !== null, (q2) => q2.where('activity.user_id', 'is', null)))
    .$if(filter.eventId !== undefined, (q) => q.where('activity.event_id', '=', filter.eventId!))
    .$if(filter.since !== undefined, (q) => q.where('activity.created_at', '>=', filter.since!))
    .$if(kinds !== null, (q) =>
      q.where((eb) =>
        eb.or([
          ...(kinds!.exact.length > 0 ? [eb('activity.kind', 'in', kinds!.exact)] : []),
          ...kinds!.groups.map((g) => eb('activity.kind', 'like', `${g}.%`)),
        ]),
      ),
    )
    .where(afterKey(filter.order, 'activity.created_at', 'activity.id', key))
    .orderBy('activity.created_at', direction)
    .orderBy('activity.id', direction)
    .limit(filter.limit + 1)
    .execute();
}

function auditQuery(db: Db, filter: TimelineFilter, key: Key | undefined, userId: string) {
  const direction = filter.order === 'newest' ? 'desc' : 'asc';
  return db
    .selectFrom('audit_log')
    .leftJoin('events', 'events.id', 'audit_log.event_id')
    .selectAll('audit_log')
    .select('events.slug as event_slug')
    .where('audit_log.target_user_id', '=', userId)
    .$if(filter.eventId !== undefined, (q) => q.where('audit_log.event_id', '=', filter.eventId!))
    .$if(filter.since !== undefined, (q) => q.where('audit_log.created_at', '>=', filter.since!))
    .where(afterKey(filter.order, 'audit_log.created_at', 'audit_log.id', key))
    .orderBy('audit_log.created_at', direction)
    .orderBy('audit_log.id', direction)
    .limit(filter.limit + 1)
    .execute();
}

function smsQuery(db: Db, filter: TimelineFilter, key: Key | undefined, userId: string) {
  const direction = filter.order === 'newest' ? 'desc' : 'asc';
  return db
    .selectFrom('sms_messages')
    .select(['id', 'created_at', 'purpose', 'masked_phone', 'status', 'attempts', 'last_error', 'sent_at'])
    .where('user_id', '=', userId)
    .$if(filter.since !== undefined, (q) => q.where('created_at', '>=', filter.since!))
    .where(afterKey(filter.order, 'created_at', 'id', key))
    .orderBy('created_at', direction)
    .orderBy('id', direction)
    .limit(filter.limit + 1)
    .execute();
}

/** The SMS log belongs to no event, and its entries are of the mfa group. */
function wantsTexts(filter: TimelineFilter): boolean {
  if (filter.eventId !== undefined) return false;
  return !filter.kinds || filter.kinds.length === 0 || filter.kinds.includes('mfa');
}

type ActivityResult = Awaited<ReturnType<typeof activityQuery>>[number];
type AuditResult = Awaited<ReturnType<typeof auditQuery>>[number];
type SmsResult = Awaited<ReturnType<typeof smsQuery>>[number];

function parseDetail(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function fromActivity(row: ActivityResult): TimelineEntry {
  return {
    id: row.id,
    at: row.created_at,
    source: 'activity',
    kind: row.kind,
    outcome: row.outcome as TimelineEntry['outcome'],
    reason: row.reason,
    eventSlug: row.event_slug,
    email: row.email,
    detail: parseDetail(row.detail),
    cause: row.cause,
    actor: row.actor,
    browser: row.browser_family
      ? { family: row.browser_family, version: row.browser_version, os: row.browser_os, supported: row.browser_supported === null ? null : Number(row.browser_supported) === 1 }
      : null,
    network: row.network,
    requestId: row.request_id,
    tokenId: row.token_id,
    emailId: row.email_id,
    webhookId: row.webhook_id,
    ticket: null,
    note: null,
  };
}

function fromAudit(row: AuditResult): TimelineEntry {
  return {
    id: row.id,
    at: row.created_at,
    source: 'audit',
    kind: `agent.${row.action}`,
    outcome: row.result as TimelineEntry['outcome'],
    reason: null,
    eventSlug: row.event_slug,
    email: null,
    detail: parseDetail(row.detail),
    cause: 'agent',
    actor: row.actor,
    browser: null,
    network: null,
    requestId: row.request_id,
    tokenId: null,
    emailId: null,
    webhookId: null,
    ticket: row.ticket,
    note: row.reason,
  };
}

function fromSms(row: SmsResult): TimelineEntry {
  return {
    id: row.id,
    at: row.created_at,
    source: 'activity',
    kind: TEXTED_CODE_KIND,
    outcome: row.status === 'failed' ? 'failed' : 'ok',
    reason: null,
    eventSlug: null,
    email: null,
    detail: { purpose: row.purpose, maskedPhone: row.masked_phone, status: row.status, attempts: Number(row.attempts), lastError: row.last_error, sentAt: row.sent_at },
    cause: null,
    actor: null,
    browser: null,
    network: null,
    requestId: null,
    tokenId: null,
    emailId: null,
    webhookId: null,
    ticket: null,
    note: null,
  };
}

/** A page of the timeline of a person (or of an address no account has). */
export async function timeline(db: Db, subject: TimelineSubject, filter: TimelineFilter): Promise<Page<TimelineEntry>> {
  const key = filter.cursor ? (decodeCursor(filter.cursor, cursorShape) as Key) : undefined;
  const wantsAgents = !filter.kinds || filter.kinds.length === 0 || filter.kinds.includes('agent');
  const activityKinds = filter.kinds?.filter((k) => k !== 'agent' && !k.startsWith('agent.'));
  const activityFilter = { ...filter, kinds: activityKinds };
  const readsActivity = !filter.kinds || (activityKinds?.length ?? 0) > 0;
  const sources = await Promise.all([
    readsActivity && subject.userId ? activityQuery(db, activityFilter, key, 'user', subject).then((rows) => rows.map(fromActivity)) : [],
    readsActivity ? activityQuery(db, activityFilter, key, 'address', subject).then((rows) => rows.map(fromActivity)) : [],
    wantsAgents && subject.userId ? auditQuery(db, filter, key, subject.userId).then((rows) => rows.map(fromAudit)) : [],
    wantsTexts(filter) && subject.userId ? smsQuery(db, filter, key, subject.userId).then((rows) => rows.map(fromSms)) : [],
  ]);
  const sign = filter.order === 'newest' ? -1 : 1;
  const merged = sources.flat().sort((a, b) => sign * (a.at === b.at ? (a.id < b.id ? -1 : 1) : a.at < b.at ? -1 : 1));
  const items = merged.slice(0, filter.limit);
  const last = items.at(-1);
  return { items, nextCursor: merged.length > filter.limit && last ? encodeCursor([last.at, last.id]) : null };
}
