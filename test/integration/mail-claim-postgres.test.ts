// The mail workers of two platform instances on one PostgreSQL database, claiming due mail
// a batch at a time (FOR UPDATE SKIP LOCKED) from the same outbox at the same moments:
// every mail reaches the SMTP server once, both instances send, and one person's mails
// still go one at a time, oldest first, though each instance claims many people at once.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ORIGIN } from '../../src/platform/activity/origin.ts';
import { databaseActivityWriter } from '../../src/platform/activity/record.ts';
import { cryptoTokens, type Clock } from '../../src/platform/clock.ts';
import { createMailDelivery, createSmtpTransport, type MailDelivery } from '../../src/platform/mail/delivery.ts';
import { enqueueEmails, type EnqueueEmailInput, type OutboxDeps } from '../../src/platform/mail/outbox.ts';
import { DEMO_ORG_ID } from '../../src/platform/seed/demo.ts';
import { secretBox } from '../../src/platform/secret-box.ts';
import { openDatabase, type Db } from '../../src/platform/storage/database.ts';
import { personRow } from '../helpers/people.ts';
import { postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';

const pgAvailable = await postgresReachable();
const PEOPLE = 40;
const MAILS_EACH = 3;
/** Mails to one typed address that belongs to no account. */
const TO_NO_ACCOUNT = 4;

/** A clock that moves only when told, so every mail of a person has its own creation time. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = Date.parse('2026-06-01T09:00:00.000Z');
  return { now: () => new Date(now), advance: (ms) => void (now += ms) };
}

interface Arrival {
  to: string;
  messageId: string;
}

/** An SMTP server that answers each mail after a short wait and notes any recipient with two mails in flight at once. */
async function slowSmtpServer() {
  const arrivals: Arrival[] = [];
  const inFlight = new Map<string, number>();
  const overlaps: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const to = session.envelope.rcptTo[0]?.address.toLowerCase() ?? '';
      const now = (inFlight.get(to) ?? 0) + 1;
      inFlight.set(to, now);
      if (now > 1) overlaps.push(to);
      simpleParser(stream).then(
        (parsed) => {
          setTimeout(() => {
            arrivals.push({ to, messageId: parsed.messageId ?? '' });
            inFlight.set(to, inFlight.get(to)! - 1);
            callback();
          }, 15);
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    arrivals,
    overlaps,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

describe.runIf(pgAvailable)('mail delivery of two instances sharing one PostgreSQL outbox', () => {
  let scratch: ScratchDatabase;
  let smtp: Awaited<ReturnType<typeof slowSmtpServer>>;
  const dbs: Db[] = [];
  const clock = manualClock();
  const secrets = secretBox(randomBytes(32));

  beforeAll(async () => {
    scratch = await scratchDatabase('t1_mail_claim');
    smtp = await slowSmtpServer();
    // Two handles, two connection pools: as two processes would hold them.
    dbs.push(await openDatabase({ location: scratch.url }), await openDatabase({ location: scratch.url }));
    await dbs[0]!.insertInto('organisations').values({ id: DEMO_ORG_ID, name: 'Shared Outbox Events', mfa_policy: 'off', ticket_required: 0, created_at: clock.now().toISOString() }).execute();
  }, 30_000);

  afterAll(async () => {
    for (const db of dbs) await db.destroy();
    await smtp?.close();
    await scratch?.drop();
  });

  it('sends every mail once, both instances taking part, each person one mail at a time and oldest first', { timeout: 60_000 }, async () => {
    const db = dbs[0]!;
    const people = Array.from({ length: PEOPLE }, (_, i) => ({ id: `usr_claim${i}`, email: `claimant.${i}@outbox.example` }));
    await db
      .insertInto('users')
      .values(people.map((p, i) => personRow({ id: p.id, email: p.email, first: 'Claim', last: `Person${i}` })))
      .execute();
    const deps: OutboxDeps = { clock, tokens: cryptoTokens, secrets, deliveryEnabled: true, origin: SYSTEM_ORIGIN, activity: databaseActivityWriter(cryptoTokens) };
    const vars = { recipientName: 'Claim Person', eventTitle: 'Shared Outbox Day', eventTimezone: 'UTC', organisationName: 'Shared Outbox Events', actionUrl: 'http://127.0.0.1:4747/e/shared-outbox' };
    const queued: { id: string; to: string; order: number }[] = [];
    // Round by round, so a person's mails are spread over the outbox, not side by side.
    for (let round = 0; round < MAILS_EACH; round++) {
      const inputs: EnqueueEmailInput[] = people.map((p) => ({ orgId: DEMO_ORG_ID, userId: p.id, recipient: p.email, template: 'verify_account', vars: { ...vars, recipientName: `Round ${round}` } }));
      for (const [i, mail] of (await enqueueEmails(db, deps, inputs)).entries()) queued.push({ id: mail.id, to: people[i]!.email, order: round });
      clock.advance(1000);
    }
    for (let i = 0; i < TO_NO_ACCOUNT; i++) {
      const [mail] = await enqueueEmails(db, deps, [{ orgId: DEMO_ORG_ID, recipient: 'typed.address@outbox.example', template: 'verify_account', vars: { ...vars, recipientName: `Round ${i}` } }]);
      queued.push({ id: mail!.id, to: 'typed.address@outbox.example', order: i });
      clock.advance(1000);
    }

    const sentBy = [0, 0];
    const deliveries: MailDelivery[] = await Promise.all(
      dbs.map(async (handle, index) => {
        const smtpTransport = await createSmtpTransport(smtp.url);
        return createMailDelivery({
          db: handle,
          clock,
          secrets,
          from: 'no-reply@outbox.example',
          // The real SMTP transport, counting which instance handed each mail over.
          transport: {
            sendMail: async (message) => {
              const answer = await smtpTransport.sendMail(message);
              sentBy[index]! += 1;
              return answer;
            },
            close: () => smtpTransport.close?.(),
          },
        });
      }),
    );
    try {
      // Both instances pass over the outbox at the same moments until it is empty.
      for (let rounds = 0; smtp.arrivals.length < queued.length && rounds < 50; rounds++) {
        await Promise.all(deliveries.map((d) => d.deliverDue()));
      }
    } finally {
      await Promise.all(deliveries.map((d) => d.stop()));
    }

    expect(smtp.arrivals).toHaveLength(queued.length);
    const messageIds = new Set(smtp.arrivals.map((a) => a.messageId));
    expect([...messageIds].sort()).toEqual(queued.map((q) => `<${q.id}@t1.platform>`).sort());
    expect(sentBy[0]).toBeGreaterThan(0);
    expect(sentBy[1]).toBeGreaterThan(0);
    expect(smtp.overlaps).toEqual([]);
    // Oldest first for each person (and for the address with no account).
    const order = new Map(queued.map((q) => [`<${q.id}@t1.platform>`, q.order]));
    for (const to of new Set(queued.map((q) => q.to))) {
      const seen = smtp.arrivals.filter((a) => a.to === to).map((a) => order.get(a.messageId));
      expect(seen, to).toEqual(Array.from({ length: to.startsWith('typed.') ? TO_NO_ACCOUNT : MAILS_EACH }, (_, i) => i));
    }
    const [left] = await db.selectFrom('emails').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '!=', 'sent').execute();
    expect(Number(left!.n)).toBe(0);
  });
});
