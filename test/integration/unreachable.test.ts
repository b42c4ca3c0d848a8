import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { closedPort, lines, removeScratch, scratch } from './support.ts';

/** A platform that accepts connections and never says a word. */
async function silentServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const REACH_HINT = 'Check that the platform is running and that the API URL (t1 config get api-url, T1_API_URL) is right.';

/** The error report alone: what happened, what to check, and the request id t1 sent. */
function expectOnlyReachError(shown: string[], error: string): void {
  expect(shown.slice(0, 2)).toEqual([error, REACH_HINT]);
  for (const line of shown.slice(2)) expect(line).toMatch(/request id/i);
}

afterAll(removeScratch);

describe('an unreachable platform', () => {
  it('exit 1: could not reach the platform after 4 attempts, with what to check', async () => {
    const port = await closedPort();
    const result = await runT1(['users', 'find', 'priya'], {
      env: { T1_API_URL: `http://127.0.0.1:${port}`, T1_TOKEN: 't1_whatever', T1_HOME: scratch() },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expectOnlyReachError(lines(result.stderr), `Error: Could not reach the platform at http://127.0.0.1:${port} (connection refused) after 4 attempts.`);
  });

  it('--verbose tells each retry on stderr, naming the call', async () => {
    const port = await closedPort();
    const result = await runT1(['events', 'list', '--verbose'], {
      env: { T1_API_URL: `http://127.0.0.1:${port}`, T1_TOKEN: 't1_whatever', T1_HOME: scratch() },
    });
    expect(result.exitCode).toBe(1);
    const retries = lines(result.stderr).filter((line) => line.startsWith('Platform not answering'));
    expect(retries.map((line) => line.replace(/ in \d+ ms/, ''))).toEqual([
      'Platform not answering (connection refused), retry 2 of 4 (GET /v1/events?limit=[redacted])...',
      'Platform not answering (connection refused), retry 3 of 4 (GET /v1/events?limit=[redacted])...',
      'Platform not answering (connection refused), retry 4 of 4 (GET /v1/events?limit=[redacted])...',
    ]);
  });

  it('on a terminal, a line before each retry, then the error', async () => {
    const port = await closedPort();
    const result = await runT1(['events', 'list'], {
      tty: true,
      env: { T1_API_URL: `http://127.0.0.1:${port}`, T1_TOKEN: 't1_whatever', T1_HOME: scratch() },
    });
    expect(result.exitCode).toBe(1);
    const shown = lines(result.stderr).map((line) => line.replace(/ in \d+ ms/, ''));
    expect(shown.slice(0, 3)).toEqual([
      'Platform not answering (connection refused), retry 2 of 4...',
      'Platform not answering (connection refused), retry 3 of 4...',
      'Platform not answering (connection refused), retry 4 of 4...',
    ]);
    expectOnlyReachError(shown.slice(3), `Error: Could not reach the platform at http://127.0.0.1:${port} (connection refused) after 4 attempts.`);
  });

  it('an API URL that is not a URL is a usage error (exit 2)', async () => {
    const result = await runT1(['users', 'find', 'priya'], { env: { T1_API_URL: 'not a url', T1_TOKEN: 'x', T1_HOME: scratch() } });
    expect(result.exitCode).toBe(2);
    expect(lines(result.stderr)[0]).toBe('Error: The API URL "not a url" from T1_API_URL is not an http:// or https:// URL.');
  });
});

describe('a platform that never answers', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => {
    silent = await silentServer();
  });
  afterAll(async () => {
    await silent.close();
  });

  it('piped: waits T1_TIMEOUT per attempt, and stderr holds only the final error', async () => {
    const before = silent.connections();
    const result = await runT1(['events', 'list'], {
      env: { T1_API_URL: silent.url, T1_TOKEN: 't1_whatever', T1_TIMEOUT: '1', T1_HOME: scratch() },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expectOnlyReachError(lines(result.stderr), `Error: Could not reach the platform at ${silent.url} (timed out waiting for a response) after 4 attempts.`);
    expect(silent.connections() - before).toBe(4);
  }, 20_000);
});

describe('the request trace (--debug, T1_DEBUG=http)', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(async () => {
    await platform.close();
  });

  const TRACE = /^\[http\] GET \/v1\/users\?q=\[redacted\]&limit=\[redacted\] -> 200 in \d+ ms \(attempt 1 of 4, request id t1-[0-9a-f-]{36}, platform id req_\w+\)$/;

  it('--debug traces each request on stderr and leaves stdout as it was', async () => {
    const plain = await runT1(['users', 'find', DEMO_EXAMPLES.searchName], { env: platform.env() });
    const traced = await runT1(['--debug', 'users', 'find', DEMO_EXAMPLES.searchName], { env: platform.env() });
    expect(traced.exitCode).toBe(0);
    expect(traced.stdout).toBe(plain.stdout);
    expect(lines(traced.stderr)).toHaveLength(1);
    expect(lines(traced.stderr)[0]).toMatch(TRACE);
  });

  it('T1_DEBUG=http does the same, and the trace never shows the token or what was searched', async () => {
    const result = await runT1(['users', 'find', DEMO_EXAMPLES.searchName], { env: { ...platform.env(), T1_DEBUG: 'http' } });
    expect(result.exitCode).toBe(0);
    expect(lines(result.stderr)[0]).toMatch(TRACE);
    expect(result.stderr).not.toContain(platform.tokens.agent);
    expect(result.stderr).not.toContain(DEMO_EXAMPLES.searchName);
    expect(result.stderr).not.toMatch(/bearer|authorization/i);
  });

  it('traces the status of a refused call', async () => {
    const result = await runT1(['--debug', 'users', 'show', 'nobody@contoso.example'], { env: platform.env() });
    expect(result.exitCode).toBe(3);
    expect(lines(result.stderr)[0]).toMatch(/^\[http\] GET \/v1\/users\/nobody%40contoso\.example -> 404 in \d+ ms \(attempt 1 of 4, request id t1-/);
  });

  it('traces every attempt against a closed port, then the error', async () => {
    const port = await closedPort();
    const result = await runT1(['--debug', 'events', 'list'], {
      env: { T1_API_URL: `http://127.0.0.1:${port}`, T1_TOKEN: 't1_whatever', T1_HOME: scratch() },
    });
    expect(result.exitCode).toBe(1);
    const out = lines(result.stderr);
    expect(out.slice(0, 4).map((line) => line.replace(/after \d+ ms/, 'after N ms').replace(/t1-[0-9a-f-]{36}/, 'ID'))).toEqual(
      [1, 2, 3, 4].map((n) => `[http] GET /v1/events?limit=[redacted] -> connection refused after N ms (attempt ${n} of 4, request id ID)`),
    );
    // One call: the same request id on every attempt.
    expect(new Set(out.slice(0, 4).map((line) => line.match(/t1-[0-9a-f-]{36}/)![0])).size).toBe(1);
    expectOnlyReachError(out.slice(4), `Error: Could not reach the platform at http://127.0.0.1:${port} (connection refused) after 4 attempts.`);
    // The error names the same id the trace showed.
    expect(out.slice(6).join('\n')).toContain(out[0]!.match(/t1-[0-9a-f-]{36}/)![0]);
  });

  it('a T1_DEBUG topic t1 does not know is named on stderr, and nothing is traced', async () => {
    const result = await runT1(['users', 'find', DEMO_EXAMPLES.searchName], { env: { ...platform.env(), T1_DEBUG: 'htp' } });
    expect(result.exitCode).toBe(0);
    expect(lines(result.stderr)).toEqual(['T1_DEBUG names "htp", which t1 does not trace; use T1_DEBUG=http.']);
  });
});
