// The acceptance test of the foundation, across processes: seed a database and issue a
// token with the CLI, run `t1 platform start` as its own process, point another t1
// process at it, and stop the server with a signal.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { exitWithin, freshDir, cleanupAll, killTestChildren, LISTENING_LINE, runT1, startT1, type RunningT1 } from '../helpers/spawn.ts';

let dir: string;
let db: string;
let token: string;

beforeAll(async () => {
  dir = freshDir('t1-platform-');
  db = join(dir, 'p.db');
  const seed = await runT1(['platform', 'seed', '--demo', '--db', db]);
  expect(seed.code, seed.stderr).toBe(0);
  expect(seed.stdout).toMatch(/Seeded the demo organisation/);

  const created = await runT1(['platform', 'token', 'create', '--role', 'agent', '--db', db]);
  expect(created.code, created.stderr).toBe(0);
  token = created.stdout.trim();
  expect(token).toMatch(/^\S+$/); // the token alone on stdout; notices on stderr
  expect(created.stderr).toMatch(/agent token/);
});

afterEach(killTestChildren);
afterAll(cleanupAll);

async function startServer(options: { shared?: boolean } = {}): Promise<{ server: RunningT1; url: string }> {
  const server = startT1(['platform', 'start', '--db', db, '--port', '0', '--quiet'], { home: join(dir, 'server-home'), shared: options.shared });
  const [, url] = await server.waitForLine(LISTENING_LINE);
  return { server, url: url! };
}

/** Environment that points a t1 process at `url` with `token` (or none). */
function client(url: string, tokenValue?: string): Record<string, string | undefined> {
  return { T1_API_URL: url, T1_TOKEN: tokenValue };
}

describe('t1 against a separately started platform (spawned)', () => {
  it('status works over HTTP with the created token; a wrong token exits 4 with a hint; SIGTERM stops the server cleanly', async () => {
    const { server, url } = await startServer();

    const status = await runT1(['status', DEMO_EXAMPLES.personWithOneRegistration], { env: client(url, token) });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^Status\t\S/m);
    expect(status.stdout).toMatch(/^Stage\t\S/m);
    expect(status.stdout).toContain(DEMO_EXAMPLES.personWithOneRegistration);
    expect(status.stderr).not.toMatch(/embedded/i);

    const json = await runT1(['status', DEMO_EXAMPLES.personWithOneRegistration, '--json'], { env: client(url, token) });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'status', user: { email: DEMO_EXAMPLES.personWithOneRegistration } });

    const wrong = await runT1(['status', DEMO_EXAMPLES.personWithOneRegistration], { env: client(url, `${token}x`) });
    expect(wrong.code).toBe(4);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(/^Error: .+/);
    expect(wrong.stderr).toMatch(/t1 login|T1_TOKEN/);
    expect(wrong.stderr).not.toMatch(/\n\s+at /);

    const started = Date.now();
    server.child.kill('SIGTERM');
    const { code, signal } = await exitWithin(server.exited, 5_000);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.stderr()).toMatch(/Stopped \(SIGTERM\)/);
  });

  it('SIGINT (Ctrl-C) stops the server with exit code 0', async () => {
    const { server, url } = await startServer();
    // A request first, so a kept-alive connection must not hold the server open.
    const health = await fetch(`${url}/v1/health`);
    expect(await health.json()).toMatchObject({ ok: true });

    server.child.kill('SIGINT');
    const { code, signal } = await exitWithin(server.exited, 5_000);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toMatch(/Stopped \(SIGINT\)/);
  });

  describe('exit codes through the real process', () => {
    let url: string;
    let server: RunningT1;

    beforeAll(async () => {
      ({ server, url } = await startServer({ shared: true }));
    });
    afterAll(async () => {
      server.child.kill('SIGTERM');
      await exitWithin(server.exited, 5_000);
    });

    it('an unknown person exits 3', async () => {
      for (const args of [['status', 'nobody@nowhere.example'], ['users', 'show', 'nobody@nowhere.example']]) {
        const result = await runT1(args, { env: client(url, token) });
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(3);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(/nobody@nowhere\.example/);
      }
    });

    it('no token with T1_API_URL set exits 4 with a hint', async () => {
      const result = await runT1(['status', DEMO_EXAMPLES.personWithOneRegistration], { env: client(url) });
      expect(result.code).toBe(4);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/t1 login|T1_TOKEN/);
      expect(result.stderr).not.toMatch(/embedded/i);
    });

    it('--json errors keep stdout free of non-JSON text', async () => {
      const result = await runT1(['status', 'nobody@nowhere.example', '--json'], { env: client(url, token) });
      expect(result.code).toBe(3);
      if (result.stdout.trim() !== '') expect(() => JSON.parse(result.stdout)).not.toThrow();
    });

    it('--api-url beats T1_API_URL (flag > environment)', async () => {
      const result = await runT1(['--api-url', url, 'status', DEMO_EXAMPLES.personWithOneRegistration, '--json'], {
        env: { T1_API_URL: 'http://127.0.0.1:1', T1_TOKEN: token },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ kind: 'status' });
    });
  });

  // With --port 0 the platform's links must use the port it actually bound, not ":0".
  it('on --port 0 without --public-url, links the platform hands out use the bound port', async () => {
    const { server, url } = await startServer();
    const line = server.stdout().split('\n')[0]!;
    expect(line).toContain(`public URL ${url}`);

    const res = await fetch(`${url}/v1/events/${DEMO_EVENT_SLUGS.upcoming}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const event = (await res.json()) as { registrationUrl: string };
    expect(event.registrationUrl).toBe(`${url}/e/${DEMO_EVENT_SLUGS.upcoming}/register`);

    server.child.kill('SIGTERM');
    await exitWithin(server.exited, 5_000);
  });
});
