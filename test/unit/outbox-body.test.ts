// What the outbox keeps of a mail's body (the template's variables, sealed) and what goes
// out: the text and HTML rendered when the mail is sent, with the links of the moment it
// was queued. Real SQLite file, real SMTP server.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ORIGIN } from '../../src/platform/activity/origin.ts';
import { databaseActivityWriter } from '../../src/platform/activity/record.ts';
import { cryptoTokens } from '../../src/platform/clock.ts';
import { createMailDelivery, createSmtpTransport } from '../../src/platform/mail/delivery.ts';
import { enqueueEmail, openEmailBody, type OutboxDeps } from '../../src/platform/mail/outbox.ts';
import { renderEmail, type TemplateVars } from '../../src/platform/mail/templates.ts';
import { secretBox } from '../../src/platform/secret-box.ts';
import { openDatabase, type Db } from '../../src/platform/storage/database.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';

const ORG_ID = 'org_outboxbody';
const NOW = new Date('2026-05-04T08:00:00.000Z');
const clock = { now: () => NOW };
const secrets = secretBox(randomBytes(32));

let dir: string;
let db: Db;
let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink.close();
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 't1-outbox-'));
  db = await openDatabase({ location: join(dir, 'platform.db') });
  await db.insertInto('organisations').values({ id: ORG_ID, name: 'Fabrikam Events', mfa_policy: 'off', ticket_required: 0, created_at: NOW.toISOString() }).execute();
});
afterEach(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const deps: OutboxDeps = { clock, tokens: cryptoTokens, secrets, deliveryEnabled: true, origin: SYSTEM_ORIGIN, activity: databaseActivityWriter(cryptoTokens) };

function invitationVars(publicUrl: string, token: string): TemplateVars {
  return {
    recipientName: 'Amara Nwosu',
    organisationName: 'Fabrikam Events',
    eventTitle: 'Fabrikam Partner Day <2026>',
    eventStartsAt: '2026-06-10T07:30:00.000Z',
    eventTimezone: 'Europe/Berlin',
    actionUrl: `${publicUrl}/set-password/${token}`,
    expiresAt: '2026-05-11T08:00:00.000Z',
  };
}

async function deliverAll(): Promise<void> {
  const delivery = createMailDelivery({ db, clock, secrets, transport: await createSmtpTransport(sink.url), from: '"Fabrikam Events" <events@fabrikam.example>' });
  await delivery.deliverDue();
  await delivery.stop();
}

describe('the outbox body', () => {
  it('keeps the variables sealed, not the rendered text, and sends what the template renders from them', async () => {
    const token = cryptoTokens.secret();
    const vars = invitationVars('https://events.fabrikam.example', token);
    const { id } = await enqueueEmail(db, deps, { orgId: ORG_ID, recipient: 'amara@fabrikam.example', template: 'invitation_password', vars });

    const stored = await db.selectFrom('emails').select(['subject', 'body_sealed']).where('id', '=', id).executeTakeFirstOrThrow();
    const rendered = renderEmail('invitation_password', vars);
    expect(stored.subject).toBe(rendered.subject);
    // Sealed: neither the link's token nor the person's name can be read from the row.
    expect(stored.body_sealed).not.toContain(token);
    expect(stored.body_sealed).not.toContain('Amara');
    expect(JSON.parse(secrets.open(stored.body_sealed!))).toEqual({ vars });
    expect(stored.body_sealed!.length).toBeLessThan(rendered.text.length + rendered.html.length);

    await deliverAll();
    const [mail] = sink.mailsTo('amara@fabrikam.example');
    expect(mail!.subject).toBe(rendered.subject);
    expect(mail!.link).toBe(`https://events.fabrikam.example/set-password/${token}`);
    expect(mail!.text.trim()).toBe(rendered.text.trim());
    expect(mail!.html).toContain('Fabrikam Partner Day &lt;2026&gt;');
  });

  it('sends a mail queued with its rendered body (before bodies were rendered at sending) as it was', async () => {
    const { id } = await enqueueEmail(db, deps, { orgId: ORG_ID, recipient: 'ines@fabrikam.example', template: 'invitation_password', vars: invitationVars('https://old.example', 'x') });
    const body = { text: 'Hi Ines,\n\nThe body as it was queued.\n', html: '<p>The body as it was queued.</p>' };
    await db.updateTable('emails').set({ body_sealed: secrets.seal(JSON.stringify(body)) }).where('id', '=', id).execute();

    expect(openEmailBody(secrets, 'invitation_password', (await db.selectFrom('emails').select('body_sealed').where('id', '=', id).executeTakeFirstOrThrow()).body_sealed!)).toEqual(body);
    await deliverAll();
    const [mail] = sink.mailsTo('ines@fabrikam.example');
    expect(mail!.text.trim()).toBe(body.text.trim());
    expect(mail!.html).toContain('The body as it was queued.');
  });
});
