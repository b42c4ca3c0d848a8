// How fast the delivery worker drains the outbox: 10,000 invitation mails (one per
// person) queued in a SQLite outbox, sent to a local SMTP sink over the pooled transport
// with the default concurrency. Mails per second from the first pass to the last mail.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { SYSTEM_ORIGIN } from '../src/platform/activity/origin.ts';
import { databaseActivityWriter } from '../src/platform/activity/record.ts';
import { cryptoTokens, systemClock } from '../src/platform/clock.ts';
import { createMailDelivery, createSmtpTransport, DEFAULT_DELIVERY_CONCURRENCY } from '../src/platform/mail/delivery.ts';
import { enqueueEmails, type EnqueueEmailInput } from '../src/platform/mail/outbox.ts';
import { secretBox } from '../src/platform/secret-box.ts';
import { newUserRow } from '../src/platform/services/registration.ts';
import { openDatabase } from '../src/platform/storage/database.ts';
import type { NewUser } from '../src/platform/storage/schema.ts';

const MAILS = Number(process.env.T1_BENCH_MAILS ?? 10_000);
const ORG_ID = 'org_bench';

async function startSink(): Promise<{ url: string; count(): number; close(): Promise<void> }> {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        received += 1;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, count: () => received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export async function benchMailDrain(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 't1-bench-'));
  const db = await openDatabase({ location: join(dir, 'drain.db') });
  const sink = await startSink();
  const tokens = cryptoTokens;
  const activity = databaseActivityWriter(tokens);
  const secrets = secretBox(randomBytes(32));
  try {
    await db.insertInto('organisations').values({ id: ORG_ID, name: 'Bench Events', mfa_policy: 'off', ticket_required: 0, created_at: new Date().toISOString() }).execute();
    const deps = { clock: systemClock, tokens, secrets, deliveryEnabled: true, origin: { ...SYSTEM_ORIGIN, cause: 'invitation' as const }, activity };
    for (let from = 0; from < MAILS; from += 1000) {
      const inputs: EnqueueEmailInput[] = [];
      const people: NewUser[] = [];
      for (let i = from; i < Math.min(from + 1000, MAILS); i++) {
        people.push(newUserRow(deps, ORG_ID, { email: `invitee.${i}@fabrikam.example`, values: { first_name: 'Invitee', last_name: String(i) }, passwordHash: null }));
        inputs.push({
          orgId: ORG_ID,
          userId: people.at(-1)!.id,
          recipient: `invitee.${i}@fabrikam.example`,
          template: 'invitation_password',
          vars: {
            recipientName: `Invitee ${i}`,
            organisationName: 'Bench Events',
            eventTitle: 'Product Summit',
            eventStartsAt: '2027-05-01T09:00:00.000Z',
            eventTimezone: 'Europe/Berlin',
            actionUrl: `http://127.0.0.1:4747/set-password/${tokens.secret()}`,
            expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
          },
        });
      }
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values(people).execute();
        await enqueueEmails(trx, deps, inputs);
      });
    }
    const delivery = createMailDelivery({ db, clock: systemClock, secrets, transport: await createSmtpTransport(sink.url), from: '"Bench" <no-reply@bench.example>', tokens, activity });
    const started = process.hrtime.bigint();
    let sent = 0;
    for (let pass = sent; sent < MAILS; ) {
      pass = await delivery.deliverDue();
      if (pass === 0) break;
      sent += pass;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await delivery.stop();
    if (sink.count() !== MAILS) throw new Error(`the sink received ${sink.count()} of ${MAILS} mails`);
    const rate = MAILS / seconds;
    console.log(`mail drain: ${MAILS.toLocaleString('en')} invitation mails to a local SMTP sink, ${DEFAULT_DELIVERY_CONCURRENCY} in flight over a pooled connection (target: 200 mails/s)`);
    console.log(`  ${seconds.toFixed(2)} s: ${Math.round(rate).toLocaleString('en')} mails/s`);
    return { mailsPerSecond: rate };
  } finally {
    await sink.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMailDrain();
