// What the mail and text-message workers share about a failed delivery attempt: the
// error as the row keeps it, the attempt counted in the database, and the log line.
import type { Db } from './storage/database.ts';

/** The error of an attempt, on one line and at most `maxLength` characters (gateways and SMTP servers name their reply, never the message). */
export function attemptError(error: unknown, maxLength: number): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim().slice(0, maxLength) || 'Unknown error';
}

/**
 * Counts a failed attempt at a queued message and returns the attempts so far, or null
 * when it is no longer queued. Counted in the database, so two instances whose leases
 * overlapped add up.
 */
export async function countFailedAttempt(trx: Db, table: 'emails' | 'sms_messages', id: string, error: string, now: string): Promise<number | null> {
  const counted = await trx
    .updateTable(table)
    .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error, lease_until: null, updated_at: now }))
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .returning('attempts')
    .executeTakeFirst();
  return counted ? Number(counted.attempts) : null;
}

/** The log line of a failed attempt: what comes next, a retry or nothing more. */
export function failedAttemptLine(what: string, outcome: { attempts: number; final: boolean; nextAttemptAt: string }, error: string): string {
  return outcome.final
    ? `${what} failed after ${outcome.attempts} attempts: ${error}`
    : `${what} attempt ${outcome.attempts} failed, retrying at ${outcome.nextAttemptAt}: ${error}`;
}
