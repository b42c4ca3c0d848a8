// Single-use link tokens (verification, login link, set password, reset, 2FA
// enrollment): 256 random bits, stored as SHA-256 only, one live link per person and
// kind, consumed atomically so a link works exactly once.
import type { ActivityReason } from '../../contract/activity.ts';
import { recordActivities, recordActivity, type ActivityDeps, type ActivityInput } from '../activity/record.ts';
import { tokenKeys, type Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import type { TokenRow } from '../storage/schema.ts';
import { insertRows } from '../storage/bulk-insert.ts';
import { storeToken, tokenRow, type StoreTokenInput } from './token-store.ts';

export const LINK_KINDS = ['verify_email', 'magic_link', 'set_password', 'reset_password', 'mfa_enroll'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** Where each kind of link lands on the platform's public site. */
export const LINK_PATHS: Record<LinkKind, string> = {
  verify_email: '/verify',
  magic_link: '/login-link',
  set_password: '/set-password',
  reset_password: '/reset-password',
  mfa_enroll: '/mfa/enroll',
};

/** 'revoked': withdrawn without a newer link (e.g. a 2FA reset cancels pending enrollments). */
export type LinkState = 'valid' | 'used' | 'expired' | 'replaced' | 'revoked' | 'unknown';

export interface IssueLinkInput {
  kind: LinkKind;
  orgId: string;
  userId: string;
  eventId: string | null;
  ttlMinutes: number;
  createdBy: string;
  payloadSealed?: string | null;
  /** The person was created in the same transaction, so has no older link to replace (issueLinks). */
  newPerson?: boolean;
}

export interface IssuedLink {
  id: string;
  token: string;
  url: string;
  expiresAt: string;
}

export function linkUrl(publicUrl: string, kind: LinkKind, token: string): string {
  return new URL(`${LINK_PATHS[kind]}/${token}`, publicUrl).toString();
}

/** Issues a link; older unused links of the same kind for the person stop working. */
export async function issueLink(db: Db, deps: ActivityDeps & { publicUrl: string }, input: IssueLinkInput): Promise<IssuedLink> {
  const { id, token, expiresAt } = await storeToken(db, deps, linkToken(deps, input));
  const nowIso = deps.clock.now().toISOString();
  // Links that already expired stay "expired": that is what the person saw.
  const replaced = await db
    .updateTable('tokens')
    .set({ revoked_at: nowIso, replaced_by: id })
    .where('user_id', '=', input.userId)
    .where('kind', '=', input.kind)
    .where('id', '!=', id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', nowIso)
    .executeTakeFirst();
  await recordActivity(db, deps, linkIssued(deps, input, id, expiresAt!, Number(replaced.numUpdatedRows)));
  return { id, token, url: linkUrl(deps.publicUrl, input.kind, token), expiresAt: expiresAt! };
}

function linkToken(deps: ActivityDeps, input: IssueLinkInput): StoreTokenInput {
  return {
    kind: input.kind,
    idPrefix: 'lnk',
    orgId: input.orgId,
    userId: input.userId,
    eventId: input.eventId,
    minutes: input.ttlMinutes,
    createdBy: input.createdBy,
    payloadSealed: input.payloadSealed,
    cause: deps.origin.cause,
  };
}

function linkIssued(deps: ActivityDeps, input: IssueLinkInput, id: string, expiresAt: string, replaced: number): ActivityInput {
  return {
    orgId: input.orgId,
    userId: input.userId,
    eventId: input.eventId,
    kind: 'link.issued',
    tokenId: id,
    detail: { linkKind: input.kind, cause: deps.origin.cause, expiresAt, replaced },
  };
}

// Rows per multi-row statement, well under SQLite's 32,766 parameters.
const CHUNK = 1000;

/**
 * Issues many links at once (bulk flows), as issueLink issues one: set-based, with
 * the older live links of the same people and kinds looked up in one query.
 */
export async function issueLinks(db: Db, deps: ActivityDeps & { publicUrl: string }, inputs: IssueLinkInput[]): Promise<IssuedLink[]> {
  const made = inputs.map((input) => ({ input, ...tokenRow(deps, linkToken(deps, input)) }));
  const nowIso = deps.clock.now().toISOString();
  const newest = new Map(made.map((m) => [`${m.input.userId} ${m.input.kind}`, m.id]));
  const kinds = [...new Set(inputs.map((input) => input.kind))];
  const replacedBy = new Map<string, string[]>();
  // Looked up before the new links go in, so the answer holds only the older ones; people
  // created with their links have none.
  const older = made.filter((m) => !m.input.newPerson);
  for (let i = 0; i < older.length; i += CHUNK) {
    const userIds = older.slice(i, i + CHUNK).map((m) => m.input.userId);
    const live = await db
      .selectFrom('tokens')
      .select(['id', 'user_id', 'kind'])
      .where('user_id', 'in', userIds)
      .where('kind', 'in', kinds)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', nowIso)
      .execute();
    for (const row of live) {
      const by = newest.get(`${row.user_id} ${row.kind}`);
      if (!by) continue;
      replacedBy.set(by, [...(replacedBy.get(by) ?? []), row.id]);
    }
  }
  await insertRows(db, 'tokens', made.map((m) => m.row));
  // Only people who already had a live link of the kind: few in a bulk flow.
  for (const [by, ids] of replacedBy) {
    await db.updateTable('tokens').set({ revoked_at: nowIso, replaced_by: by }).where('id', 'in', ids).execute();
  }
  await recordActivities(
    db,
    deps,
    made.map((m) => linkIssued(deps, m.input, m.id, m.expiresAt!, replacedBy.get(m.id)?.length ?? 0)),
  );
  return made.map((m) => ({ id: m.id, token: m.token, url: linkUrl(deps.publicUrl, m.input.kind, m.token), expiresAt: m.expiresAt! }));
}

export function linkState(row: TokenRow | undefined, now: Date): LinkState {
  if (!row) return 'unknown';
  if (row.used_at) return 'used';
  if (row.revoked_at) return row.replaced_by ? 'replaced' : 'revoked';
  if (row.expires_at && row.expires_at <= now.toISOString()) return 'expired';
  return 'valid';
}

/** Looks a link up without using it (to render the page that holds the button). */
export async function inspectLink(db: Db, clock: Clock, kind: LinkKind, token: string) {
  const row = await db
    .selectFrom('tokens')
    .selectAll()
    .where('hash', 'in', tokenKeys(token))
    .where('kind', '=', kind)
    .executeTakeFirst();
  return { row, state: linkState(row, clock.now()) };
}

/**
 * Uses a link up. Exactly one of any number of concurrent calls gets the row; the
 * others get the state that explains why not.
 */
export async function consumeLink(db: Db, clock: Clock, kind: LinkKind, token: string) {
  const nowIso = clock.now().toISOString();
  const keys = tokenKeys(token);
  const consumed = await db
    .updateTable('tokens')
    .set({ used_at: nowIso })
    .where('hash', 'in', keys)
    .where('kind', '=', kind)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', nowIso)
    .returningAll()
    .executeTakeFirst();
  if (consumed) return { row: consumed, state: 'valid' as LinkState };
  return inspectLink(db, clock, kind, token);
}

/** A token of any kind that is still good (not used, replaced, revoked or expired), or null. */
export async function liveToken(db: Db, clock: Clock, kind: string, token: string): Promise<TokenRow | null> {
  const row = await db.selectFrom('tokens').selectAll().where('hash', 'in', tokenKeys(token)).where('kind', '=', kind).executeTakeFirst();
  return row && linkState(row, clock.now()) === 'valid' ? row : null;
}

/** Links of a kind a person has not used yet (e.g. a pending 2FA enrollment). */
export async function pendingLink(db: Db, clock: Clock, userId: string, kind: LinkKind) {
  return db
    .selectFrom('tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', clock.now().toISOString())
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}


const REFUSAL_REASONS: Record<Exclude<LinkState, 'valid'>, ActivityReason> = {
  used: 'already_used',
  expired: 'expired',
  replaced: 'replaced',
  revoked: 'revoked',
  unknown: 'invalid',
};

/** Records that a link's page was shown (GET) or the link was used (POST). */
export async function noteLinkVisit(db: Db, deps: ActivityDeps, row: TokenRow, kind: 'link.opened' | 'link.used'): Promise<void> {
  await recordActivity(db, deps, { orgId: row.org_id, userId: row.user_id, eventId: row.event_id, kind, tokenId: row.id, detail: { linkKind: row.kind } });
}

/** Records a dead link's refusal with what explains it: when it was used, what replaced it. */
export async function noteLinkRefused(db: Db, deps: ActivityDeps, kind: LinkKind, row: TokenRow | undefined, state: LinkState): Promise<void> {
  // A token the platform never issued belongs to nobody an agent could look up.
  if (!row) return;
  const dead = state === 'valid' ? 'unknown' : state;
  const detail: Record<string, string> = { linkKind: kind };
  if (row.used_at) detail.usedAt = row.used_at;
  if (row.replaced_by) detail.replacedBy = row.replaced_by;
  if (row.expires_at && dead === 'expired') detail.expiredAt = row.expires_at;
  await recordActivity(db, deps, {
    orgId: row.org_id,
    userId: row.user_id,
    eventId: row.event_id,
    kind: 'link.refused',
    outcome: 'refused',
    reason: REFUSAL_REASONS[dead],
    tokenId: row.id,
    detail,
  });
}
