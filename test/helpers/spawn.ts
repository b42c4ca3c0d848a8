// Runs the real t1 binary (bin/t1.js on the built bundle/) in child processes, for e2e
// tests. Every child gets a clean environment (no T1_API_URL, T1_TOKEN, T1_PROFILE, CI,
// colour forcing), is killed after a time limit, and is tracked so `killAll()` in an
// afterEach/afterAll hook can end whatever a failing test left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const BIN = join(REPO_ROOT, 'bin', 't1.js');
export const SPAWN_TIMEOUT_MS = 20_000;

/** Any ANSI SGR (colour/style) escape: ESC [ digits (;digits)* m. */
export const ANSI_SGR = /\x1b\[\d+(?:;\d+)*m/;

const STRIPPED = ['T1_API_URL', 'T1_TOKEN', 'T1_PROFILE', 'T1_HOME', 'T1_TIMEOUT', 'CI', 'NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS'];

/** process.env without anything that would point t1 elsewhere or change its output mode. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of STRIPPED) delete env[key];
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

const tempDirs: string[] = [];

/** A fresh temporary directory, removed by `removeTempDirs()`. */
export function freshDir(prefix = 't1-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const live = new Set<ChildProcess>();
/** Children started with `shared: true` (a server for several tests): only `killAll({ all: true })` ends them. */
const shared = new WeakSet<ChildProcess>();

/** Tracks a child started elsewhere (a helper of another file), so `killAll()` ends it too. */
export function track(child: ChildProcess, isShared = false): void {
  live.add(child);
  if (isShared) shared.add(child);
  child.once('exit', () => live.delete(child));
}

/**
 * Kills children still running (SIGKILL) and waits for them to go: those of the current
 * test (for afterEach), or every one including shared servers with `all` (for afterAll).
 */
export async function killAll(options: { all?: boolean } = {}): Promise<void> {
  const victims = [...live].filter((child) => options.all || !shared.has(child));
  const waits = victims.map(
    (child) =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
  for (const child of victims) live.delete(child);
}

/** afterEach: end what the test started. */
export const killTestChildren = (): Promise<void> => killAll();
/** afterAll: end everything, shared servers included. */
export const killAllChildren = (): Promise<void> => killAll({ all: true });

/** afterAll: end every child, then remove the temporary directories. */
export async function cleanupAll(): Promise<void> {
  await killAllChildren();
  removeTempDirs();
}

export interface SpawnOptions {
  /** T1_HOME for the child; a fresh temporary directory when omitted. */
  home?: string;
  /** Extra environment (undefined deletes a variable). */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. Stdin is a pipe (never a TTY). */
  stdin?: string;
  timeoutMs?: number;
  /** Close the read end of stdout at once, like `t1 ... | head -0` (a reader that went away). */
  closeStdout?: boolean;
  /** Outlives a single test: left alone by `killTestChildren`, ended by `killAllChildren`. */
  shared?: boolean;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/** The environment a spawned t1 gets: `cleanEnv` plus T1_HOME (a fresh directory unless given). */
export function childEnv(options: SpawnOptions): NodeJS.ProcessEnv {
  return cleanEnv({ T1_HOME: options.home ?? freshDir('t1-home-'), ...options.env });
}

/** Spawns any command with the clean-env, time-limit and tracking rules, and collects its output. */
export function runCommand(command: string, args: string[], options: SpawnOptions & { cwd?: string } = {}): Promise<RunResult> {
  const started = Date.now();
  const child = spawn(command, args, { cwd: options.cwd ?? REPO_ROOT, env: childEnv(options), stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  if (options.closeStdout) child.stdout!.destroy();
  else child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.on('error', () => {});
  child.stdin!.end(options.stdin ?? '');
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? SPAWN_TIMEOUT_MS);
  return new Promise((done, fail) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

/** Runs `node bin/t1.js ...args` to completion. */
export function runT1(args: string[], options: SpawnOptions = {}): Promise<RunResult> {
  return runCommand(process.execPath, [BIN, ...args], options);
}

/** Single-quotes a word for /bin/sh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `node bin/t1.js ...args` on a pseudo-terminal through util-linux `script`, so the
 * child's stdin, stdout and stderr are all a TTY. The PTY merges stdout and stderr.
 */
export function runT1InPty(args: string[], options: SpawnOptions = {}): Promise<RunResult> {
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  return runCommand('/usr/bin/script', ['-qec', command, '/dev/null'], {
    ...options,
    env: { TERM: process.env.TERM && process.env.TERM !== 'dumb' ? process.env.TERM : 'xterm-256color', ...options.env },
  });
}

/** A long-running t1 process (the platform server). */
export interface RunningT1 {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the match on the first stdout line matching `pattern` (`.input` is the whole line); rejects on exit or timeout. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited, with its code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startT1(args: string[], options: SpawnOptions = {}): RunningT1 {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: childEnv(options), stdio: ['pipe', 'pipe', 'pipe'] });
  track(child, options.shared);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.on('error', () => {});
  // A hard limit, like every other spawn: a server a test forgot is killed.
  const limit = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? SPAWN_TIMEOUT_MS);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('close', (code, signal) => {
      clearTimeout(limit);
      for (const listener of listeners) listener();
      done({ code, signal });
    });
  });

  const waitForLine = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<RegExpMatchArray>((done, fail) => {
      const check = () => {
        for (const line of stdout.split('\n').slice(0, stdout.endsWith('\n') ? -1 : undefined)) {
          const match = line.match(pattern);
          if (match) return finish(() => done(match));
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          finish(() => fail(new Error(`t1 exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}.\nstdout: ${stdout}\nstderr: ${stderr}`)));
        }
      };
      const timer = setTimeout(
        () => finish(() => fail(new Error(`No stdout line matched ${pattern} within ${timeoutMs} ms.\nstdout: ${stdout}\nstderr: ${stderr}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });

  return { child, stdout: () => stdout, stderr: () => stderr, waitForLine, exited };
}

/** Waits for a process to exit, at most `ms`; rejects (and the caller's cleanup kills it) otherwise. */
export function exitWithin<T>(exited: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`the process did not exit within ${ms} ms`)), ms);
  });
  return Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
}

/** The first line `t1 platform start` prints on stdout. */
export const LISTENING_LINE = /^t1 platform listening on (http:\/\/127\.0\.0\.1:(\d+)) /;
