// API tokens as admins manage them: listed with their state and last use (never their
// secret), and revoked. A revoked token is refused on its next request.
import { sql } from 'kysely';
import { z } from 'zod';
import type { ApiToken, ApiTokenState, Page } from '../../contract/schemas.ts';
import type { StaffRole } from '../../contract/vocabulary.ts';
import { HttpError } from '../http-error.ts';
import type { Db } from '../storage/database.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

const cursorShape = z.tuple([z.string().max(40), z.string().max(100)]);

function tokensWithStaff(db: Db) {
  return db
    .selectFrom('tokens')
    .leftJoin('staff', 'staff.id', 'tokens.staff_id')
    .select([
      'tokens.id',
      'tokens.name',
      'tokens.role',
      'tokens.created_by',
      'tokens.created_at',
      'tokens.expires_at',
      'tokens.last_used_at',
      'tokens.revoked_at',
      'tokens.revoked_by',
      'staff.id as staff_id',
      'staff.email as staff_email',
      'staff.name as staff_name',
    ])
    .where('tokens.kind', '=', 'api');
}

type TokenListRow = Awaited<ReturnType<ReturnType<typeof tokensWithStaff>['executeTakeFirstOrThrow']>>;

export function tokenState(row: { revoked_at: string | null; expires_at: string | null }, now: Date): ApiTokenState {
  if (row.revoked_at) return 'revoked';
  if (row.expires_at && row.expires_at <= now.toISOString()) return 'expired';
  return 'active';
}

function view(row: TokenListRow, now: Date): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role as StaffRole,
    staff: row.staff_id ? { id: row.staff_id, email: row.staff_email!, name: row.staff_name! } : null,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    state: tokenState(row, now),
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

export interface TokenListQuery {
  /** Every organisation's tokens when left out (the database's operator lists them all). */
  orgId?: string;
  limit: number;
  cursor?: string;
  now: Date;
}

/** API tokens, newest first, a page at a time; revoked and expired ones included. */
export async function listApiTokens(db: Db, query: TokenListQuery): Promise<Page<ApiToken>> {
  const after = query.cursor ? decodeCursor(query.cursor, cursorShape) : undefined;
  const rows = await tokensWithStaff(db)
    .$if(query.orgId !== undefined, (q) => q.where('tokens.org_id', '=', query.orgId!))
    .$if(after !== undefined, (q) => q.where(sql<boolean>`(tokens.created_at, tokens.id) < (${after![0]}, ${after![1]})`))
    .orderBy('tokens.created_at', 'desc')
    .orderBy('tokens.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map((row) => view(row, query.now)),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.created_at, last.id]) : null,
  };
}

/** One API token of the organisation (any organisation when `orgId` is null); 404 otherwise. */
export async function findApiToken(db: Db, orgId: string | null, id: string, now: Date): Promise<ApiToken> {
  const row = await tokensWithStaff(db)
    .where('tokens.id', '=', id)
    .$if(orgId !== null, (q) => q.where('tokens.org_id', '=', orgId!))
    .executeTakeFirst();
  if (!row) {
    throw new HttpError('not_found', `No API token has the id ${id}.`, { resource: 'token' });
  }
  return view(row, now);
}

export interface RevokeInput {
  orgId: string | null;
  id: string;
  /** Who revokes it, for the token's record: a staff email or a token's name. */
  by: string;
  now: Date;
}

/**
 * Revokes an API token. Revoking one already revoked changes nothing and says so; the
 * conditional update keeps the first revocation's time and author when two race.
 */
export async function revokeApiToken(db: Db, input: RevokeInput): Promise<{ token: ApiToken; alreadyRevoked: boolean }> {
  const result = await db
    .updateTable('tokens')
    .set({ revoked_at: input.now.toISOString(), revoked_by: input.by })
    .where('id', '=', input.id)
    .where('kind', '=', 'api')
    .$if(input.orgId !== null, (q) => q.where('org_id', '=', input.orgId!))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  // Not found (or another organisation's) is a 404 here, after an update that matched nothing.
  const token = await findApiToken(db, input.orgId, input.id, input.now);
  return { token, alreadyRevoked: Number(result.numUpdatedRows) === 0 };
}
