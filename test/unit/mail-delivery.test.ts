// The outbox and its delivery against a real SMTP server and a real SQLite file.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cryptoTokens, type Clock } from '../../src/platform/clock.ts';
import { createMailDelivery, createSmtpTransport, retryDelayMs, type MailDeliveryOptions } from '../../src/platform/mail/delivery.ts';
import { emailLog, enqueueEmail, type OutboxDeps } from '../../src/platform/mail/outbox.ts';
import { SYSTEM_ORIGIN } from '../../src/platform/activity/origin.ts';
import { databaseActivityWriter } from '../../src/platform/activity/record.ts';
import type { TemplateVars } from '../../src/platform/mail/templates.ts';
import { secretBox } from '../../src/platform/secret-box.ts';
import { openDatabase, type Db } from '../../src/platform/storage/database.ts';

const ORG_ID = 'org_mailtest';
const START = Date.parse('2025-03-01T09:00:00.000Z');

/** A clock the test moves by hand. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = START;
  return { now: () => new Date(now), advance: (ms) => void (now += ms) };
}

interface SmtpSink {
  url: string;
  received: ParsedMail[];
  /** Recipients the server refuses at RCPT TO. */
  refuse: Set<string>;
  close(): Promise<void>;
}

async function startSmtpSink(): Promise<SmtpSink> {
  const received: ParsedMail[] = [];
  const refuse = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse.has(address.address)) {
        const error = Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 });
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refuse,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let dir: string;
let dbFile: string;
let db: Db;
let sink: SmtpSink;
let clock: ReturnType<typeof manualClock>;
const secrets = secretBox(randomBytes(32));

beforeAll(async () => {
  sink = await startSmtpSink();
});

afterAll(async () => {
  await sink.close();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 't1-mail-'));
  dbFile = join(dir, 'platform.db');
  db = await openDatabase({ location: dbFile });
  await db
    .insertInto('organisations')
    .values({ id: ORG_ID, name: 'Acme Events', mfa_policy: 'off', ticket_required: 0, created_at: new Date(START).toISOString() })
    .execute();
  clock = manualClock();
  sink.received.length = 0;
  sink.refuse.clear();
});

afterEach(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function outboxDeps(deliveryEnabled = true): OutboxDeps {
  return { clock, tokens: cryptoTokens, secrets, deliveryEnabled, origin: SYSTEM_ORIGIN, activity: databaseActivityWriter(cryptoTokens) };
}

function varsWithToken(token: string): TemplateVars {
  return {
    recipientName: 'Jane Doe',
    eventTitle: 'Training Day',
    eventTimezone: 'America/New_York',
    organisationName: 'Acme Events',
    actionUrl: `http://127.0.0.1:4747/verify?token=${token}`,
    expiresAt: new Date(START + 3_600_000).toISOString(),
  };
}

async function enqueue(recipient = 'jane@example.com', token = cryptoTokens.secret()) {
  const { id, status } = await enqueueEmail(db, outboxDeps(), {
    orgId: ORG_ID,
    recipient,
    template: 'verify_account',
    vars: varsWithToken(token),
  });
  return { id, status, token };
}

async function delivery(options: Partial<MailDeliveryOptions> = {}) {
  return createMailDelivery({
    db,
    clock,
    secrets,
    transport: await createSmtpTransport(sink.url),
    from: '"Acme Events" <no-reply@acme.example>',
    ...options,
  });
}

function row(id: string) {
  return db.selectFrom('emails').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

describe('mail delivery', () => {
  it('sends a queued email once, then drops its body', async () => {
    const { id, status, token } = await enqueue();
    expect(status).toBe('queued');
    const mailer = await delivery();

    expect(await mailer.deliverDue()).toBe(1);
    expect(await mailer.deliverDue()).toBe(0);

    expect(sink.received).toHaveLength(1);
    const mail = sink.received[0]!;
    expect(mail.subject).toBe('Verify your account for Training Day');
    expect(mail.messageId).toBe(`<${id}@t1.platform>`);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('jane@example.com');
    expect(mail.text).toContain(`http://127.0.0.1:4747/verify?token=${token}`);
    expect(mail.html).toContain(`href="http://127.0.0.1:4747/verify?token=${token}"`);

    const sent = await row(id);
    expect(sent).toMatchObject({ status: 'sent', body_sealed: null, lease_until: null, sent_at: new Date(START).toISOString() });
    expect(Number(sent.attempts)).toBe(1);
  });

  it('never stores the link token in plain text', async () => {
    const { token } = await enqueue();
    const scan = async () => {
      for (const email of await db.selectFrom('emails').selectAll().execute()) {
        for (const value of Object.values(email)) {
          if (typeof value === 'string') expect(value).not.toContain(token);
        }
      }
      // The database files themselves, write-ahead log included.
      for (const file of readdirSync(dir)) {
        expect(readFileSync(join(dir, file)).includes(token)).toBe(false);
      }
    };
    await scan();
    await (await delivery()).deliverDue();
    expect(sink.received).toHaveLength(1);
    await scan();
  });

  it('captures without sending when delivery is off', async () => {
    const { id, status } = await enqueueEmail(db, outboxDeps(false), {
      orgId: ORG_ID,
      recipient: 'jane@example.com',
      template: 'login_link',
      vars: varsWithToken('captured-token'),
    });
    expect(status).toBe('captured');
    expect(await (await delivery()).deliverDue()).toBe(0);
    expect(sink.received).toHaveLength(0);
    expect((await row(id)).status).toBe('captured');
    expect((await row(id)).body_sealed).not.toBeNull();
  });

  it('retries a refused email with growing delays, then gives up', async () => {
    sink.refuse.add('bounce@example.com');
    const { id } = await enqueue('bounce@example.com');
    const logs: string[] = [];
    const mailer = await delivery({ maxAttempts: 3, log: (msg) => logs.push(msg) });

    expect(await mailer.deliverDue()).toBe(0);
    let failed = await row(id);
    expect(failed.status).toBe('queued');
    expect(Number(failed.attempts)).toBe(1);
    expect(failed.last_error).toMatch(/550/);
    expect(failed.last_error!.length).toBeLessThanOrEqual(500);
    expect(failed.lease_until).toBeNull();
    expect(failed.next_attempt_at).toBe(new Date(START + 30_000).toISOString());
    expect(failed.body_sealed).not.toBeNull();

    // Not due yet.
    clock.advance(29_000);
    expect(await mailer.deliverDue()).toBe(0);
    expect(Number((await row(id)).attempts)).toBe(1);

    clock.advance(1_000);
    await mailer.deliverDue();
    failed = await row(id);
    expect(Number(failed.attempts)).toBe(2);
    expect(failed.next_attempt_at).toBe(new Date(clock.now().getTime() + 60_000).toISOString());

    clock.advance(60_000);
    await mailer.deliverDue();
    failed = await row(id);
    expect(failed).toMatchObject({ status: 'failed', body_sealed: null, lease_until: null });
    expect(Number(failed.attempts)).toBe(3);
    expect(sink.received).toHaveLength(0);
    expect(logs).toHaveLength(3);
    expect(logs.join('\n')).not.toContain('token=');

    clock.advance(3_600_000);
    expect(await mailer.deliverDue()).toBe(0);
    expect(Number((await row(id)).attempts)).toBe(3);
  });

  it('backs off exponentially up to 30 minutes', () => {
    expect([1, 2, 3, 4, 6, 7, 8, 20].map(retryDelayMs)).toEqual([
      30_000, 60_000, 120_000, 240_000, 960_000, 1_800_000, 1_800_000, 1_800_000,
    ]);
  });

  it('delivers a mail whose lease expired and skips one whose lease is live', async () => {
    const crashed = await enqueue('crashed@example.com');
    const busy = await enqueue('busy@example.com');
    // As if one instance died mid-send and another is sending right now.
    await db.updateTable('emails').set({ lease_until: new Date(START - 1).toISOString() }).where('id', '=', crashed.id).execute();
    await db.updateTable('emails').set({ lease_until: new Date(START + 60_000).toISOString() }).where('id', '=', busy.id).execute();
    const mailer = await delivery();

    expect(await mailer.deliverDue()).toBe(1);
    expect(sink.received.map((m) => m.messageId)).toEqual([`<${crashed.id}@t1.platform>`]);
    expect((await row(busy.id)).status).toBe('queued');

    clock.advance(60_001);
    expect(await mailer.deliverDue()).toBe(1);
    expect(sink.received.map((m) => m.messageId)).toEqual([`<${crashed.id}@t1.platform>`, `<${busy.id}@t1.platform>`]);
  });

  it('lets two instances share the outbox without sending a mail twice', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) ids.push((await enqueue(`person${i}@example.com`)).id);
    // A second instance has its own connection to the same database file.
    const otherDb = await openDatabase({ location: dbFile });
    try {
      const first = await delivery();
      const second = await delivery({ db: otherDb });
      const counts = await Promise.all([first.deliverDue(), second.deliverDue(), first.deliverDue(), second.deliverDue()]);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(12);
    } finally {
      await otherDb.destroy();
    }
    const messageIds = sink.received.map((m) => m.messageId).sort();
    expect(messageIds).toEqual(ids.map((id) => `<${id}@t1.platform>`).sort());
    const statuses = await db.selectFrom('emails').select('status').execute();
    expect(statuses.every((s) => s.status === 'sent')).toBe(true);
  });

  it('polls in the background until stopped', async () => {
    const mailer = await delivery({ pollIntervalMs: 20 });
    mailer.start();
    mailer.start();
    await enqueue('first@example.com');
    await enqueue('second@example.com');
    await expect.poll(() => sink.received.length, { timeout: 5_000 }).toBe(2);
    await mailer.stop();
    await enqueue('later@example.com');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sink.received).toHaveLength(2);
  });

  it('sends at once when woken instead of waiting for the next poll', async () => {
    const mailer = await delivery({ pollIntervalMs: 60_000 });
    mailer.start();
    // Let the first (empty) pass run, so the next poll is a minute away.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await enqueue();
    mailer.wake();
    await expect.poll(() => sink.received.length, { timeout: 5_000 }).toBe(1);
    await mailer.stop();
  });

  it('lists a person’s emails newest first without their bodies', async () => {
    const user = {
      id: 'usr_jane',
      org_id: ORG_ID,
      email: 'jane@example.com',
      first_name: 'Jane',
      last_name: 'Doe',
      first_name_lc: 'jane',
      last_name_lc: 'doe',
      full_name_lc: 'jane doe',
      created_at: new Date(START).toISOString(),
      updated_at: new Date(START).toISOString(),
    };
    await db.insertInto('users').values(user).execute();
    const input = { orgId: ORG_ID, userId: user.id, recipient: user.email, vars: varsWithToken('t') };
    const older = await enqueueEmail(db, outboxDeps(), { ...input, template: 'verify_account' });
    clock.advance(1_000);
    const newer = await enqueueEmail(db, outboxDeps(false), { ...input, template: 'registration_complete' });

    const listed = (await emailLog(db, { userId: user.id, limit: 10 })).items;
    expect(listed.map((e) => e.id)).toEqual([newer.id, older.id]);
    expect(listed[0]).toEqual({
      id: newer.id,
      createdAt: new Date(START + 1_000).toISOString(),
      eventSlug: null,
      recipient: 'jane@example.com',
      template: 'registration_complete',
      subject: 'Registration complete: Training Day',
      status: 'captured',
      attempts: 0,
      lastError: null,
      sentAt: null,
      cause: 'system',
      causeActor: null,
    });
    const first = await emailLog(db, { userId: user.id, limit: 1 });
    expect(first.items.map((e) => e.id)).toEqual([newer.id]);
    expect((await emailLog(db, { userId: user.id, limit: 1, cursor: first.nextCursor! })).items.map((e) => e.id)).toEqual([older.id]);
    expect((await emailLog(db, { userId: user.id, eventId: 'evt_other', limit: 10 })).items).toEqual([]);
  });

  it('commits or rolls back with the surrounding transaction', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await enqueueEmail(trx, outboxDeps(), {
          orgId: ORG_ID,
          recipient: 'jane@example.com',
          template: 'password_reset',
          vars: varsWithToken('rolled-back'),
        });
        throw new Error('flow failed');
      }),
    ).rejects.toThrow('flow failed');
    expect(await db.selectFrom('emails').selectAll().execute()).toEqual([]);
  });
});
