// Drives the real t1 binary on a pseudo-terminal, interactively: expect a prompt, answer
// it, read what the terminal shows. The terminal comes from test/helpers/pty_driver.py
// (Python's standard pty module; no native Node addon). Unlike `runT1InPty`, answers can
// depend on earlier output, such as a 2FA code computed from a setup key on screen.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, REPO_ROOT, SPAWN_TIMEOUT_MS, childEnv, track, type SpawnOptions } from './spawn.ts';

export const PTY_DRIVER = join(REPO_ROOT, 'test', 'helpers', 'pty_driver.py');

/** True when python3 is on the PATH (the PTY tests are skipped otherwise). */
export const hasPython3 = spawnSync('python3', ['--version']).status === 0;

export interface PtyExit {
  code: number | null;
  signal: string | null;
  /** Everything the terminal showed, without ANSI escapes and carriage returns. */
  transcript: string;
}

export interface PtySession {
  /**
   * Waits until `pattern` matches output not consumed by an earlier expect (ANSI escapes
   * and \r removed) and consumes it. Resolves with [whole match, ...groups]. The pattern
   * runs in Python's `re`: keep to the syntax both languages share (no named groups).
   */
  expect(pattern: RegExp, timeoutMs?: number): Promise<string[]>;
  /** Like expect, also returning the clean text between the last match and this one. */
  expectWithBefore(pattern: RegExp, timeoutMs?: number): Promise<{ match: string[]; before: string }>;
  /** Types text (no Enter). */
  send(text: string): void;
  /** Types text and Enter. */
  sendLine(text: string): void;
  /** Clean text the terminal has shown so far. */
  transcript(): string;
  /** Resolves when the command has exited (and the terminal is closed). */
  exited: Promise<PtyExit>;
  /** Kills the command (and the driver). */
  kill(): void;
}

interface StepEvent {
  type: 'step';
  id: number | null;
  ok: boolean;
  match?: string[];
  before?: string;
  error?: string;
  pending?: string;
}

const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+][0-9A-Za-z]|\x1b[@-Z\\-_=>78]/g;

/** Terminal output without escapes and carriage returns. */
export function cleanTerminal(text: string): string {
  return text.replace(ANSI, '').replace(/\r/g, '');
}

/** Starts `argv` on a terminal of `cols` x `rows`, with the clean spawn environment. */
export function startInPty(argv: string[], options: SpawnOptions & { cols?: number; rows?: number } = {}): PtySession {
  const timeoutMs = options.timeoutMs ?? SPAWN_TIMEOUT_MS;
  const env = childEnv({
    ...options,
    env: { TERM: process.env.TERM && process.env.TERM !== 'dumb' ? process.env.TERM : 'xterm-256color', ...options.env },
  });
  const spec = { argv, cwd: REPO_ROOT, cols: options.cols ?? 120, rows: options.rows ?? 50, timeout: timeoutMs / 1000, interactive: true };
  const child = spawn('python3', [PTY_DRIVER, JSON.stringify(spec)], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);

  let raw = '';
  let driverErrors = '';
  let buffer = '';
  let nextId = 1;
  const waiting = new Map<number, (event: StepEvent) => void>();
  let exitEvent: PtyExit | undefined;

  let settleExit!: (exit: PtyExit) => void;
  const exited = new Promise<PtyExit>((done) => (settleExit = done));

  child.stdin!.on('error', () => {});
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (driverErrors += chunk));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!line.trim()) continue;
      const event = JSON.parse(line) as { type: string } & Record<string, unknown>;
      if (event.type === 'output') raw += event.data as string;
      else if (event.type === 'step') {
        const step = event as unknown as StepEvent;
        if (step.id !== null) {
          waiting.get(step.id)?.(step);
          waiting.delete(step.id);
        }
      } else if (event.type === 'exit') {
        exitEvent = { code: event.code as number | null, signal: event.signal as string | null, transcript: event.transcript as string };
        // Nothing more will show up: let the driver finish the steps it has and leave.
        child.stdin!.end();
      }
    }
  });
  child.once('close', (code, signal) => {
    const failed: StepEvent = { type: 'step', id: null, ok: false, error: `the PTY driver ended (${code ?? signal}) ${driverErrors}`.trim() };
    for (const resolve of waiting.values()) resolve(failed);
    waiting.clear();
    settleExit(exitEvent ?? { code: null, signal: signal ?? 'driver-exit', transcript: cleanTerminal(raw) });
  });

  function step(body: Record<string, unknown>): Promise<StepEvent> {
    const id = nextId++;
    return new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null || !child.stdin!.writable) {
        done({ type: 'step', id, ok: false, error: 'the PTY driver has ended' });
        return;
      }
      waiting.set(id, done);
      child.stdin!.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  const flags = (pattern: RegExp) => [...pattern.flags].filter((flag) => 'ims'.includes(flag)).join('');

  async function expectWithBefore(pattern: RegExp, timeout = 10_000) {
    const result = await step({ expect: pattern.source, flags: flags(pattern), timeout: timeout / 1000 });
    if (!result.ok) {
      throw new Error(
        `The terminal did not show ${pattern} (${result.error}).\n--- not yet matched ---\n${result.pending ?? ''}\n--- whole transcript ---\n${cleanTerminal(raw)}`,
      );
    }
    return { match: result.match ?? [], before: result.before ?? '' };
  }

  return {
    expect: async (pattern, timeout) => (await expectWithBefore(pattern, timeout)).match,
    expectWithBefore,
    send: (text) => void step({ send: text }),
    sendLine: (text) => void step({ sendline: text }),
    transcript: () => cleanTerminal(raw),
    exited,
    kill: () => {
      child.kill('SIGTERM');
    },
  };
}

/** `node bin/t1.js ...args` on a terminal. */
export function startT1InPty(args: string[], options: SpawnOptions & { cols?: number; rows?: number } = {}): PtySession {
  return startInPty([process.execPath, BIN, ...args], options);
}
