// The sign-in lock shared by people and staff, for passwords, 2FA codes and recovery
// codes alike: every attempt is counted before its (slow) check runs, so parallel guesses
// cannot slip past the lock while the checks are still running. Ten attempts in a row
// without a success lock the account for 30 minutes; the eleventh and later are refused
// before any check. A success resets the run, unless a lock came into force meanwhile.
//
// The counters live on the account's row (failed_logins, locked_until), read and written
// under the row's lock in one transaction, so every platform instance on one database
// agrees. Addresses no account has keep a counter of their own (a rate-limit row), so
// they answer the same way as real accounts.
import { sql } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import { hitRateLimit, type RateLimit } from './rate-limit.ts';

export const LOCK_AFTER_FAILURES = 10;
export const LOCK_MINUTES = 30;

/** Whose attempts these are: a person's or staff member's account, or an address nobody has. */
export type AttemptSubject = AccountSubject | { kind: 'unknown_address'; counter: string; address: string };
export type AccountSubject = { kind: 'account'; table: 'users' | 'staff'; id: string };

export function accountAttempts(table: 'users' | 'staff', id: string): AccountSubject {
  return { kind: 'account', table, id };
}

/** `counter` names the flow (people and staff count apart), `address` the address as looked up. */
export function unknownAddressAttempts(counter: string, address: string): AttemptSubject {
  return { kind: 'unknown_address', counter, address };
}

export type Reservation =
  /** Counted; the check may run. `attempt` is its place in the run of attempts without a success. */
  | { kind: 'check'; attempt: number }
  /** Refused before any check. `lockedNow` when this very attempt set the lock. */
  | { kind: 'locked'; attempt: number; until: string; lockedNow: boolean };

interface LockState {
  failures: number;
  lockedUntil: string | null;
}

function unknownCounter(subject: { counter: string }): RateLimit {
  return { name: subject.counter, max: LOCK_AFTER_FAILURES, windowSeconds: LOCK_MINUTES * 60 };
}

function lockEnd(clock: Clock): string {
  return new Date(clock.now().getTime() + LOCK_MINUTES * 60_000).toISOString();
}

const inForce = (state: LockState, now: string): state is LockState & { lockedUntil: string } => state.lockedUntil !== null && state.lockedUntil > now;

/**
 * Runs `decide` on the account's counters and stores what it returns, in one transaction
 * that holds the row: the first statement rewrites the count unchanged, which takes the
 * row lock on PostgreSQL (a plain read would not); SQLite runs one writing transaction at
 * a time anyway. So no other attempt, on any instance, reads the counters in between.
 */
async function withLockedCounters<T>(db: Db, subject: AccountSubject, decide: (state: LockState) => { next: LockState | null; result: T }): Promise<T> {
  const run = async (trx: Db): Promise<T> => {
    // Kysely cannot type one statement over either table; both have these two columns.
    const table = subject.table as 'users';
    const row = await trx
      .updateTable(table)
      .set({ failed_logins: sql<number>`failed_logins` })
      .where('id', '=', subject.id)
      .returning(['failed_logins', 'locked_until'])
      .executeTakeFirstOrThrow();
    const { next, result } = decide({ failures: Number(row.failed_logins), lockedUntil: row.locked_until });
    if (next) await trx.updateTable(table).set({ failed_logins: next.failures, locked_until: next.lockedUntil }).where('id', '=', subject.id).execute();
    return result;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** Counts an attempt before its check; says whether the check may run. */
export async function reserveAttempt(db: Db, clock: Clock, subject: AttemptSubject): Promise<Reservation> {
  if (subject.kind === 'unknown_address') {
    const { hits, retryAfterSeconds } = await hitRateLimit(db, clock, unknownCounter(subject), subject.address);
    if (hits <= LOCK_AFTER_FAILURES) return { kind: 'check', attempt: hits };
    return { kind: 'locked', attempt: hits, until: new Date(clock.now().getTime() + retryAfterSeconds * 1000).toISOString(), lockedNow: false };
  }
  const now = clock.now().toISOString();
  return withLockedCounters(db, subject, (state): { next: LockState; result: Reservation } => {
    if (inForce(state, now)) {
      return { next: { failures: state.failures + 1, lockedUntil: state.lockedUntil }, result: { kind: 'locked', attempt: state.failures + 1, until: state.lockedUntil, lockedNow: false } };
    }
    // A lock that ran out lets one more attempt through: the run goes on, so a failure
    // locks again at once, as it would have before the lock.
    const attempt = state.lockedUntil !== null ? LOCK_AFTER_FAILURES : state.failures + 1;
    if (attempt <= LOCK_AFTER_FAILURES) return { next: { failures: attempt, lockedUntil: null }, result: { kind: 'check', attempt } };
    // Ten attempts are already counted and still being checked: this one locks.
    const until = lockEnd(clock);
    return { next: { failures: attempt, lockedUntil: until }, result: { kind: 'locked', attempt, until, lockedNow: true } };
  });
}

export interface Failure {
  /** The lock in force now, if any. */
  lockedUntil: string | null;
  /** Whether this failure set it. */
  lockedNow: boolean;
  /** Attempts in the run now, this one and those still being checked included. */
  run: number;
}

/**
 * After a check that failed (the attempt was counted when reserved): locks the account
 * once the run has reached the limit.
 */
export async function attemptFailed(db: Db, clock: Clock, subject: AttemptSubject): Promise<Failure> {
  const now = clock.now().toISOString();
  if (subject.kind === 'unknown_address') {
    const limit = unknownCounter(subject);
    const row = await db.selectFrom('rate_limits').select(['hits', 'window_started_at']).where('key', '=', `${limit.name}:${subject.address}`).executeTakeFirst();
    const run = row ? Number(row.hits) : 0;
    const until = row ? new Date(new Date(row.window_started_at).getTime() + limit.windowSeconds * 1000).toISOString() : now;
    return { lockedUntil: run >= LOCK_AFTER_FAILURES && until > now ? until : null, lockedNow: false, run };
  }
  return withLockedCounters(db, subject, (state): { next: LockState | null; result: Failure } => {
    const run = state.failures;
    if (inForce(state, now)) return { next: null, result: { lockedUntil: state.lockedUntil, lockedNow: false, run } };
    if (run < LOCK_AFTER_FAILURES) return { next: null, result: { lockedUntil: null, lockedNow: false, run } };
    const until = lockEnd(clock);
    return { next: { failures: run, lockedUntil: until }, result: { lockedUntil: until, lockedNow: true, run } };
  });
}

/**
 * After a check that passed. With `ends: 'sign_in'` the run is over and starts again from
 * nought; with `ends: 'first_factor'` (a right password, the code still to come) only
 * this attempt is taken back off the run, so wrong codes keep counting toward the lock.
 * A lock in force, set while the check ran, stays: the success is refused.
 */
export async function attemptSucceeded(
  db: Db,
  clock: Clock,
  subject: AccountSubject,
  ends: 'sign_in' | 'first_factor',
): Promise<{ kind: 'ok' } | { kind: 'locked'; until: string }> {
  const now = clock.now().toISOString();
  return withLockedCounters(db, subject, (state): { next: LockState | null; result: { kind: 'ok' } | { kind: 'locked'; until: string } } => {
    if (inForce(state, now)) return { next: null, result: { kind: 'locked', until: state.lockedUntil } };
    const failures = ends === 'sign_in' ? 0 : Math.max(state.failures - 1, 0);
    return { next: { failures, lockedUntil: null }, result: { kind: 'ok' } };
  });
}
