// A bulk run killed half-way and resumed, across processes: `t1 platform start` on a
// SQLite file delivering to a real SMTP sink, `t1 invitations bulk` spawned and killed
// with SIGKILL once about half its batches are journaled, then run again with --resume.
// Every good row is invited exactly once, with exactly one invitation mail each (in the
// outbox and at the sink), and the resumed run's report lists every row of the file.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parse } from 'csv-parse/sync';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BATCHES_IN_FLIGHT } from '../../src/cli/bulk/pipeline.ts';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { cleanupAll, exitWithin, freshDir, killTestChildren, LISTENING_LINE, runT1, startT1 } from '../helpers/spawn.ts';
import { sleep } from '../helpers/wait.ts';

const EVENT = DEMO_EVENT_SLUGS.upcoming;
const ROWS = 5_000;
const BATCH = 100;

let sink: SmtpSink | undefined;

afterEach(killTestChildren);
afterAll(async () => {
  await sink?.close();
  await cleanupAll();
});


async function until<T>(what: string | (() => string), ms: number, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}.`);
    await sleep(50);
  }
}

describe('t1 invitations bulk, SIGKILLed and resumed (spawned CLI and platform, real SMTP sink)', () => {
  it('invites every good row exactly once, with one mail each', { timeout: 90_000 }, async () => {
    sink = await startSmtpSink();
    const dir = freshDir('t1-bulk-e2e-');
    const db = join(dir, 'p.db');
    const server = startT1(['platform', 'start', '--db', db, '--port', '0', '--demo', '--quiet', '--smtp', sink.url], { home: join(dir, 'server-home'), timeoutMs: 85_000 });
    const [, url] = await server.waitForLine(LISTENING_LINE, 20_000);
    const created = await runT1(['platform', 'token', 'create', '--role', 'agent', '--db', db]);
    expect(created.code, created.stderr).toBe(0);
    const env = { T1_API_URL: url!, T1_TOKEN: created.stdout.trim() };
    const home = join(dir, 'cli-home');

    const lines = ['email,first_name,last_name,company'];
    const good: string[] = [];
    for (let i = 0; lines.length <= ROWS; i++) {
      if (i % 500 === 250) lines.push(`broken-${i},Bad,Row,Contoso`);
      else if (i % 500 === 251) lines.push(`someone${i}@gmail.com,Public,Domain,Contoso`);
      else {
        const email = `resume${i}@tailspin${i % 5}.example`;
        good.push(email);
        lines.push(`${email},First${i},Last${i},"Tailspin, Toys"`);
      }
    }
    const file = join(dir, 'people.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const args = ['invitations', 'bulk', file, '--event', EVENT, '--batch', String(BATCH), '--report', join(dir, 'report.csv'), '--yes', '--reason', 'e2e resume'];

    // 1. The first run, killed once about half of its batches are in the journal.
    const first = startT1(args, { home, env, timeoutMs: 60_000 });
    const journals = join(home, 'data', 'bulk-runs');
    const batches = Math.ceil(good.length / BATCH);
    await until('half of the batches in the journal', 40_000, () => {
      if (first.child.exitCode !== null) throw new Error(`the run ended before it was killed: ${first.stderr()}`);
      if (!existsSync(journals)) return undefined;
      const journal = readdirSync(journals).find((name) => name.endsWith('.jsonl'));
      if (!journal) return undefined;
      const done = readFileSync(join(journals, journal), 'utf8').split('\n').length - 2;
      return done >= batches / 2 ? done : undefined;
    });
    first.child.kill('SIGKILL');
    expect(await exitWithin(first.exited, 5_000)).toMatchObject({ signal: 'SIGKILL' });

    // 2. Again with --resume: the remaining batches, and a report of every row.
    const second = await runT1([...args, '--resume'], { home, env, timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(5);
    const resumed = /Resuming run \S+: 50 batches; the platform committed (\d+), t1 has the outcomes of (\d+)/.exec(second.stderr);
    expect(resumed, second.stderr).not.toBeNull();
    const [committed, journaled] = [Number(resumed![1]), Number(resumed![2])];
    // Killed half-way: some batches were left to send (and the platform may have committed
    // the batches in flight, which the journal does not hold yet: the kill fell between).
    expect(journaled).toBeGreaterThanOrEqual(25);
    expect(journaled).toBeLessThan(50);
    expect(committed - journaled).toBeGreaterThanOrEqual(0);
    expect(committed - journaled).toBeLessThanOrEqual(BATCHES_IN_FLIGHT);
    const report = parse(readFileSync(join(dir, 'report.csv')), { columns: true }) as Record<string, string>[];
    expect(report).toHaveLength(ROWS);
    const invited = report.filter((row) => row.outcome === 'invited').map((row) => row.email);
    expect(invited.sort()).toEqual([...good].sort());
    expect(report.filter((row) => row.outcome === 'failed').map((row) => row.code).sort()).toEqual([
      ...Array(10).fill('invalid_email'),
      ...Array(10).fill('public_domain'),
    ]);

    // 3. Exactly one registration and one invitation mail per good row, in the outbox...
    const database = new DatabaseSync(db, { readOnly: true });
    try {
      const registrations = database
        .prepare("SELECT count(*) AS n FROM registrations r JOIN events e ON e.id = r.event_id JOIN users u ON u.id = r.user_id WHERE e.slug = ? AND r.type = 'bulk' AND u.email LIKE 'resume%'")
        .get(EVENT) as { n: number };
      expect(Number(registrations.n)).toBe(good.length);
      const mails = database
        .prepare("SELECT recipient, count(*) AS n FROM emails WHERE template LIKE 'invitation%' AND recipient LIKE 'resume%' GROUP BY recipient")
        .all() as { recipient: string; n: number }[];
      expect(mails).toHaveLength(good.length);
      expect(mails.every((mail) => Number(mail.n) === 1)).toBe(true);
    } finally {
      database.close();
    }

    // ...and at the SMTP sink, once the platform has delivered them (nothing more after).
    const ours = () => sink!.received.filter((mail) => mail.to.startsWith('resume'));
    await until(() => `${good.length} mails at the sink (${ours().length} so far)`, 40_000, () => (ours().length >= good.length ? true : undefined));
    await sleep(1_500);
    const recipients = ours().map((mail) => mail.to);
    expect(recipients).toHaveLength(good.length);
    expect(new Set(recipients).size).toBe(good.length);
    expect([...new Set(recipients)].sort()).toEqual([...good].sort());

    server.child.kill('SIGTERM');
    await exitWithin(server.exited, 10_000);
  });
});
