// Prunes what the platform need not keep: activity entries older than the retention,
// rate-limit rows whose window closed long ago, and link, challenge and session tokens
// dead (expired, used or revoked) for longer than the retention, and text message codes
// and sent or given-up text messages older than it. API tokens and live tokens are never
// touched. Rows go in small batches, one short statement each, so a
// large backlog never holds a long lock; several instances may prune the same database
// at once, as each delete only removes rows that are due anyway.
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import type { DeleteResult } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';

export const DEFAULT_RETENTION_DAYS = 90;
export const DEFAULT_PRUNE_INTERVAL_MS = 60 * 60_000;
/** Rows deleted per statement. */
export const PRUNE_BATCH_SIZE = 500;
/**
 * A rate-limit row is kept this long after its window started: far longer than any
 * window (the longest is 1 hour; the unknown-account sign-in counter, 30 minutes).
 */
export const RATE_LIMIT_KEEP_MS = 24 * 60 * 60_000;
// The first pass waits a little, so a platform that starts and stops at once (the
// embedded one behind a single CLI command) does no pruning work.
const FIRST_PASS_DELAY_MS = 60_000;

/** The kinds a pruner may delete once dead; 'api' is deliberately absent. */
export const PRUNABLE_TOKEN_KINDS = [
  'verify_email',
  'magic_link',
  'set_password',
  'reset_password',
  'mfa_enroll',
  'mfa_setup',
  'login_challenge',
  'org_choice',
  'session',
] as const;

export interface PruneCounts {
  activity: number;
  rateLimits: number;
  tokens: number;
  /** Text message codes expired before the cutoff. */
  smsCodes: number;
  /** Text messages made before the cutoff and no longer waiting to be sent. */
  smsMessages: number;
}

export interface PrunerOptions {
  db: Db;
  clock: Clock;
  /** Activity entries and dead tokens older than this many days go. Default 90. */
  retentionDays?: number;
  /** Time between passes. Default 1 hour. */
  intervalMs?: number;
  /** Delay before the first pass after start(). Default 1 minute (or intervalMs, if shorter). */
  firstPassDelayMs?: number;
  batchSize?: number;
  log?: (msg: string) => void;
}

export interface Pruner {
  /** Prunes every interval until stop(). */
  start(): void;
  /** Stops, ends the pass in flight after its current batch, and waits for it. */
  stop(): Promise<void>;
  /** One full pass now (after the one in flight, if any); resolves to the rows deleted. */
  pruneOnce(): Promise<PruneCounts>;
}

const DAY_MS = 24 * 60 * 60_000;

export function createPruner(options: PrunerOptions): Pruner {
  const { db, clock } = options;
  const retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
  if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new RangeError(`Retention must be a whole number of days, at least 1 (got ${retentionDays}).`);
  const intervalMs = options.intervalMs ?? DEFAULT_PRUNE_INTERVAL_MS;
  const firstPassDelayMs = options.firstPassDelayMs ?? Math.min(FIRST_PASS_DELAY_MS, intervalMs);
  const batchSize = options.batchSize ?? PRUNE_BATCH_SIZE;
  const log = options.log ?? (() => {});

  let running = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  // Every pass, background or pruneOnce, runs after the previous one: never two at once.
  let queue: Promise<unknown> = Promise.resolve();
  let inFlight: Promise<unknown> | undefined;

  /** Runs the delete of a batch until one comes back short; yields between batches. */
  async function drain(deleteBatch: () => { executeTakeFirst(): Promise<DeleteResult> }): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = Number((await deleteBatch().executeTakeFirst()).numDeletedRows);
      total += deleted;
      if (deleted < batchSize || stopping) return total;
      await yieldToEvents();
    }
  }

  async function pass(): Promise<PruneCounts> {
    const now = clock.now().getTime();
    const cutoff = new Date(now - retentionDays * DAY_MS).toISOString();
    const rateCutoff = new Date(now - RATE_LIMIT_KEEP_MS).toISOString();

    // `delete ... where id in (select id ... limit n)` runs on SQLite and PostgreSQL alike.
    const activity = await drain(() =>
      db.deleteFrom('activity').where('id', 'in', db.selectFrom('activity').select('id').where('created_at', '<', cutoff).limit(batchSize)),
    );

    const rateLimits = await drain(() =>
      db.deleteFrom('rate_limits').where('key', 'in', db.selectFrom('rate_limits').select('key').where('window_started_at', '<', rateCutoff).limit(batchSize)),
    );

    // A token is dead from the earliest of its expiry, use and revocation; one of them
    // before the cutoff means it has been dead longer than the retention. A live token
    // has none of them in the past, so it can never match.
    const tokens = await drain(() =>
      db
        .deleteFrom('tokens')
        .where(
          'id',
          'in',
          db
            .selectFrom('tokens')
            .select('id')
            .where('kind', 'in', PRUNABLE_TOKEN_KINDS)
            .where((eb) => eb.or([eb('expires_at', '<', cutoff), eb('used_at', '<', cutoff), eb('revoked_at', '<', cutoff)]))
            .limit(batchSize),
        )
        // Checked again on the outer statement, so no change to this set can widen it.
        .where('kind', 'in', PRUNABLE_TOKEN_KINDS),
    );

    const smsCodes = await drain(() =>
      db.deleteFrom('sms_codes').where('id', 'in', db.selectFrom('sms_codes').select('id').where('expires_at', '<', cutoff).limit(batchSize)),
    );

    // A queued message is the delivery worker's until it is sent or given up.
    const smsMessages = await drain(() =>
      db
        .deleteFrom('sms_messages')
        .where('id', 'in', db.selectFrom('sms_messages').select('id').where('created_at', '<', cutoff).where('status', '<>', 'queued').limit(batchSize))
        .where('status', '<>', 'queued'),
    );

    return { activity, rateLimits, tokens, smsCodes, smsMessages };
  }

  function exclusive(): Promise<PruneCounts> {
    const next = queue.then(pass);
    queue = next.catch(() => {});
    return next;
  }

  function schedule(delayMs: number): void {
    timer = setTimeout(tick, delayMs);
    // Pruning must not keep the process alive.
    timer.unref();
  }

  function tick(): void {
    timer = undefined;
    const current = exclusive()
      .then((counts) => {
        const total = counts.activity + counts.rateLimits + counts.tokens + counts.smsCodes + counts.smsMessages;
        if (total > 0) {
          log(
            `Pruned ${counts.activity} activity entries, ${counts.rateLimits} rate-limit rows, ${counts.tokens} tokens, ` +
              `${counts.smsCodes} text message codes and ${counts.smsMessages} text messages.`,
          );
        }
      })
      .catch((error: unknown) => log(`Pruning failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        if (inFlight === current) inFlight = undefined;
        // The next pass is scheduled only after this one ends, so passes never overlap.
        if (running && !timer) schedule(intervalMs);
      });
    inFlight = current;
  }

  return {
    start() {
      if (running) return;
      running = true;
      stopping = false;
      if (!inFlight && !timer) schedule(firstPassDelayMs);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      stopping = true;
      try {
        await inFlight;
      } finally {
        stopping = false;
      }
    },
    pruneOnce() {
      return exclusive();
    },
  };
}
