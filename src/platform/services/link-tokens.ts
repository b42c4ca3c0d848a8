// Single-use link tokens (verification, login link, set password, reset, 2FA
// enrollment): 256 random bits, stored as SHA-256 only, one live link per person and
// kind, consumed atomically so a link works exactly once.
import { hashToken, type Clock, type TokenGenerator } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import type { TokenRow } from '../storage/schema.ts';
import { storeToken } from './token-store.ts';

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

export type LinkState = 'valid' | 'used' | 'expired' | 'replaced' | 'unknown';

export interface IssueLinkInput {
  kind: LinkKind;
  orgId: string;
  userId: string;
  eventId: string | null;
  ttlMinutes: number;
  createdBy: string;
  payloadSealed?: string | null;
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
export async function issueLink(
  db: Db,
  deps: { clock: Clock; tokens: TokenGenerator; publicUrl: string },
  input: IssueLinkInput,
): Promise<IssuedLink> {
  await db
    .updateTable('tokens')
    .set({ revoked_at: deps.clock.now().toISOString() })
    .where('user_id', '=', input.userId)
    .where('kind', '=', input.kind)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
  const { id, token, expiresAt } = await storeToken(db, deps, {
    kind: input.kind,
    idPrefix: 'lnk',
    orgId: input.orgId,
    userId: input.userId,
    eventId: input.eventId,
    minutes: input.ttlMinutes,
    createdBy: input.createdBy,
    payloadSealed: input.payloadSealed,
  });
  return { id, token, url: linkUrl(deps.publicUrl, input.kind, token), expiresAt: expiresAt! };
}

export function linkState(row: TokenRow | undefined, now: Date): LinkState {
  if (!row) return 'unknown';
  if (row.used_at) return 'used';
  if (row.revoked_at) return 'replaced';
  if (row.expires_at && row.expires_at <= now.toISOString()) return 'expired';
  return 'valid';
}

/** Looks a link up without using it (to render the page that holds the button). */
export async function inspectLink(db: Db, clock: Clock, kind: LinkKind, token: string) {
  const row = await db
    .selectFrom('tokens')
    .selectAll()
    .where('hash', '=', hashToken(token))
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
  const hash = hashToken(token);
  const consumed = await db
    .updateTable('tokens')
    .set({ used_at: nowIso })
    .where('hash', '=', hash)
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
  const row = await db.selectFrom('tokens').selectAll().where('hash', '=', hashToken(token)).where('kind', '=', kind).executeTakeFirst();
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

