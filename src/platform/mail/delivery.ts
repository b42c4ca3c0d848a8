// Sends queued emails from the outbox. Several platform instances may share one
// database, so each mail is claimed with a lease by a conditional UPDATE before it is
// sent; a lease left behind by a crashed instance expires and the mail becomes due again.
import type { Transporter } from 'nodemailer';
import { SYSTEM_ORIGIN } from '../activity/origin.ts';
import { databaseActivityWriter, recordActivity, type ActivityWriter } from '../activity/record.ts';
import { cryptoTokens, type Clock, type TokenGenerator } from '../clock.ts';
import type { SecretBox } from '../secret-box.ts';
import type { Db } from '../storage/database.ts';
import type { EmailBody } from './outbox.ts';

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
}

export interface MailDelivery {
  /** Polls for due mail until stop(). */
  start(): void;
  /** Runs the next pass now rather than after the poll interval (after the current one, if busy). */
  wake(): void;
  /** Stops polling and waits for the pass in flight, if any. */
  stop(): Promise<void>;
  /** One pass over due mail; resolves to the number sent. */
  deliverDue(): Promise<number>;
}

// Mails looked at per pass; when a pass is full the next one starts at once.
const BATCH_SIZE = 50;
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
  const tokens = options.tokens ?? cryptoTokens;
  const activityDeps = { clock, tokens, origin: SYSTEM_ORIGIN, activity: options.activity ?? databaseActivityWriter(tokens) };

  const iso = (offsetMs = 0): string => new Date(clock.now().getTime() + offsetMs).toISOString();

  function dueIds(now: string): Promise<{ id: string }[]> {
    return db
      .selectFrom('emails')
      .select('id')
      .where('status', '=', 'queued')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(BATCH_SIZE)
      .execute();
  }

  /** Claimed one at a time, just before sending, so a slow batch cannot outlive its leases. */
  async function claim(id: string): Promise<boolean> {
    const now = iso();
    // Only one instance's UPDATE can match: the others then see a live lease.
    const result = await db
      .updateTable('emails')
      .set({ lease_until: iso(leaseMs), updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async function send(id: string): Promise<boolean> {
    const row = await db
      .selectFrom('emails')
      .select(['recipient', 'subject', 'body_sealed', 'message_id', 'attempts', 'org_id', 'user_id', 'event_id', 'template'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    try {
      if (row.body_sealed === null) throw new Error('The email has no body to send.');
      const body = JSON.parse(secrets.open(row.body_sealed)) as EmailBody;
      await transport.sendMail({
        from,
        to: row.recipient,
        subject: row.subject,
        text: body.text,
        html: body.html,
        messageId: row.message_id,
      });
    } catch (error) {
      await recordFailure(id, row, Number(row.attempts) + 1, error);
      return false;
    }
    const now = iso();
    const attempts = Number(row.attempts) + 1;
    // last_error stays, so an agent can see why a mail went out late; each attempt is
    // in the activity log.
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('emails')
        .set({ status: 'sent', sent_at: now, attempts, body_sealed: null, lease_until: null, updated_at: now })
        .where('id', '=', id)
        .execute();
      await recordActivity(trx, activityDeps, { ...aboutMail(id, row), kind: 'mail.sent', detail: { template: row.template, subject: row.subject, attempts } });
    });
    return true;
  }

  type Sending = { org_id: string; user_id: string | null; event_id: string | null; recipient: string; template: string; subject: string };

  /** Whom a delivery attempt's activity entry is about. */
  function aboutMail(id: string, row: Sending) {
    return { orgId: row.org_id, userId: row.user_id, email: row.user_id ? null : row.recipient, eventId: row.event_id, emailId: id };
  }

  async function recordFailure(id: string, row: Sending, attempts: number, error: unknown): Promise<void> {
    const message = errorMessage(error);
    const giveUp = attempts >= maxAttempts;
    const now = iso();
    const nextAttemptAt = giveUp ? now : iso(retryDelayMs(attempts));
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('emails')
        .set({
          attempts,
          last_error: message,
          next_attempt_at: nextAttemptAt,
          lease_until: null,
          updated_at: now,
          // A failed mail is never sent, so its link tokens need not be kept either.
          ...(giveUp ? { status: 'failed', body_sealed: null } : {}),
        })
        .where('id', '=', id)
        .execute();
      await recordActivity(trx, activityDeps, {
        ...aboutMail(id, row),
        kind: 'mail.failed',
        outcome: 'failed',
        reason: giveUp ? 'gave_up' : 'smtp_error',
        detail: { template: row.template, subject: row.subject, attempts, error: message, nextAttemptAt: giveUp ? null : nextAttemptAt },
      });
    });
    log(
      giveUp
        ? `Email ${id} failed after ${attempts} attempts: ${message}`
        : `Email ${id} attempt ${attempts} failed, retrying at ${nextAttemptAt}: ${message}`,
    );
  }

  async function pass(): Promise<{ due: number; sent: number }> {
    const due = await dueIds(iso());
    let sent = 0;
    for (const { id } of due) {
      if ((await claim(id)) && (await send(id))) sent += 1;
    }
    return { due: due.length, sent };
  }

  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let woken = false;

  function schedule(delayMs: number): void {
    timer = setTimeout(tick, delayMs);
    // Pending mail must not keep the process alive.
    timer.unref();
  }

  function tick(): void {
    timer = undefined;
    woken = false;
    let again = false;
    inFlight = pass()
      .then((result) => {
        again = result.due === BATCH_SIZE;
      })
      .catch((error: unknown) => log(`Email delivery pass failed: ${errorMessage(error)}`))
      .finally(() => {
        inFlight = undefined;
        // The next pass is scheduled only after this one ends, so passes never overlap.
        if (running && !timer) schedule(again || woken ? 0 : pollIntervalMs);
      });
  }

  return {
    start() {
      if (running) return;
      running = true;
      if (!inFlight && !timer) schedule(0);
    },
    wake() {
      if (!running) return;
      if (inFlight) {
        woken = true;
      } else {
        clearTimeout(timer);
        schedule(0);
      }
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
    async deliverDue() {
      return (await pass()).sent;
    },
  };
}

// SMTP errors name the server's reply, never the message; keep them short for the row.
function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim().slice(0, MAX_ERROR_LENGTH) || 'Unknown error';
}

/**
 * An SMTP transport from a URL such as smtp://user:pass@host:587 or smtps://host.
 * nodemailer loads only here, so a platform that captures mail never pays for it.
 */
export async function createSmtpTransport(smtpUrl: string): Promise<Transporter> {
  const { default: nodemailer } = await import('nodemailer');
  return nodemailer.createTransport(smtpUrl);
}
