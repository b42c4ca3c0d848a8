// Sends queued emails from the outbox. Several platform instances may share one
// database, so each mail is claimed with a lease before it is sent (on SQLite by a
// conditional UPDATE, on PostgreSQL a batch at a time with FOR UPDATE SKIP LOCKED); a lease
// left behind by a crashed instance expires and the mail becomes due again.
// Delivery is at least once; send() says when a mail can go twice.
// Mails go out a few at a time over a pool of SMTP connections, one person's mails one
// after another, oldest first: never two of one person's mails in flight at once.
import { PostgresAdapter, sql } from 'kysely';
import type { Transporter } from 'nodemailer';
import { SYSTEM_ORIGIN } from '../activity/origin.ts';
import { databaseActivityWriter, recordActivity, type ActivityWriter } from '../activity/record.ts';
import { cryptoTokens, type Clock, type TokenGenerator } from '../clock.ts';
import { attemptError, countFailedAttempt, failedAttemptLine } from '../delivery-attempts.ts';
import { pollingLoop } from '../polling-loop.ts';
import type { SecretBox } from '../secret-box.ts';
import type { Db } from '../storage/database.ts';
import { openEmailBody } from './outbox.ts';

export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/** A nodemailer Transporter fits; tests may pass anything with sendMail. */
export interface MailTransport {
  sendMail(message: MailMessage): Promise<unknown>;
  /** Closes pooled connections when delivery stops. */
  close?(): void;
}

export interface MailDeliveryOptions {
  db: Db;
  clock: Clock;
  secrets: SecretBox;
  transport: MailTransport;
  /** The From header, e.g. `"Events" <no-reply@example.com>`. */
  from: string;
  pollIntervalMs?: number;
  /** After this many failed attempts a mail is marked failed and never tried again. */
  maxAttempts?: number;
  /** How long a claimed mail stays reserved for the instance sending it. */
  leaseMs?: number;
  log?: (msg: string) => void;
  /** Where sent and failed attempts are recorded; the platform's activity log by default. */
  activity?: ActivityWriter;
  tokens?: TokenGenerator;
  /** Mails in flight at once (each person's one at a time). Default 12. */
  concurrency?: number;
  /** Counts sent mails and failed attempts (the platform's metrics, when on). */
  counters?: { mailSent(): void; mailFailed(gaveUp: boolean): void };
}

export interface MailDelivery {
  /** Polls for due mail until stop(). */
  start(): void;
  /** Runs the next pass now rather than after the poll interval (after the current one, if busy). */
  wake(): void;
  /**
   * Stops taking mail, waits (at most `graceMs`) for the mails being sent, and hands
   * back the ones it claimed but did not start, so another instance sends them at once.
   */
  stop(graceMs?: number): Promise<void>;
  /** One pass over due mail; resolves to the number sent. */
  deliverDue(): Promise<number>;
}

// Mails looked at per pass; when a pass is full the next one starts at once.
const BATCH_SIZE = 200;
/** Mails in flight at once by default; the SMTP pool holds as many connections. */
export const DEFAULT_DELIVERY_CONCURRENCY = 12;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 30 * 60_000;
const MAX_ERROR_LENGTH = 500;

/** Wait before attempt n+1 after n failures: 30 s, 1 min, 2 min, ... at most 30 min. */
export function retryDelayMs(attempts: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1), BACKOFF_MAX_MS);
}

export function createMailDelivery(options: MailDeliveryOptions): MailDelivery {
  const { db, clock, secrets, transport, from } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const maxAttempts = options.maxAttempts ?? 8;
  const leaseMs = options.leaseMs ?? 60_000;
  const log = options.log ?? (() => {});
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_DELIVERY_CONCURRENCY);
  const tokens = options.tokens ?? cryptoTokens;
  const activityDeps = { clock, tokens, origin: SYSTEM_ORIGIN, activity: options.activity ?? databaseActivityWriter(tokens) };

  const iso = (offsetMs = 0): string => new Date(clock.now().getTime() + offsetMs).toISOString();
  // PostgreSQL claims batches with row locks; SQLite, one writer at a time, claims mail by mail.
  const onPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const byAge = (a: { created_at: string; id: string }, b: { created_at: string; id: string }): number =>
    a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1;

  function dueIds(now: string): Promise<{ id: string; user_id: string | null; recipient: string; created_at: string }[]> {
    return db
      .selectFrom('emails')
      .select(['id', 'user_id', 'recipient', 'created_at'])
      .where('status', '=', 'queued')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(BATCH_SIZE)
      .execute();
  }

  /**
   * Claimed one at a time, just before sending, so a slow batch cannot outlive its leases;
   * not while another mail of the same person is in flight (on any instance).
   */
  async function claim(mail: Due): Promise<boolean> {
    const now = iso();
    // Only one instance's UPDATE can match: the others then see a live lease.
    const result = await db
      .updateTable('emails')
      .set({ lease_until: iso(leaseMs), updated_at: now })
      .where('id', '=', mail.id)
      .where('status', '=', 'queued')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      // Mails to no account (staff, typed addresses) are few; they keep order within a pass.
      .$if(mail.user_id !== null, (q) =>
        q.where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('emails as other')
                .select(sql<number>`1`.as('one'))
                .where('other.user_id', '=', mail.user_id)
                .where('other.id', '!=', mail.id)
                .where('other.status', '=', 'queued')
                .where('other.lease_until', '>=', now),
            ),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  type Due = Awaited<ReturnType<typeof dueIds>>[number];

  /**
   * PostgreSQL: a batch of due mail claimed in one transaction. FOR UPDATE SKIP LOCKED
   * lets instances claiming at the same moment take different rows rather than wait on
   * each other's locks; the lease set before commit keeps the rows theirs afterwards.
   * Only a person's oldest due mail qualifies, and only while no mail of theirs is leased.
   * An older due mail counts even while another instance's claim holds it locked (it is
   * still unleased in this snapshot), so two instances never take two mails of one person.
   * Mails to no account are held to the same rule by address.
   */
  async function claimBatch(limit: number): Promise<Due[]> {
    const now = iso();
    return db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('emails as e')
        .select(['e.id', 'e.user_id', 'e.recipient', 'e.created_at'])
        .where('e.status', '=', 'queued')
        .where('e.next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('e.lease_until', 'is', null), eb('e.lease_until', '<', now)]))
        .where((eb) => {
          const others = () => eb.selectFrom('emails as other').select(sql<number>`1`.as('one')).whereRef('other.id', '!=', 'e.id').where('other.status', '=', 'queued');
          // In flight, or due and older (in the order the queue is sent).
          const ahead = sql<boolean>`(other.lease_until >= ${now} or (other.next_attempt_at <= ${now} and (other.created_at, other.id) < (e.created_at, e.id)))`;
          return eb.and([
            eb.not(eb.exists(others().whereRef('other.user_id', '=', 'e.user_id').where(ahead))),
            eb.or([eb('e.user_id', 'is not', null), eb.not(eb.exists(others().where('other.user_id', 'is', null).whereRef('other.recipient', '=', 'e.recipient').where(ahead)))]),
          ]);
        })
        .orderBy('e.next_attempt_at')
        .orderBy('e.id')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length > 0) {
        await trx
          .updateTable('emails')
          .set({ lease_until: iso(leaseMs), updated_at: now })
          .where('id', 'in', rows.map((row) => row.id))
          .execute();
      }
      return rows;
    });
  }

  /**
   * PostgreSQL: claim a small batch, send it, claim the next, until no more is due or a
   * pass's worth went out. Batches stay small so their leases cannot run out while they
   * wait for the SMTP pool.
   */
  async function passInBatches(): Promise<{ due: number; sent: number }> {
    const claimSize = concurrency * 2;
    let claimed = 0;
    let sent = 0;
    for (;;) {
      const batch = await claimBatch(claimSize);
      claimed += batch.length;
      // A batch holds one mail per person; mails to no account go one after another per address.
      const queues = new Map<string, Due[]>();
      for (const mail of batch) {
        const person = mail.user_id ?? `address:${mail.recipient.toLowerCase()}`;
        queues.set(person, [...(queues.get(person) ?? []), mail]);
      }
      const waiting = [...queues.values()].map((mails) => mails.sort(byAge));
      const worker = async () => {
        for (let mails = waiting.shift(); mails; mails = waiting.shift()) {
          for (const mail of mails) {
            if (!(await send(mail.id))) break;
            sent += 1;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, waiting.length) }, worker));
      if (stopping || batch.length < claimSize || claimed >= BATCH_SIZE) break;
    }
    return { due: Math.min(claimed, BATCH_SIZE), sent };
  }

  async function send(id: string): Promise<boolean> {
    if (stopping) {
      // Claimed, but stopping came first: released by stop() rather than sent.
      unsent.add(id);
      return false;
    }
    const row = await db
      .selectFrom('emails')
      .select(['recipient', 'subject', 'body_sealed', 'message_id', 'org_id', 'user_id', 'event_id', 'template'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    try {
      if (row.body_sealed === null) throw new Error('The email has no body to send.');
      const body = openEmailBody(secrets, row.template, row.body_sealed);
      await transport.sendMail({
        from,
        to: row.recipient,
        subject: row.subject,
        text: body.text,
        html: body.html,
        messageId: row.message_id,
      });
    } catch (error) {
      await recordFailure(id, row, error);
      return false;
    }
    // The SMTP server has the mail now, and noting that is the very next thing done.
    // Should the process die before this commits, the mail is sent again once its lease
    // lapses: delivery is at least once, never at most once, and every copy carries the
    // Message-ID fixed when the mail was queued, so the receiving side can drop a repeat.
    const now = iso();
    // last_error stays, so an agent can see why a mail went out late; each attempt is
    // in the activity log. Counted in the database and only while still queued: if a
    // lease ran out mid-send and another instance sent it too, it is recorded once.
    await db.transaction().execute(async (trx) => {
      const marked = await trx
        .updateTable('emails')
        .set((eb) => ({ status: 'sent', sent_at: now, attempts: eb('attempts', '+', 1), body_sealed: null, lease_until: null, updated_at: now }))
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .returning('attempts')
        .executeTakeFirst();
      if (!marked) return;
      options.counters?.mailSent();
      const attempts = Number(marked.attempts);
      await recordActivity(trx, activityDeps, { ...aboutMail(id, row), kind: 'mail.sent', detail: { template: row.template, subject: row.subject, attempts } });
    });
    return true;
  }

  type Sending = { org_id: string; user_id: string | null; event_id: string | null; recipient: string; template: string; subject: string };

  /** Whom a delivery attempt's activity entry is about. */
  function aboutMail(id: string, row: Sending) {
    return { orgId: row.org_id, userId: row.user_id, email: row.user_id ? null : row.recipient, eventId: row.event_id, emailId: id };
  }

  async function recordFailure(id: string, row: Sending, error: unknown): Promise<void> {
    const message = attemptError(error, MAX_ERROR_LENGTH);
    const now = iso();
    const outcome = await db.transaction().execute(async (trx) => {
      const attempts = await countFailedAttempt(trx, 'emails', id, message, now);
      if (attempts === null) return null;
      const final = attempts >= maxAttempts;
      const nextAttemptAt = final ? now : iso(retryDelayMs(attempts));
      await trx
        .updateTable('emails')
        // A failed mail is never sent, so its link tokens need not be kept either.
        .set({ next_attempt_at: nextAttemptAt, ...(final ? { status: 'failed', body_sealed: null } : {}) })
        .where('id', '=', id)
        .execute();
      await recordActivity(trx, activityDeps, {
        ...aboutMail(id, row),
        kind: 'mail.failed',
        outcome: 'failed',
        reason: final ? 'gave_up' : 'smtp_error',
        detail: { template: row.template, subject: row.subject, attempts, error: message, nextAttemptAt: final ? null : nextAttemptAt },
      });
      return { attempts, final, nextAttemptAt };
    });
    if (!outcome) return;
    options.counters?.mailFailed(outcome.final);
    log(failedAttemptLine(`Email ${id}`, outcome, message));
  }

  async function pass(): Promise<{ due: number; sent: number }> {
    if (onPostgres) return passInBatches();
    const due = await dueIds(iso());
    // One queue per person, oldest first; queues run side by side, each one mail at a time.
    const queues = new Map<string, Due[]>();
    for (const mail of due) {
      const person = mail.user_id ?? `address:${mail.recipient.toLowerCase()}`;
      queues.set(person, [...(queues.get(person) ?? []), mail]);
    }
    const waiting = [...queues.values()].map((mails) => mails.sort(byAge));
    let sent = 0;
    const worker = async () => {
      for (let mails = waiting.shift(); mails; mails = waiting.shift()) {
        for (const mail of mails) {
          // A person's newer mail waits while an older one could not go (in flight elsewhere, or failed).
          if (!(await claim(mail)) || !(await send(mail.id))) break;
          sent += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, waiting.length) }, worker));
    return { due: due.length, sent };
  }

  let stopping = false;
  const unsent = new Set<string>();
  const loop = pollingLoop({
    pass: async () => ({ full: (await pass()).due === BATCH_SIZE }),
    intervalMs: pollIntervalMs,
    onError: (error) => log(`Email delivery pass failed: ${attemptError(error, MAX_ERROR_LENGTH)}`),
  });

  /**
   * Gives back the leases of mails claimed and never started. Only a lease still running
   * is this instance's: once it lapses another instance may hold the mail.
   */
  async function releaseUnsent(): Promise<void> {
    const ids = [...unsent];
    unsent.clear();
    if (ids.length === 0) return;
    const now = iso();
    const released = await db
      .updateTable('emails')
      .set({ lease_until: null, updated_at: now })
      .where('id', 'in', ids)
      .where('status', '=', 'queued')
      .where('lease_until', '>', now)
      .executeTakeFirst();
    log(`Released ${Number(released.numUpdatedRows)} claimed email(s) for another instance to send.`);
  }

  return {
    start() {
      stopping = false;
      loop.start();
    },
    wake: () => loop.wake(),
    // A mail still being sent when the grace ends keeps its lease until it lapses.
    async stop(graceMs) {
      stopping = true;
      await loop.stop(graceMs);
      await releaseUnsent();
      transport.close?.();
    },
    async deliverDue() {
      return (await pass()).sent;
    },
  };
}

// A stalled server fails the attempt well inside the delivery lease (a minute), so no
// other instance takes the mail over and sends it while this attempt still might.
const ATTEMPT_TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 };

/**
 * An SMTP transport from a URL such as smtp://user:pass@host:587 or smtps://host.
 * nodemailer loads only here, so a platform that captures mail never pays for it.
 */
export async function createSmtpTransport(smtpUrl: string, options: { connections?: number; idleCloseMs?: number } = {}): Promise<MailTransport> {
  const { default: nodemailer } = await import('nodemailer');
  const connections = options.connections ?? DEFAULT_DELIVERY_CONCURRENCY;
  const idleCloseMs = options.idleCloseMs ?? 1000;
  // Pooled: connections stay open from one mail to the next and carry as many mails as
  // are delivered at once; settings in the URL (e.g. ?pool=false) win over these. A pool
  // left idle is closed (and opened again for the next mail), so quiet platforms hold
  // no connections.
  let pool: Transporter | null = null;
  let inFlight = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const closePool = () => {
    clearTimeout(idleTimer);
    idleTimer = undefined;
    pool?.close();
    pool = null;
  };
  return {
    async sendMail(message) {
      clearTimeout(idleTimer);
      pool ??= nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: connections, maxMessages: Infinity, ...ATTEMPT_TIMEOUTS });
      inFlight += 1;
      try {
        return await pool.sendMail(message);
      } finally {
        inFlight -= 1;
        if (inFlight === 0) {
          idleTimer = setTimeout(closePool, idleCloseMs);
          idleTimer.unref();
        }
      }
    },
    close: closePool,
  };
}
