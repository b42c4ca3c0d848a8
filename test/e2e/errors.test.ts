// Failures through the real process: an unreachable platform and malformed flags.
import { createServer } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, killTestChildren, runT1 } from '../helpers/spawn.ts';

afterEach(killTestChildren);
afterAll(cleanupAll);

/** A loopback port nobody listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('failures (spawned)', () => {
  it('an unreachable platform exits 1 after retrying, saying it could not reach the platform', async () => {
    const port = await closedPort();
    const result = await runT1(['users', 'find', 'a'], { env: { T1_API_URL: `http://127.0.0.1:${port}`, T1_TOKEN: 'x' } });
    expect(result.timedOut).toBe(false);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/could not reach the platform/i);
    expect(result.stderr).toContain(`127.0.0.1:${port}`);
    expect(result.stderr).toMatch(/after \d+ attempts/); // retried, not given up at once
    expect(result.stderr).toMatch(/T1_API_URL|api-url/); // what to check next
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toMatch(/embedded/i);
  });

  it('--verbose shows each retry on stderr', async () => {
    const port = await closedPort();
    const result = await runT1(['--verbose', 'users', 'find', 'a'], { env: { T1_API_URL: `http://127.0.0.1:${port}`, T1_TOKEN: 'x' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/retry 2 of 4 in \d+ ms \(GET /);
  });

  it('a malformed flag value exits 2 with a usage message on stderr', async () => {
    const result = await runT1(['users', 'find', 'x', '--limit', 'abc']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--limit/);
    expect(result.stderr).toMatch(/usage|--help/i);
    // Parsing fails before any platform is started.
    expect(result.stderr).not.toMatch(/embedded/i);
  });

  it('an out-of-range value and an unknown option are usage errors too', async () => {
    for (const args of [['users', 'find', 'x', '--limit', '0'], ['users', 'find', 'x', '--bogus'], ['users', 'find', 'x', '--status', 'nope'], ['users', 'find']]) {
      const result = await runT1(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/\S/);
    }
  });

  it('an invalid T1_API_URL is a usage error', async () => {
    const result = await runT1(['users', 'find', 'a'], { env: { T1_API_URL: 'not a url', T1_TOKEN: 'x' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not an http:\/\/ or https:\/\/ URL/);
  });
});
