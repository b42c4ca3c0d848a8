// Fixed-window counters kept in the database, so every platform instance behind a load
// balancer shares them. Used against guessing (sign-in, codes) and mail floods.
import { sql } from 'kysely';
import type { Clock } from '../clock.ts';
import { HttpError } from '../http-error.ts';
import type { Db } from '../storage/database.ts';

export interface RateLimit {
  name: string;
  max: number;
  windowSeconds: number;
}

export interface RateDecision {
  allowed: boolean;
  hits: number;
  retryAfterSeconds: number;
}

export async function hitRateLimit(db: Db, clock: Clock, limit: RateLimit, subject: string): Promise<RateDecision> {
  const now = clock.now();
  const nowIso = now.toISOString();
  const windowStart = new Date(now.getTime() - limit.windowSeconds * 1000).toISOString();
  const row = await db
    .insertInto('rate_limits')
    .values({ key: `${limit.name}:${subject}`, hits: 1, window_started_at: nowIso })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        hits: sql`case when rate_limits.window_started_at <= ${windowStart} then 1 else rate_limits.hits + 1 end`,
        window_started_at: sql`case when rate_limits.window_started_at <= ${windowStart} then ${nowIso} else rate_limits.window_started_at end`,
      }),
    )
    .returning(['hits', 'window_started_at'])
    .executeTakeFirstOrThrow();
  const hits = Number(row.hits);
  const resetsAt = new Date(row.window_started_at).getTime() + limit.windowSeconds * 1000;
  return {
    allowed: hits <= limit.max,
    hits,
    retryAfterSeconds: Math.max(1, Math.ceil((resetsAt - now.getTime()) / 1000)),
  };
}

/** A 429 from a named limit; the name is counted in the metrics, never sent to the client. */
export class RateLimitedError extends HttpError {
  readonly limit: string;

  constructor(limit: string, message: string, retryAfterSeconds: number) {
    super('rate_limited', message, { retryAfterSeconds }, { 'retry-after': String(retryAfterSeconds) });
    this.limit = limit;
  }
}

/** Counts a hit and throws 429 (with Retry-After) once the window's allowance is spent. */
export async function enforceRateLimit(db: Db, clock: Clock, limit: RateLimit, subject: string, what: string): Promise<void> {
  const decision = await hitRateLimit(db, clock, limit, subject);
  if (!decision.allowed) {
    throw new RateLimitedError(limit.name, `Too many ${what}; try again in ${decision.retryAfterSeconds} seconds.`, decision.retryAfterSeconds);
  }
}

export async function clearRateLimit(db: Db, limit: RateLimit, subject: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', `${limit.name}:${subject}`).execute();
}
