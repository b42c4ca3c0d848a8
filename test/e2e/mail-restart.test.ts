// Mail survives a crash of the platform: emails queued (in the outbox, not yet delivered)
// when the platform process is killed with SIGKILL are delivered after it starts again on
// the same database, each exactly once, and a further restart sends none of them again.
//
// How the mails are kept queued: the first platform's --smtp names a closed port, so each
// mail's first attempt fails at once and the mail waits for its retry, 30 s later (the
// delivery worker's first backoff). The platform is killed with every mail in that state
// and no attempt in flight; the second platform, pointed at a live SMTP sink, sends them
// when the retry falls due. (A mail whose attempt is in flight at the kill keeps its
// 60-second lease before it is due again, so this test leaves none in flight.)
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { cleanupAll, exitWithin, freshDir, killTestChildren, LISTENING_LINE, runT1, startT1, type RunningT1 } from '../helpers/spawn.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

let sink: SmtpSink | undefined;

afterEach(killTestChildren);
afterAll(async () => {
  await sink?.close();
  await cleanupAll();
});

/** A loopback port nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

interface QueuedMail {
  emailId: string;
  template: string;
  recipient: string;
}

interface MailLogItem {
  id: string;
  template: string;
  subject: string;
  recipient: string;
  status: string;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
}


describe('mail delivery across a platform crash (spawned platform, real SMTP sink)', () => {
  it('mails queued when the platform is SIGKILLed are delivered once after it restarts on the same database', { timeout: 70_000 }, async () => {
    sink = await startSmtpSink();
    const dir = freshDir('t1-mail-restart-');
    const db = join(dir, 'p.db');
    const home = join(dir, 'server-home');
    // One port for every run, so the links the first run put in the mails stay good.
    const port = await closedPort();
    let deadSmtpPort = await closedPort();
    while (deadSmtpPort === port) deadSmtpPort = await closedPort();
    const start = async (smtp: string): Promise<{ server: RunningT1; url: string }> => {
      const server = startT1(['platform', 'start', '--db', db, '--port', String(port), '--demo', '--quiet', '--smtp', smtp], { home, timeoutMs: 65_000 });
      const [, url] = await server.waitForLine(LISTENING_LINE, 20_000);
      expect(url).toBe(`http://127.0.0.1:${port}`);
      return { server, url: url! };
    };

    // 1. A platform whose SMTP server cannot be reached.
    const first = await start(`smtp://127.0.0.1:${deadSmtpPort}`);
    const created = await runT1(['platform', 'token', 'create', '--role', 'agent', '--db', db]);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    const agent = (url: string) => ({ T1_API_URL: url, T1_TOKEN: token });

    // 2. Several support actions, each queuing one email (in parallel, to keep the test short).
    const { pendingVerificationPerson: priyaN, personWithSeveralRegistrations: priyaS, twoFactorPerson: hiroshi } = DEMO_EXAMPLES;
    const actions: string[][] = [
      ['verification', 'resend', priyaN, '--event', DEMO_EVENT_SLUGS.upcoming, '--force'],
      ['verification', 'resend', priyaS, '--event', DEMO_EVENT_SLUGS.ended, '--force'],
      ['password', 'reset', priyaS, '--send'],
      ['password', 'reset', hiroshi, '--send'],
      ['password', 'reset', priyaN, '--send'],
    ];
    const results = await Promise.all(
      actions.map((args) => runT1([...args, '--yes', '--json', '--reason', 'crash test'], { env: agent(first.url) })),
    );
    const queued: QueuedMail[] = results.map((result, index) => {
      expect(result.code, `${actions[index]!.join(' ')}: ${result.stderr}`).toBe(0);
      const view = JSON.parse(result.stdout) as QueuedMail & { delivery: string; email?: QueuedMail & { delivery: string } };
      const mail = view.email ?? view;
      expect(mail.delivery).toBe('queued');
      return { emailId: mail.emailId, template: mail.template, recipient: mail.recipient };
    });
    expect(queued.map((mail) => mail.template).sort()).toEqual(['password_reset', 'password_reset', 'password_reset', 'registration_complete', 'verify_account']);
    const recipients = [...new Set(queued.map((mail) => mail.recipient))];

    const ours = (items: MailLogItem[]) => items.filter((item) => queued.some((mail) => mail.emailId === item.id));
    // The mail log over the API (cheap, for polling) and through `t1 mail log` (what an agent sees).
    const mailLogApi = async (url: string): Promise<MailLogItem[]> => {
      const items: MailLogItem[] = [];
      for (const recipient of recipients) {
        const response = await fetch(`${url}/v1/users/${encodeURIComponent(recipient)}/emails`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
        items.push(...((await response.json()) as { items: MailLogItem[] }).items);
      }
      return ours(items);
    };
    const mailLogCli = async (url: string): Promise<MailLogItem[]> => {
      const logs = await Promise.all(recipients.map((recipient) => runT1(['mail', 'log', recipient, '--json'], { env: agent(url) })));
      return ours(
        logs.flatMap((log) => {
          expect(log.code, log.stderr).toBe(0);
          return (JSON.parse(log.stdout) as { items: MailLogItem[] }).items;
        }),
      );
    };

    // Every mail has had its one failed attempt and waits for the retry: nothing in flight.
    const waiting = await waitFor('the first delivery attempts', 10_000, async () => {
      const items = await mailLogApi(first.url);
      return items.length === queued.length && items.every((item) => item.status === 'queued' && item.attempts === 1) ? items : undefined;
    });
    for (const item of waiting) expect(item.lastError).toMatch(/ECONNREFUSED/);

    // 3. Crash.
    first.server.child.kill('SIGKILL');
    expect(await exitWithin(first.server.exited, 5_000)).toMatchObject({ signal: 'SIGKILL' });
    expect(sink.received).toHaveLength(0);

    // 4. Start again on the same database, now with a live SMTP server.
    const second = await start(sink.url);
    await waitFor(`${queued.length} mails at the SMTP sink`, 40_000, () => (sink!.received.length >= queued.length ? true : undefined));
    // A little over one more poll of the delivery worker (every second): nothing else arrives.
    await sleep(1_500);

    // Exactly once, by Message-ID...
    const byMessageId = new Map<string, number>();
    for (const mail of sink.received) {
      const id = (mail.messageId ?? '').replace(/^<|>$/g, '');
      byMessageId.set(id, (byMessageId.get(id) ?? 0) + 1);
    }
    expect(Object.fromEntries(byMessageId)).toEqual(Object.fromEntries(queued.map((mail) => [`${mail.emailId}@t1.platform`, 1])));
    // ... and by recipient and template (the subject names the template).
    const delivered = await mailLogCli(second.url);
    const expected = delivered.map((item) => `${item.recipient} | ${item.subject}`).sort();
    const received = sink.received.map((mail) => `${mail.to} | ${mail.subject}`).sort();
    expect(received).toEqual(expected);
    expect(new Set(delivered.map((item) => item.template))).toEqual(new Set(queued.map((mail) => mail.template)));
    // The links written before the crash lead to the restarted platform, and work.
    for (const mail of sink.received) expect(mail.link.startsWith(`${second.url}/`), mail.text).toBe(true);
    const verify = sink.received.find((mail) => mail.to === priyaN && /verify/i.test(mail.link));
    expect(verify, 'the verification mail').toBeDefined();
    const page = await fetch(verify!.link);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<form[^>]+method="post"/i);

    // 5. The mail log says sent: two attempts, the first one's error kept.
    for (const item of delivered) {
      expect(item, `${item.recipient} ${item.template}`).toMatchObject({ status: 'sent', attempts: 2 });
      expect(item.sentAt).not.toBeNull();
      expect(item.lastError).toMatch(/ECONNREFUSED/);
    }
    const table = await runT1(['mail', 'log', priyaS], { env: agent(second.url) });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n').filter((line) => /\tsent\b[^\t]*\t2\t/.test(line))).toHaveLength(2);

    // 6. Kill and restart once more: sent mail is never sent again.
    second.server.child.kill('SIGKILL');
    await exitWithin(second.server.exited, 5_000);
    const third = await start(sink.url);
    await sleep(1_500); // its first pass runs at start, the next a second later
    expect(sink.received).toHaveLength(queued.length);
    third.server.child.kill('SIGTERM');
    expect(await exitWithin(third.server.exited, 5_000)).toEqual({ code: 0, signal: null });
  });
});
