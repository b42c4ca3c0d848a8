// Sends queued text messages from the SMS outbox through the provider. Several platform
// instances may share one database, so each message is claimed with a lease by a
// conditional UPDATE before it is sent; a lease left behind by a crashed instance expires
// and the message becomes due again. A code is only worth sending while it is live: a
// message whose code has expired is given up, and retries after a gateway failure come
// quickly (2 s, 4 s, 8 s, ...) and stop after a few attempts.
import type { Clock } from '../clock.ts';
import { attemptError, countFailedAttempt, failedAttemptLine } from '../delivery-attempts.ts';
import { pollingLoop } from '../polling-loop.ts';
import type { SecretBox } from '../secret-box.ts';
import type { Db } from '../storage/database.ts';
import type { SmsProvider } from './providers.ts';

export interface SmsDeliveryOptions {
  db: Db;
  clock: Clock;
  secrets: SecretBox;
  provider: SmsProvider;
  pollIntervalMs?: number;
  /** After this many failed attempts a message is marked failed and never tried again. */
  maxAttempts?: number;
  /** How long a claimed message stays reserved for the instance sending it. */
  leaseMs?: number;
  /** Messages in flight at once. */
  concurrency?: number;
  log?: (msg: string) => void;
}

export interface SmsDelivery {
  /** Polls for due messages until stop(). */
  start(): void;
  /** Runs the next pass now rather than after the poll interval. */
  wake(): void;
  /** Stops polling and waits for the pass in flight, if any. */
  stop(): Promise<void>;
  /** One pass over due messages; resolves to the number sent. */
  deliverDue(): Promise<number>;
}

const BATCH_SIZE = 100;
const BACKOFF_BASE_MS = 2000;
const BACKOFF_MAX_MS = 60_000;
const MAX_ERROR_LENGTH = 300;

/** Wait before attempt n+1 after n failures: 2 s, 4 s, 8 s, ... at most a minute. */
export function smsRetryDelayMs(attempts: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1), BACKOFF_MAX_MS);
}

export function createSmsDelivery(options: SmsDeliveryOptions): SmsDelivery {
  const { db, clock, secrets, provider } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const maxAttempts = options.maxAttempts ?? 5;
  const leaseMs = options.leaseMs ?? 30_000;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const log = options.log ?? (() => {});
  const iso = (offsetMs = 0): string => new Date(clock.now().getTime() + offsetMs).toISOString();

  async function dueIds(now: string): Promise<string[]> {
    const rows = await db
      .selectFrom('sms_messages')
      .select('id')
      .where('status', '=', 'queued')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(BATCH_SIZE)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Only one instance's UPDATE can match: the others then see a live lease. */
  async function claim(id: string): Promise<boolean> {
    const now = iso();
    const result = await db
      .updateTable('sms_messages')
      .set({ lease_until: iso(leaseMs), updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async function send(id: string): Promise<boolean> {
    const row = await db.selectFrom('sms_messages').select(['to_sealed', 'body_sealed', 'expires_at']).where('id', '=', id).executeTakeFirstOrThrow();
    if (row.expires_at <= iso()) {
      await giveUp(id, 'Not sent: the code expired before the gateway took it.');
      return false;
    }
    try {
      if (row.to_sealed === null || row.body_sealed === null) throw new Error('The message has no number or body to send.');
      await provider.send({ id, to: secrets.open(row.to_sealed), body: secrets.open(row.body_sealed) });
    } catch (error) {
      await recordFailure(id, row.expires_at, error);
      return false;
    }
    // The gateway has it: noted at once, and only while still queued, so two instances
    // whose leases overlapped record it once. The number and the code go with the body.
    const now = iso();
    await db
      .updateTable('sms_messages')
      .set((eb) => ({ status: 'sent', sent_at: now, attempts: eb('attempts', '+', 1), to_sealed: null, body_sealed: null, lease_until: null, updated_at: now }))
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .execute();
    return true;
  }

  async function giveUp(id: string, why: string): Promise<void> {
    const now = iso();
    await db
      .updateTable('sms_messages')
      .set({ status: 'failed', last_error: why, to_sealed: null, body_sealed: null, lease_until: null, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .execute();
    log(`Text message ${id}: ${why}`);
  }

  async function recordFailure(id: string, expiresAt: string, error: unknown): Promise<void> {
    const message = attemptError(error, MAX_ERROR_LENGTH);
    const now = iso();
    const outcome = await db.transaction().execute(async (trx) => {
      const attempts = await countFailedAttempt(trx, 'sms_messages', id, message, now);
      if (attempts === null) return null;
      const nextAttemptAt = iso(smsRetryDelayMs(attempts));
      const final = attempts >= maxAttempts || nextAttemptAt >= expiresAt;
      await trx
        .updateTable('sms_messages')
        .set(final ? { status: 'failed', to_sealed: null, body_sealed: null, next_attempt_at: now } : { next_attempt_at: nextAttemptAt })
        .where('id', '=', id)
        .execute();
      return { attempts, final, nextAttemptAt };
    });
    if (!outcome) return;
    log(failedAttemptLine(`Text message ${id}`, outcome, message));
  }

  async function pass(): Promise<{ due: number; sent: number }> {
    const due = await dueIds(iso());
    const waiting = [...due];
    let sent = 0;
    const worker = async () => {
      for (let id = waiting.shift(); id; id = waiting.shift()) {
        if ((await claim(id)) && (await send(id))) sent += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, waiting.length) }, worker));
    return { due: due.length, sent };
  }

  const loop = pollingLoop({
    pass: async () => ({ full: (await pass()).due === BATCH_SIZE }),
    intervalMs: pollIntervalMs,
    onError: (error) => log(`Text message delivery pass failed: ${attemptError(error, MAX_ERROR_LENGTH)}`),
  });

  return {
    start: () => loop.start(),
    wake: () => loop.wake(),
    stop: () => loop.stop(),
    async deliverDue() {
      return (await pass()).sent;
    },
  };
}
