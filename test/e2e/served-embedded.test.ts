// No split brain in the demo: while `t1 platform start` (without --db) serves the embedded
// database of a T1_HOME, t1 commands with that T1_HOME and no platform configured talk to
// that running platform (its SMTP, its pages) instead of opening the file in-process. A
// serving file left behind by a platform that is gone changes nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { cleanupAll, exitWithin, freshDir, killTestChildren, LISTENING_LINE, runT1, startT1 } from '../helpers/spawn.ts';

let sink: SmtpSink | undefined;

afterEach(killTestChildren);
afterAll(async () => {
  await sink?.close();
  await cleanupAll();
});

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

const person = DEMO_EXAMPLES.pendingVerificationPerson;
const event = DEMO_EVENT_SLUGS.upcoming;
const resend = ['verification', 'resend', person, '--event', event, '--yes', '--force'];

/** A process id that no longer runs (a child that has exited). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

function writeServingFile(home: string, record: { url: string; pid: number }): void {
  mkdirSync(join(home, 'data'), { recursive: true });
  writeFileSync(join(home, 'data', 'serving.json'), JSON.stringify({ ...record, startedAt: new Date().toISOString() }), { mode: 0o600 });
}

describe('a served embedded platform (spawned)', () => {
  it('commands without a configured platform use the one "t1 platform start" serves: its SMTP sends the mail', async () => {
    sink = await startSmtpSink();
    const home = freshDir('t1-home-');
    const server = startT1(['platform', 'start', '--smtp', sink.url, '--port', '0', '--quiet'], { home });
    const [, url] = await server.waitForLine(LISTENING_LINE);
    const pid = server.child.pid!;

    const servingFile = join(home, 'data', 'serving.json');
    expect(JSON.parse(readFileSync(servingFile, 'utf8'))).toMatchObject({ url, pid });
    expect(statSync(servingFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'data', 'cli-token')).mode & 0o777).toBe(0o600);

    const result = await runT1(resend, { home });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/verify your account/);
    expect(lines(result.stderr)).toEqual([`Using the platform served by "t1 platform start" at ${url} (pid ${pid}).`]);

    // Sent by the served platform's SMTP, with links to its pages (the port it bound).
    const mail = await sink.nextMail(person, { after: 0 });
    expect(mail.link.startsWith(`${url}/verify/`)).toBe(true);
    const page = await fetch(mail.link);
    expect(page.status).toBe(200);

    // Reads go to the same platform, with the same notice.
    const status = await runT1(['status', person, '--event', event, '--json'], { home });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ kind: 'status' });
    expect(status.stderr).toMatch(/served by "t1 platform start"/);

    server.child.kill('SIGTERM');
    const { code } = await exitWithin(server.exited, 5_000);
    expect(code).toBe(0);
    expect(existsSync(servingFile)).toBe(false);

    // Stopped: back to the in-process platform.
    const after = await runT1(['status', person, '--event', event, '--json'], { home });
    expect(after.code, after.stderr).toBe(0);
    expect(lines(after.stderr)).toHaveLength(1);
    expect(after.stderr).toMatch(/Using the embedded demo platform/);
  });

  it('a stale serving file (dead pid) falls back to the in-process platform', async () => {
    const home = freshDir('t1-home-');
    writeServingFile(home, { url: 'http://127.0.0.1:1', pid: deadPid() });

    const result = await runT1(resend, { home });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/verify your account/);
    const notices = lines(result.stderr);
    expect(notices, result.stderr).toHaveLength(1);
    expect(notices[0]).toMatch(/Using the embedded demo platform/);
  });

  it('a serving file whose process is alive but does not answer falls back within about a second', async () => {
    const home = freshDir('t1-home-');
    // Accepts connections and never answers: the health check must give up on its own.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const { port } = silent.address() as { port: number };
    try {
      writeServingFile(home, { url: `http://127.0.0.1:${port}`, pid: process.pid });
      writeFileSync(join(home, 'data', 'cli-token'), 'not-a-token\n', { mode: 0o600 });
      const baseline = await runT1(['users', 'find', DEMO_EXAMPLES.searchName], { home: freshDir('t1-home-') });
      const result = await runT1(['users', 'find', DEMO_EXAMPLES.searchName], { home });
      expect(result.code, result.stderr).toBe(0);
      expect(lines(result.stdout).length).toBeGreaterThanOrEqual(2);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(/Using the embedded demo platform/);
      expect(sockets.size).toBeGreaterThan(0); // it did ask
      expect(result.ms - baseline.ms).toBeLessThan(3_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => silent.close(() => done()));
    }
  });
});
