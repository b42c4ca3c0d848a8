// Text messages across processes: `t1 platform start --sms-gateway` sends each queued
// code as a signed JSON POST to a gateway this test runs (and checks the signature of),
// retries when the gateway fails, and `t1 sms log` (another process) shows what happened,
// the number masked. Without the signing secret the platform refuses to start.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPlatform } from '../../src/platform/platform.ts';
import { DEMO_ORG_ID } from '../../src/platform/seed/demo.ts';
import { startSmsEnrollment, type SmsSubject } from '../../src/platform/services/sms-mfa.ts';
import { personRow } from '../helpers/people.ts';
import { startSmsGateway, type SmsGateway } from '../helpers/sms-gateway.ts';
import { cleanupAll, freshDir, killTestChildren, LISTENING_LINE, runT1, startT1, type RunningT1 } from '../helpers/spawn.ts';

const SECRET = 'e2e-gateway-secret-0123456789abcdef';

let dir: string;
let db: string;
let token: string;
let gateway: SmsGateway;
let gatewayUrl: string;

beforeAll(async () => {
  dir = freshDir('t1-sms-');
  db = join(dir, 'p.db');
  expect((await runT1(['platform', 'seed', '--demo', '--db', db])).code).toBe(0);
  const created = await runT1(['platform', 'token', 'create', '--role', 'agent', '--db', db]);
  expect(created.code, created.stderr).toBe(0);
  token = created.stdout.trim();
  gateway = await startSmsGateway(SECRET);
  gatewayUrl = gateway.url;
}, 60_000);

afterEach(killTestChildren);
afterAll(async () => {
  await gateway?.close();
  await cleanupAll();
});

async function startServer(): Promise<{ server: RunningT1; url: string }> {
  const server = startT1(['platform', 'start', '--db', db, '--port', '0', '--quiet', '--sms-gateway', gatewayUrl], {
    home: join(dir, 'server-home'),
    env: { T1_SMS_GATEWAY_SECRET: SECRET },
  });
  const [, url] = await server.waitForLine(LISTENING_LINE);
  return { server, url: url! };
}

/** Enrols a new person's phone through the database the spawned platform serves, as the account page would. */
async function enrolNewPerson(phone: string): Promise<{ email: string }> {
  const platform = await openPlatform({ database: db, publicUrl: 'http://127.0.0.1:4747', env: {} });
  try {
    const id = `usr_e2esms${Date.now().toString(36)}`;
    const email = `${id}@contoso.example`;
    await platform.ctx.db.insertInto('users').values(personRow({ id, email, first: 'Text', last: 'Message', org_id: DEMO_ORG_ID })).execute();
    await platform.ctx.db.updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
    const subject: SmsSubject = { kind: 'user', id, orgId: DEMO_ORG_ID };
    // The spawned platform has the gateway; this one queues for it.
    const queuing = { ...platform.ctx, sms: { deliveryEnabled: true, wake() {} } };
    await platform.ctx.db.transaction().execute((trx) => startSmsEnrollment(trx, queuing, subject, phone));
    return { email };
  } finally {
    await platform.close();
  }
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('t1 platform start --sms-gateway (spawned)', () => {
  it('posts each code signed to the gateway, retries a failure, and t1 sms log shows it masked', async () => {
    const { server, url } = await startServer();
    await until(() => server.stderr().includes('Text messages are sent through the SMS gateway.'));
    const env = { T1_API_URL: url, T1_TOKEN: token };

    const { email } = await enrolNewPerson('+44 7911 123456');
    await until(() => gateway.received.length === 1);
    expect(gateway.received[0]).toMatchObject({ to: '+447911123456', signed: true });
    expect(gateway.received[0]!.body).toMatch(/\b\d{6}\b/);
    await until(async () => JSON.parse((await runT1(['sms', 'log', email, '--json'], { env })).stdout).items[0]?.status === 'sent');
    const log = await runT1(['sms', 'log', email], { env });
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toMatch(/^\S+ \S+ UTC\tphone set-up\t\+44 •••••••456\tsent [^\t]+\t1\t$/m);
    expect(log.stdout + log.stderr).not.toContain('7911123');

    // The gateway is down for one attempt: the message waits and goes on the next.
    gateway.answerNext(503);
    const second = await enrolNewPerson('+44 7911 123789');
    await until(() => gateway.received.length === 3, 20_000);
    expect(gateway.received.slice(1).map((d) => d.id)).toEqual([gateway.received[1]!.id, gateway.received[1]!.id]);
    await until(async () => JSON.parse((await runT1(['sms', 'log', second.email, '--json'], { env })).stdout).items[0]?.status === 'sent');
    const retried = JSON.parse((await runT1(['sms', 'log', second.email, '--json'], { env })).stdout).items[0];
    expect(retried).toMatchObject({ maskedPhone: '+44 •••••••789', status: 'sent', attempts: 2, lastError: 'The SMS gateway answered HTTP 503.' });
  }, 60_000);

  it('refuses to start with a gateway but no signing secret', async () => {
    const result = await runT1(['platform', 'start', '--db', db, '--port', '0', '--sms-gateway', gatewayUrl], { home: join(dir, 'server-home') });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('T1_SMS_GATEWAY_SECRET');
    const notHttp = await runT1(['platform', 'start', '--db', db, '--port', '0', '--sms-gateway', 'ftp://gateway.example'], { home: join(dir, 'server-home'), env: { T1_SMS_GATEWAY_SECRET: SECRET } });
    expect(notHttp.code).toBe(2);
    expect(notHttp.stderr).toContain('must be an http:// or https:// URL');
  });
});
