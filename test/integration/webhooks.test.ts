// Webhook registrations over HTTP: a correctly signed one creates the person and a
// set-password email; a bad signature, an old timestamp or a replayed id is refused and
// creates nothing.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

let platform: TestPlatform;
let secret: string;
const EVENT = 'product-summit-2027';

beforeAll(async () => {
  platform = await startTestPlatform();
  const rotated = await runT1(['events', 'webhook-secret', EVENT, '--yes'], { env: platform.env('admin') });
  expect(rotated.exitCode).toBe(0);
  secret = rotated.stdout.trim();
});
afterAll(async () => {
  await platform.close();
});

function sign(id: string, timestamp: number, body: string, key = secret): string {
  const bytes = Buffer.from(key.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', bytes).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function payload(email: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({ type: 'registration.created', data: { event: EVENT, email, firstName: 'Lena', lastName: 'Hook', company: 'Fabrikam', ...extra } });
}

async function post(body: string, headers: Record<string, string>) {
  return platform.platform.app.inject({
    method: 'POST',
    url: '/v1/webhooks/registrations',
    headers: { 'content-type': 'application/json', ...headers },
    payload: body,
  });
}

function signedHeaders(id: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(id, timestamp, body) };
}

async function people(email: string): Promise<number> {
  const row = await platform.platform.ctx.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('POST /v1/webhooks/registrations', () => {
  it('only an admin may rotate the secret; agents are told the role they lack', async () => {
    const result = await runT1(['events', 'webhook-secret', EVENT, '--yes'], { env: platform.env('agent') });
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('admin');
  });

  it('creates the person with a set-password email when signed correctly', async () => {
    const body = payload('lena.hook@fabrikam.example');
    const response = await post(body, signedHeaders('msg_ok_1', body));
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ created: true, emailed: 'set_password' });
    const status = await runT1(['status', 'lena.hook@fabrikam.example', '--json'], { env: platform.env() });
    expect(JSON.parse(status.stdout).registration).toMatchObject({ status: 'registered', stage: 'password_not_set', type: 'webhook' });
    const mail = await runT1(['mail', 'log', 'lena.hook@fabrikam.example', '--json'], { env: platform.env() });
    expect(JSON.parse(mail.stdout).items.map((m: { template: string }) => m.template)).toEqual(['set_password']);
  });

  it('refuses a replayed webhook id and creates nothing new', async () => {
    const body = payload('replay.once@fabrikam.example');
    const headers = signedHeaders('msg_replay', body);
    expect((await post(body, headers)).statusCode).toBe(201);
    const again = await post(body, headers);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');
    expect(await people('replay.once@fabrikam.example')).toBe(1);
  });

  it.each([
    ['a bad signature', (body: string) => ({ ...signedHeaders('msg_bad_sig', body), 'webhook-signature': sign('msg_bad_sig', Math.floor(Date.now() / 1000), body, 'whsec_' + Buffer.alloc(32, 7).toString('base64')) })],
    ['a timestamp six minutes old', (body: string) => signedHeaders('msg_old', body, Math.floor(Date.now() / 1000) - 360)],
    ['a timestamp six minutes ahead', (body: string) => signedHeaders('msg_future', body, Math.floor(Date.now() / 1000) + 360)],
    ['no signature header', () => ({ 'webhook-id': 'msg_nosig', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) })],
    ['a signature of another body', () => signedHeaders('msg_other', payload('someone.else@fabrikam.example'))],
  ])('refuses %s with 401 and creates nothing', async (_label, headersFor) => {
    const email = `refused.${Math.random().toString(36).slice(2)}@fabrikam.example`;
    const body = payload(email);
    const response = await post(body, headersFor(body) as Record<string, string>);
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('unauthenticated');
    expect(await people(email)).toBe(0);
  });

  it('treats an unknown event like a bad signature', async () => {
    const body = JSON.stringify({ type: 'registration.created', data: { event: 'no-such-event', email: 'x@fabrikam.example' } });
    expect((await post(body, signedHeaders('msg_unknown_event', body))).statusCode).toBe(401);
  });

  it('answers malformed JSON with 400 and unknown fields with 422', async () => {
    expect((await post('{"type": ', signedHeaders('msg_broken', '{"type": '))).statusCode).toBe(400);
    const body = payload('fields@fabrikam.example', { favouriteColour: 'blue' });
    const response = await post(body, signedHeaders('msg_fields', body));
    expect(response.statusCode).toBe(422);
    expect(await people('fields@fabrikam.example')).toBe(0);
  });

  it('refuses a public email domain with 422 and creates nothing', async () => {
    const body = payload('someone@gmail.com');
    const response = await post(body, signedHeaders('msg_public', body));
    expect(response.statusCode).toBe(422);
    expect(response.json().error.message).toContain('gmail.com');
    expect(await people('someone@gmail.com')).toBe(0);
  });

  it('sends an already registered person "registration complete" and creates nothing', async () => {
    const body = payload('priya.sharma@contoso.example');
    const response = await post(body, signedHeaders('msg_existing', body));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ created: false, emailed: 'registration_complete' });
    expect(await people('priya.sharma@contoso.example')).toBe(1);
  });
});
