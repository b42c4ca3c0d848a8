// `t1 platform start` stops gracefully on SIGTERM: requests in flight get their answers
// while new connections are refused and /readyz says 503, the mails being sent are
// finished, the mails claimed but not started are handed back (lease_until cleared) for
// another instance, and the process exits 0. Spawned platform, real SMTP server.
//
// Slow requests are real: failed staff sign-ins are answered more slowly each time (0.25 s,
// 0.5 s, 1 s, 2 s, 4 s). Mails are held by an SMTP server that keeps each message
// unanswered until the test lets it go.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/platform/storage/database.ts';
import type { Database } from '../../src/platform/storage/schema.ts';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';
import { cleanupAll, exitWithin, freshDir, killTestChildren, LISTENING_LINE, runT1, startT1 } from '../helpers/spawn.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const scratches: ScratchDatabase[] = [];
afterEach(killTestChildren);
afterAll(async () => {
  await cleanupAll();
  for (const scratch of scratches) await scratch.drop();
});


/** Resolves with the error code of a new TCP connection: 'connected' when it was taken. */
function tryConnect(port: number): Promise<string> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? 'error'));
  });
}

const WRONG_LOGIN = JSON.stringify({ email: DEMO_EXAMPLES.adminStaff, password: 'not-the-password' });

/**
 * A GET /readyz whose headers are only half sent: the connection is busy, not idle, so a
 * stopping server keeps it until the request is finished with `finish()`.
 */
async function halfSentReadyz(port: number): Promise<{ finish(): void; answer: Promise<string> }> {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise((done) => socket.once('connect', done));
  socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  let text = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const answer = new Promise<string>((done) => socket.once('close', () => done(text)));
  return { finish: () => socket.write('\r\n'), answer };
}

async function failedSignIn(url: string): Promise<{ status: number; at: number }> {
  const response = await fetch(`${url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: WRONG_LOGIN });
  await response.text();
  return { status: response.status, at: Date.now() };
}

describe('graceful shutdown of t1 platform start', () => {
  it('answers the requests in flight, refuses new connections, says 503 on /readyz and exits 0', { timeout: 40_000 }, async () => {
    const dir = freshDir('t1-graceful-');
    const server = startT1(['platform', 'start', '--db', join(dir, 'p.db'), '--port', '0', '--demo', '--quiet'], { timeoutMs: 35_000 });
    const [, url, port] = await server.waitForLine(LISTENING_LINE, 20_000);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    // Two failures first, so the next ones are held back 1 s, 2 s and 4 s.
    for (let i = 0; i < 2; i++) expect((await failedSignIn(url!)).status).toBe(401);
    const readyz = await halfSentReadyz(Number(port));
    const slow = [failedSignIn(url!), failedSignIn(url!), failedSignIn(url!)];
    await sleep(400);

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    // The listener closes at once, while the slow answers are still to come.
    const refused = await waitFor('new connections to be refused', 2_000, async () => ((await tryConnect(Number(port))) === 'ECONNREFUSED' ? true : undefined));
    expect(refused).toBe(true);
    const refusedAt = Date.now();

    const answers = await Promise.all(slow);
    for (const answer of answers) expect(answer.status).toBe(401);
    expect(Math.max(...answers.map((answer) => answer.at))).toBeGreaterThan(refusedAt);
    // A request finished after the signal on a connection opened before it: /readyz says
    // 503 in the error envelope, and the connection is closed after the answer.
    readyz.finish();
    const answer = await readyz.answer;
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/connection: close/i);
    const envelope = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string; details: { reason: string } } };
    expect(envelope.error).toMatchObject({ code: 'unavailable', details: { reason: 'stopping' } });

    expect(await exitWithin(server.exited, 10_000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(9_000);
    expect(server.stderr()).toMatch(/Stopping \(SIGTERM\)/);
    expect(server.stderr()).toMatch(/Stopped \(SIGTERM\)\./);
  });

  it('a second signal ends the process at once, without waiting for the requests in flight', { timeout: 30_000 }, async () => {
    const dir = freshDir('t1-graceful-');
    const server = startT1(['platform', 'start', '--db', join(dir, 'p.db'), '--port', '0', '--demo', '--quiet'], { timeoutMs: 25_000 });
    const [, url] = await server.waitForLine(LISTENING_LINE, 20_000);
    for (let i = 0; i < 4; i++) expect((await failedSignIn(url!)).status).toBe(401);
    // Held back 4 s.
    const slow = failedSignIn(url!).catch(() => ({ status: 0, at: Date.now() }));
    await sleep(300);
    server.child.kill('SIGTERM');
    await sleep(200);
    const secondAt = Date.now();
    server.child.kill('SIGTERM');
    const exit = await exitWithin(server.exited, 3_000);
    expect(Date.now() - secondAt).toBeLessThan(2_000);
    expect(exit.code === 0 && exit.signal === null).toBe(false);
    expect((await slow).status).toBe(0);
  });
});

/** An SMTP server that takes each message in but answers it only once released. */
async function holdingSmtpServer() {
  const accepted: string[] = [];
  let held: (() => void)[] = [];
  let releasing = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          const answer = () => {
            accepted.push((mail.messageId ?? '').replace(/^<|>$/g, ''));
            callback();
          };
          if (releasing) answer();
          else held.push(answer);
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    held: () => held.length,
    /** Answers the held messages and every later one. */
    release() {
      releasing = true;
      for (const answer of held) answer();
      held = [];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const postgresUp = await postgresReachable();

async function openDb(location: string): Promise<Db> {
  if (!location.startsWith('postgres')) return openDatabase({ location });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: location, max: 2 }) }) });
}

const MAILS = 30;

describe.each([
  { name: 'SQLite', postgres: false },
  { name: 'PostgreSQL', postgres: true },
])('graceful shutdown with mail in flight ($name)', ({ postgres }) => {
  it.runIf(!postgres || postgresUp)('finishes the mails being sent, hands back the claimed ones and exits 0', { timeout: 60_000 }, async () => {
    const smtp = await holdingSmtpServer();
    const dir = freshDir('t1-graceful-mail-');
    let location = join(dir, 'p.db');
    const env: Record<string, string> = {};
    if (postgres) {
      const scratch = await scratchDatabase('t1_graceful');
      scratches.push(scratch);
      location = scratch.url;
      env.T1_SECRET_KEY = randomBytes(32).toString('hex');
    }
    const db = await openDb(location);
    try {
      // Not --quiet: the request log's JSON lines carry what the mail worker reports.
      const server = startT1(['platform', 'start', '--db', location, '--port', '0', '--demo', '--smtp', smtp.url], { env, timeoutMs: 55_000 });
      const [, url] = await server.waitForLine(LISTENING_LINE, 20_000);
      const created = await runT1(['platform', 'token', 'create', '--role', 'agent', '--db', location], { env });
      expect(created.code, created.stderr).toBe(0);
      const token = created.stdout.trim();

      const rows = Array.from({ length: MAILS }, (_, i) => ({ row: i + 2, email: `held.${i}@contoso.example`, firstName: 'Held', lastName: `Person${i}` }));
      const response = await fetch(`${url}/v1/events/${DEMO_EVENT_SLUGS.upcoming}/invitations/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ run: `graceful-${randomBytes(4).toString('hex')}`, file: 'held.csv', batch: 0, last: true, reason: 'shutdown test', rows }),
      });
      const body = (await response.json()) as { counts: { invited: number } };
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.counts.invited).toBe(MAILS);
      const ours = () => db.selectFrom('emails').select(['id', 'status', 'lease_until', 'attempts', 'message_id']).where('recipient', 'like', 'held.%').execute();

      // The worker has as many mails in flight as it sends at once; the SMTP server holds them.
      const inFlight = await waitFor('mails held by the SMTP server', 15_000, async () => {
        const count = smtp.held();
        await sleep(300);
        return count > 0 && count === smtp.held() ? count : undefined;
      });
      expect(inFlight).toBeLessThan(MAILS);

      server.child.kill('SIGTERM');
      await sleep(300);
      expect(smtp.accepted).toHaveLength(0);
      // The held mails go through now; nothing new is taken.
      smtp.release();
      expect(await exitWithin(server.exited, 15_000)).toEqual({ code: 0, signal: null });

      const mails = await ours();
      const sent = mails.filter((mail) => mail.status === 'sent');
      expect(sent).toHaveLength(inFlight);
      expect(smtp.accepted.sort()).toEqual(sent.map((mail) => mail.message_id.replace(/^<|>$/g, '')).sort());
      const left = mails.filter((mail) => mail.status !== 'sent');
      expect(left).toHaveLength(MAILS - inFlight);
      for (const mail of left) expect(mail).toMatchObject({ status: 'queued', lease_until: null, attempts: 0 });

      // Some were claimed after the signal (or before it, in a batch) and were handed back.
      const released = [...server.stderr().matchAll(/Released (\d+) claimed email/g)].reduce((sum, match) => sum + Number(match[1]), 0);
      expect(released).toBeGreaterThan(0);
    } finally {
      await db.destroy();
      await smtp.close();
    }
  });
});
