// Who is calling: resolves a bearer token to a principal, and issues API tokens.
import type { StaffRole } from '../../contract/vocabulary.ts';
import { roleAllows } from '../../contract/vocabulary.ts';
import { preparedRead, type Db } from '../storage/database.ts';
import { DEFAULT_TOKEN_LIFETIME, type TokenLifetime } from '../../contract/token-lifetime.ts';
import { tokenKeys, type Clock, type TokenGenerator } from '../clock.ts';
import { HttpError } from '../http-error.ts';
import { storeToken } from './token-store.ts';

export const API_TOKEN_PREFIX = 't1_';

export interface Principal {
  orgId: string;
  orgName: string;
  role: StaffRole;
  tokenId: string;
  tokenName: string | null;
  via: 'api_token' | 'session';
  staff: { id: string; email: string; name: string } | null;
}

/** A short name for audit trails: the staff email, else the token's name. */
export function principalLabel(principal: Principal): string {
  return principal.staff?.email ?? `token:${principal.tokenName ?? principal.tokenId}`;
}

export async function authenticate(db: Db, clock: Clock, bearer: string | undefined): Promise<Principal> {
  if (!bearer) {
    throw new HttpError('unauthenticated', 'No API token was sent. Send "Authorization: Bearer <token>".');
  }
  const now = clock.now();
  // Every API request asks this: it runs with a plan made once.
  const [row] = await preparedRead(
    db,
    db
      .selectFrom('tokens')
      .innerJoin('organisations', 'organisations.id', 'tokens.org_id')
      .leftJoin('staff', 'staff.id', 'tokens.staff_id')
      .select([
        'tokens.id',
        'tokens.kind',
        'tokens.role',
        'tokens.name',
        'tokens.expires_at',
        'tokens.revoked_at',
        'tokens.last_used_at',
        'tokens.org_id',
        'organisations.name as org_name',
        'staff.id as staff_id',
        'staff.email as staff_email',
        'staff.name as staff_name',
        'staff.role as staff_role',
      ])
      .where('tokens.hash', 'in', tokenKeys(bearer))
      .where('tokens.kind', 'in', ['api', 'session'])
      .compile(),
  );
  // Web sessions of event attendees share the kind but never open the admin API.
  if (!row || (row.kind === 'session' && !row.staff_id)) {
    throw new HttpError('unauthenticated', 'The API token is unknown, expired or revoked.');
  }
  refuseDeadToken(row, now);
  // A session acts with its staff member's current role; an API token with its own, but
  // never more than its staff member holds today (a demotion reaches their tokens too).
  const role = effectiveRole(row.kind === 'session' ? row.staff_role : row.role, row.staff_id ? row.staff_role : null);
  if (!role) throw new HttpError('unauthenticated', 'The API token has no role.');
  await noteUse(db, row.id, row.last_used_at, now);
  return {
    orgId: row.org_id,
    orgName: row.org_name,
    role,
    tokenId: row.id,
    tokenName: row.name,
    via: row.kind === 'session' ? 'session' : 'api_token',
    staff: row.staff_id ? { id: row.staff_id, email: row.staff_email!, name: row.staff_name! } : null,
  };
}

/** "2027-03-01 09:30 UTC": when a token died, in the words of the refusal. */
function utcMinute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

// The holder of a dead token learns when and how it died (they hold its secret, so this
// tells no one else anything), and the CLI can tell them to sign in again.
function refuseDeadToken(row: { kind: string; expires_at: string | null; revoked_at: string | null }, now: Date): void {
  const what = row.kind === 'session' ? 'sign-in session' : 'API token';
  if (row.revoked_at) {
    throw new HttpError('unauthenticated', `This ${what} was revoked on ${utcMinute(row.revoked_at)}.`, {
      reason: 'token_revoked',
      revokedAt: row.revoked_at,
    });
  }
  if (row.expires_at && row.expires_at <= now.toISOString()) {
    throw new HttpError('unauthenticated', `This ${what} expired on ${utcMinute(row.expires_at)}.`, {
      reason: 'token_expired',
      expiredAt: row.expires_at,
    });
  }
}

const LAST_USED_PRECISION_MS = 60_000;

// A write per request would dominate read latency, so the time of last use is kept to
// the minute. The condition sits in the UPDATE itself: concurrent requests on any number
// of instances write at most about once a minute between them, and a lagging clock never
// moves the time back.
async function noteUse(db: Db, tokenId: string, lastUsedAt: string | null, now: Date): Promise<void> {
  const staleBefore = new Date(now.getTime() - LAST_USED_PRECISION_MS).toISOString();
  if (lastUsedAt && lastUsedAt >= staleBefore) return;
  await db
    .updateTable('tokens')
    .set({ last_used_at: now.toISOString() })
    .where('id', '=', tokenId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', staleBefore)]))
    .execute();
}

function effectiveRole(tokenRole: string | null, staffRole: string | null): StaffRole | null {
  if (!tokenRole) return null;
  if (!staffRole) return tokenRole as StaffRole;
  return roleAllows(tokenRole as StaffRole, staffRole as StaffRole) ? (staffRole as StaffRole) : (tokenRole as StaffRole);
}

export function requireRole(principal: Principal, needed: StaffRole): void {
  if (!roleAllows(principal.role, needed)) {
    throw new HttpError(
      'forbidden',
      `This needs the ${needed} role; the caller has ${principal.role}.`,
      { requiredRole: needed },
    );
  }
}

export interface IssueApiTokenInput {
  orgId: string;
  role: StaffRole;
  name: string;
  staffId?: string | null;
  createdBy: string;
  /** One year (DEFAULT_TOKEN_LIFETIME) when not given. */
  lifetime?: TokenLifetime;
}

export interface IssuedToken {
  id: string;
  name: string;
  role: StaffRole;
  token: string;
  expiresAt: string | null;
}

/** Creates an API token; the plain token is returned once and only its hash is kept. */
export async function issueApiToken(
  db: Db,
  deps: { clock: Clock; tokens: TokenGenerator },
  input: IssueApiTokenInput,
): Promise<IssuedToken> {
  const lifetime = input.lifetime ?? DEFAULT_TOKEN_LIFETIME;
  const stored = await storeToken(db, deps, {
    kind: 'api',
    idPrefix: 'tok',
    tokenPrefix: API_TOKEN_PREFIX,
    orgId: input.orgId,
    staffId: input.staffId,
    role: input.role,
    name: input.name,
    minutes: lifetime === 'never' ? null : lifetime.minutes,
    createdBy: input.createdBy,
  });
  return { id: stored.id, name: input.name, role: input.role, token: stored.token, expiresAt: stored.expiresAt };
}
