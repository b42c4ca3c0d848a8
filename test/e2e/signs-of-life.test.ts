// While t1 waits for a platform that does not answer, a terminal shows a spinner and a line
// before each retry; a pipe gets only the final error. t1 runs on a real pseudo-terminal
// (test/helpers/pty_driver.py, or util-linux `script` for the raw bytes) against loopback
// servers that accept and stay silent, or refuse.
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { cleanTerminal, hasPython3, startT1InPty } from '../helpers/pty.ts';
import { BIN, cleanupAll, killTestChildren, runCommand, runT1, shellQuote, type RunResult } from '../helpers/spawn.ts';

const hasScript = existsSync('/usr/bin/script');

/**
 * `t1 ...args` on a 100-column terminal from util-linux `script`, for the raw bytes it
 * shows (stdout and stderr merged). `script` leaves the terminal's size at 0 x 0, a
 * terminal t1 draws no spinner on, hence the stty.
 */
function runOnTerminal(args: string[], env: Record<string, string>, timeoutMs = 25_000): Promise<RunResult> {
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  return runCommand('/usr/bin/script', ['-qec', `stty cols 100 rows 40 && exec ${command}`, '/dev/null'], {
    env: { TERM: 'xterm-256color', ...env },
    timeoutMs,
  });
}

interface Connection {
  openedAt: number;
}

/** Accepts connections and never answers; remembers when each opened. */
async function silentServer(): Promise<{ url: string; connections: Connection[]; close(): Promise<void> }> {
  const connections: Connection[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const connection: Connection = { openedAt: Date.now() };
    connections.push(connection);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** A loopback port nobody listens on. */
async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((done) => server.close(() => done()));
  return `http://127.0.0.1:${port}`;
}

async function until<T>(read: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((done) => setTimeout(done, 10));
  }
}

/**
 * What a terminal shows at the end: plays back text, carriage returns, line feeds and the
 * cursor and erase sequences a spinner uses, and drops every other escape.
 */
function finalScreen(raw: string): string[] {
  const screen: string[] = [''];
  let row = 0;
  let col = 0;
  const put = (char: string) => {
    const line = screen[row]!.padEnd(col);
    screen[row] = line.slice(0, col) + char + line.slice(col + 1);
    col++;
  };
  const CSI = /^\x1b\[([?0-9;]*)([@-~])/;
  for (let i = 0; i < raw.length; ) {
    const escape = raw.slice(i).match(CSI);
    if (escape) {
      const [whole, args = '', command] = escape;
      const n = Number(args || '1');
      if (command === 'G') col = n - 1;
      else if (command === 'A') row = Math.max(0, row - n);
      else if (command === 'K' && !args.startsWith('?')) {
        const mode = Number(args || '0');
        screen[row] = mode === 2 ? '' : mode === 1 ? ' '.repeat(col) + screen[row]!.slice(col) : screen[row]!.slice(0, col);
      }
      i += whole.length;
      continue;
    }
    const char = raw[i]!;
    if (char === '\x1b') i += 2;
    else {
      if (char === '\r') col = 0;
      else if (char === '\n') {
        row++;
        screen[row] ??= '';
      } else put(char);
      i++;
    }
  }
  return screen.map((line) => line.trimEnd()).filter((line) => line !== '');
}

const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Waiting for the platform/;
const REACH_HINT = 'Check that the platform is running and that the API URL (t1 config get api-url, T1_API_URL) is right.';

/** The error report alone: what happened, what to check, and the request id t1 sent. */
function expectOnlyReachError(shown: string[], error: string): void {
  expect(shown.slice(0, 2)).toEqual([error, REACH_HINT]);
  for (const line of shown.slice(2)) expect(line).toMatch(/request id/i);
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line !== '');
}

afterEach(killTestChildren);
afterAll(cleanupAll);

describe('a platform that never answers', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => {
    silent = await silentServer();
  });
  afterAll(async () => {
    await silent.close();
  });
  const env = () => ({ T1_API_URL: silent.url, T1_TOKEN: 't1_whatever', T1_TIMEOUT: '1' });

  // With T1_TIMEOUT=1 the first attempt gives up a second after it connected, and its
  // retry line follows at once. The
  // spinner showing before that line is what proves it came within the second: a clock in
  // this test would also count the time a busy machine takes to pass the output along.
  it.runIf(hasPython3)('on a terminal: a spinner within a second, a line as each attempt times out, then the error', async () => {
    const first = silent.connections.length;
    const pty = startT1InPty(['events', 'list'], { env: env(), timeoutMs: 50_000 });
    const connected = await until(() => silent.connections[first]);
    const { before } = await pty.expectWithBefore(/Platform not answering \(timed out waiting for a response\), retry 2 of 4 in \d+ ms\.\.\./, 15_000);
    const noticeAfterMs = Date.now() - connected.openedAt;
    expect(before).toMatch(SPINNER);
    // The client's second starts as it connects, a moment before this server sees the connection.
    expect(noticeAfterMs).toBeGreaterThanOrEqual(950);
    await pty.expect(/retry 3 of 4/, 10_000);
    await pty.expect(/retry 4 of 4/, 10_000);
    await pty.expect(/Error: Could not reach the platform at \S+ \(timed out waiting for a response\) after 4 attempts\./, 10_000);
    expect((await pty.exited).code).toBe(1);
  }, 60_000);

  it.runIf(hasPython3)('with --json on a terminal the spinner still shows on stderr', { timeout: 30_000 }, async () => {
    const pty = startT1InPty(['events', 'list', '--json'], { env: env() });
    await pty.expect(SPINNER, 15_000);
    pty.kill();
  });

  it.runIf(hasScript)('the spinner leaves nothing behind: the screen ends with the retry lines and the error', async () => {
    const result = await runOnTerminal(['events', 'list'], env(), 50_000);
    expect(result.code).toBe(1);
    expect(cleanTerminal(result.stdout)).toMatch(SPINNER);
    const screen = finalScreen(result.stdout).map((line) => line.replace(/ in \d+ ms/, ''));
    expect(screen.slice(0, 3)).toEqual([
      'Platform not answering (timed out waiting for a response), retry 2 of 4...',
      'Platform not answering (timed out waiting for a response), retry 3 of 4...',
      'Platform not answering (timed out waiting for a response), retry 4 of 4...',
    ]);
    expectOnlyReachError(screen.slice(3), `Error: Could not reach the platform at ${silent.url} (timed out waiting for a response) after 4 attempts.`);
    // The cursor the spinner hid is shown again.
    expect(result.stdout.lastIndexOf('\x1b[?25h')).toBeGreaterThan(result.stdout.lastIndexOf('\x1b[?25l'));
  }, 60_000);

  it('piped: stdout is empty and stderr holds only the final error', async () => {
    const result = await runT1(['events', 'list'], { env: env(), timeoutMs: 50_000 });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expectOnlyReachError(lines(result.stderr), `Error: Could not reach the platform at ${silent.url} (timed out waiting for a response) after 4 attempts.`);
    expect(result.stderr).not.toContain('\x1b');
  }, 60_000);
});

describe('a platform that refuses connections', () => {
  it.runIf(hasPython3)('on a terminal: a line before each retry, then the error', { timeout: 30_000 }, async () => {
    const url = await refusingUrl();
    const pty = startT1InPty(['events', 'list'], { env: { T1_API_URL: url, T1_TOKEN: 't1_whatever' } });
    for (const n of [2, 3, 4]) await pty.expect(new RegExp(`Platform not answering \\(connection refused\\), retry ${n} of 4 in \\d+ ms\\.\\.\\.`), 15_000);
    await pty.expect(/Error: Could not reach the platform at \S+ \(connection refused\) after 4 attempts\./, 5_000);
    expect((await pty.exited).code).toBe(1);
  });

  it('piped: only the final error', async () => {
    const url = await refusingUrl();
    const result = await runT1(['events', 'list'], { env: { T1_API_URL: url, T1_TOKEN: 't1_whatever' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expectOnlyReachError(lines(result.stderr), `Error: Could not reach the platform at ${url} (connection refused) after 4 attempts.`);
    expect(result.stderr).not.toContain('\x1b');
  });
});

describe.runIf(hasScript)('a platform that answers at once', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(async () => {
    await platform.close();
  });

  // The spinner waits 200 ms, so the claim holds for a call quicker than that; the trace
  // tells how long the call took, and a busy machine gets a few tries to make one.
  it('a call quicker than the delay shows no spinner, only the table', async () => {
    let fast: { shown: string; screen: string[] } | undefined;
    for (let tries = 0; tries < 3 && !fast; tries++) {
      const result = await runOnTerminal(['--no-color', '--debug', 'events', 'list'], platform.env() as Record<string, string>);
      expect(result.code).toBe(0);
      const shown = cleanTerminal(result.stdout);
      const ms = Number(shown.match(/^\[http\] GET \/v1\/events\S* -> 200 in (\d+) ms/m)?.[1]);
      if (ms < 150) fast = { shown, screen: finalScreen(result.stdout) };
    }
    expect(fast, 'no try answered within 150 ms').toBeDefined();
    expect(fast!.shown).not.toMatch(/Waiting for the platform/);
    expect(fast!.screen[0]).toMatch(/^\[http\] GET /);
    expect(fast!.screen[1]).toMatch(/^┌─+┬/);
  }, 60_000);
});
