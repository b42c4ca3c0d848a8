// Writes a token row: a fresh secret from the token generator, stored only under its key
// (its public lead and SHA-256 digest, tokenKey). Every kind of token (API, session, link, challenge) is
// created here.
import { tokenKey, type Clock, type TokenGenerator } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import type { NewToken } from '../storage/schema.ts';

export interface StoreTokenInput {
  kind: string;
  /** Prefix of the row id, e.g. "lnk". */
  idPrefix: string;
  orgId: string;
  userId?: string | null;
  staffId?: string | null;
  eventId?: string | null;
  role?: string | null;
  name?: string | null;
  /** Lifetime; null for tokens that live until revoked. */
  minutes: number | null;
  createdBy: string;
  payloadSealed?: string | null;
  /** What led to it (an activity cause code), for links. */
  cause?: string | null;
  /** Text put before the secret, e.g. "t1_" for API tokens. */
  tokenPrefix?: string;
  /** Stored instead of the token's key, for a secret made elsewhere (an identity code with its salt). */
  digest?: string;
}

export interface StoredToken {
  id: string;
  token: string;
  expiresAt: string | null;
}

export async function storeToken(db: Db, deps: { clock: Clock; tokens: TokenGenerator }, input: StoreTokenInput): Promise<StoredToken> {
  const { row, ...stored } = tokenRow(deps, input);
  await db.insertInto('tokens').values(row).execute();
  return stored;
}

/** The row storeToken writes, and the secret, for callers that insert many at once. */
export function tokenRow(deps: { clock: Clock; tokens: TokenGenerator }, input: StoreTokenInput): StoredToken & { row: NewToken } {
  const token = (input.tokenPrefix ?? '') + deps.tokens.secret();
  const now = deps.clock.now();
  const id = `${input.idPrefix}_${deps.tokens.id()}`;
  const expiresAt = input.minutes === null ? null : new Date(now.getTime() + input.minutes * 60_000).toISOString();
  const row: NewToken = {
    id,
    kind: input.kind,
    hash: input.digest ?? tokenKey(token),
    org_id: input.orgId,
    user_id: input.userId ?? null,
    staff_id: input.staffId ?? null,
    event_id: input.eventId ?? null,
    role: input.role ?? null,
    name: input.name ?? null,
    expires_at: expiresAt,
    used_at: null,
    revoked_at: null,
    created_by: input.createdBy,
    created_at: now.toISOString(),
    last_used_at: null,
    payload_sealed: input.payloadSealed ?? null,
    cause: input.cause ?? null,
  };
  return { id, token, expiresAt, row };
}
