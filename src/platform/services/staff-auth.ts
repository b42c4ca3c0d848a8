// Who is calling: resolves a bearer token to a principal, and issues API tokens.
import type { StaffRole } from '../../contract/vocabulary.ts';
import { roleAllows } from '../../contract/vocabulary.ts';
import type { Db } from '../storage/database.ts';
import { hashToken, isoNow, type Clock, type TokenGenerator } from '../clock.ts';
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
  const now = isoNow(clock);
  const row = await db
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
    .where('tokens.hash', '=', hashToken(bearer))
    .where('tokens.kind', 'in', ['api', 'session'])
    .executeTakeFirst();
  // Web sessions of event attendees share the kind but never open the admin API.
  if (!row || row.revoked_at || (row.expires_at && row.expires_at <= now) || (row.kind === 'session' && !row.staff_id)) {
    throw new HttpError('unauthenticated', 'The API token is unknown, expired or revoked.');
  }
  // A session acts with its staff member's current role; an API token with its own, but
  // never more than its staff member holds today (a demotion reaches their tokens too).
  const role = effectiveRole(row.kind === 'session' ? row.staff_role : row.role, row.staff_id ? row.staff_role : null);
  if (!role) throw new HttpError('unauthenticated', 'The API token has no role.');
  // A write per request would dominate read latency; minute precision is enough here.
  if (!row.last_used_at || row.last_used_at < new Date(clock.now().getTime() - 60_000).toISOString()) {
    await db.updateTable('tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
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
  expiresAt?: Date | null;
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
  const stored = await storeToken(db, deps, {
    kind: 'api',
    idPrefix: 'tok',
    tokenPrefix: API_TOKEN_PREFIX,
    orgId: input.orgId,
    staffId: input.staffId,
    role: input.role,
    name: input.name,
    minutes: input.expiresAt ? Math.ceil((input.expiresAt.getTime() - deps.clock.now().getTime()) / 60_000) : null,
    createdBy: input.createdBy,
  });
  return { id: stored.id, name: input.name, role: input.role, token: stored.token, expiresAt: stored.expiresAt };
}
