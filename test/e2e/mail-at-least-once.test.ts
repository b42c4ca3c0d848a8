// Mail delivery is at least once. An SMTP server that has taken a mail in (and so will
// deliver it) may lose its "250 OK" with the sender: if the platform dies between the
// server's acceptance and the platform's note that the mail went out, the platform cannot
// know, and sends the mail again after a restart. The copy has the same Message-ID, so a
// receiving system can drop it. Nothing else is sent twice: a mail sent before the crash
// stays sent, a mail queued behind the lost one goes once.
//
// The SMTP server here keeps the mail of the chosen person as delivered, then the
// platform process is SIGKILLed before the server's reply reaches it: the window between
// acceptance and the platform's update, held open on purpose.
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { cleanupAll, exitWithin, freshDir, killTestChildren, LISTENING_LINE, runT1, startT1, type RunningT1 } from '../helpers/spawn.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

afterEach(killTestChildren);
afterAll(cleanupAll);

interface Accepted {
  to: string;
  subject: string;
  messageId: string;
}

interface HeldMail {
  mail: Accepted;
  /** Sends the server's reply to the DATA. */
  reply(): void;
}

/**
 * An SMTP server that keeps every mail it accepts. While `holdFor` names an address, its
 * mails are not answered until the test releases them.
 */
async function startSink() {
  const accepted: Accepted[] = [];
  const held: HeldMail[] = [];
  let holdFor: string | null = null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const first = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
          const mail = { to: (first?.value[0]?.address ?? '').toLowerCase(), subject: parsed.subject ?? '', messageId: parsed.messageId ?? '' };
          if (mail.to === holdFor) held.push({ mail, reply: () => callback() });
          else {
            accepted.push(mail);
            callback();
          }
        },
        (error: Error) => callback(error),
      );
    },
  });
  // A client that died mid-conversation is not the server's failure.
  server.on('error', () => {});
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    accepted,
    held,
    hold(address: string | null) {
      holdFor = address;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}


interface MailLogItem {
  id: string;
  template: string;
  status: string;
  attempts: number;
}

describe('mail delivery when the platform dies right after the SMTP server accepted a mail', () => {
  it('sends that mail again with the same Message-ID after a restart, and no other mail twice', { timeout: 150_000 }, async () => {
    const sink = await startSink();
    try {
      const dir = freshDir('t1-mail-once-more-');
      const db = join(dir, 'p.db');
      const home = join(dir, 'server-home');
      const port = await freePort();
      const start = async (): Promise<RunningT1> => {
        const server = startT1(['platform', 'start', '--db', db, '--port', String(port), '--demo', '--quiet', '--smtp', sink.url], { home, timeoutMs: 140_000 });
        await server.waitForLine(LISTENING_LINE, 20_000);
        return server;
      };
      const url = `http://127.0.0.1:${port}`;
      let platform = await start();
      const created = await runT1(['platform', 'token', 'create', '--role', 'agent', '--db', db]);
      expect(created.code, created.stderr).toBe(0);
      const token = created.stdout.trim();
      const act = async (args: string[]): Promise<string> => {
        const result = await runT1([...args, '--yes', '--json', '--reason', 'delivery test'], { env: { T1_API_URL: url, T1_TOKEN: token } });
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
        const view = JSON.parse(result.stdout) as { emailId?: string; email?: { emailId: string } };
        return (view.email?.emailId ?? view.emailId)!;
      };
      const mailLog = async (recipient: string): Promise<MailLogItem[]> => {
        const response = await fetch(`${url}/v1/users/${encodeURIComponent(recipient)}/emails`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
        return ((await response.json()) as { items: MailLogItem[] }).items;
      };
      const messageIdOf = (emailId: string) => `<${emailId}@t1.platform>`;
      const copies = (emailId: string) => sink.accepted.filter((mail) => mail.messageId === messageIdOf(emailId)).length;

      // 1. A mail that goes out normally, and is recorded as sent, before anything goes wrong.
      const earlier = await act(['password', 'reset', DEMO_EXAMPLES.personWithSeveralRegistrations, '--send']);
      await waitFor('the first mail to be recorded as sent', 15_000, async () =>
        (await mailLog(DEMO_EXAMPLES.personWithSeveralRegistrations)).find((item) => item.id === earlier && item.status === 'sent'),
      );

      // 2. Two mails for one person: the first reaches the server and is held there; the
      //    second waits behind it (one mail of a person at a time).
      const person = DEMO_EXAMPLES.pendingVerificationPerson;
      sink.hold(person);
      const lost = await act(['verification', 'resend', person, '--event', DEMO_EVENT_SLUGS.upcoming, '--force']);
      const held = await waitFor('the mail to reach the SMTP server', 15_000, () => sink.held[0]);
      const behind = await act(['password', 'reset', person, '--send']);
      expect(held.mail.messageId).toBe(messageIdOf(lost));

      // 3. The server accepts the mail; the platform dies before it hears so.
      sink.accepted.push(held.mail);
      sink.hold(null);
      platform.child.kill('SIGKILL');
      expect(await exitWithin(platform.exited, 5_000)).toMatchObject({ signal: 'SIGKILL' });
      held.reply();
      expect(copies(lost)).toBe(1);

      // 4. After a restart, the mail goes again once its claim by the dead process has
      //    lapsed (a minute), and the one queued behind it follows.
      platform = await start();
      await waitFor('the lost mail and the one behind it', 100_000, () => (copies(lost) === 2 && copies(behind) === 1 ? true : undefined));
      // A little over one more poll of the delivery worker: nothing else arrives.
      await sleep(1_500);

      expect(copies(lost)).toBe(2);
      expect(copies(behind)).toBe(1);
      expect(copies(earlier)).toBe(1);
      expect(sink.accepted).toHaveLength(4);
      const repeated = sink.accepted.filter((mail) => mail.messageId === messageIdOf(lost));
      expect(repeated[1]).toEqual(repeated[0]);
      const log = await mailLog(person);
      expect(log.find((item) => item.id === lost)).toMatchObject({ status: 'sent', template: 'verify_account' });
      expect(log.find((item) => item.id === behind)).toMatchObject({ status: 'sent', template: 'password_reset' });

      platform.child.kill('SIGTERM');
      expect(await exitWithin(platform.exited, 5_000)).toEqual({ code: 0, signal: null });
    } finally {
      await sink.close();
    }
  });
});
