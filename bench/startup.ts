// Wall time of t1 commands, each process from start to exit, against bare `node -e 0` on
// the same machine: `t1 --version` and `t1 --help`; `t1 users find` against a platform
// served by `t1 platform start` (startup-remote); and `t1 users find` on the embedded
// default, once a first run has created its database (startup-embedded). The command
// and `node -e 0` run in turn, so a machine that slows down meanwhile slows both.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median, ms } from './stats.ts';

const BIN = fileURLToPath(new URL('../bin/t1.js', import.meta.url));
const RUNS = 21;
const BASELINE = ['-e', '0'];

/** The environment without anything that points t1 at a platform, a profile or a home. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const key of ['T1_API_URL', 'T1_TOKEN', 'T1_PROFILE', 'T1_TIMEOUT', 'CI']) if (!(key in extra)) delete env[key];
  return env;
}

function wallTime(args: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: 'ignore', env });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

interface Pair {
  baseline: number;
  command: number;
}

/** Medians of RUNS runs of the command and of `node -e 0`, taken in turn after one warm-up of each. */
function measure(args: string[], env: NodeJS.ProcessEnv): Pair {
  wallTime(BASELINE, env);
  wallTime(args, env);
  const baseline: number[] = [];
  const command: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    baseline.push(wallTime(BASELINE, env));
    command.push(wallTime(args, env));
  }
  return { baseline: median(baseline), command: median(command) };
}

function report(label: string, pair: Pair): void {
  console.log(`  ${label.padEnd(36)} ${ms(pair.command).padStart(9)}   node -e 0 ${ms(pair.baseline).padStart(9)}   difference +${ms(pair.command - pair.baseline)}`);
}

export function benchStartup(): Record<string, Pair> {
  const home = mkdtempSync(join(tmpdir(), 't1-bench-startup-'));
  try {
    const env = cleanEnv({ T1_HOME: home });
    const version = measure([BIN, '--version'], env);
    const help = measure([BIN, '--help'], env);
    console.log(`startup (median of ${RUNS} runs each)`);
    report('t1 --version', version);
    report('t1 --help', help);
    return { version, help };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** `t1 users find priya` against `t1 platform start` serving a demo database in a temporary folder. */
export async function benchStartupRemote(): Promise<Pair> {
  const dir = mkdtempSync(join(tmpdir(), 't1-bench-remote-'));
  const db = join(dir, 'platform.db');
  const serverEnv = cleanEnv({ T1_HOME: join(dir, 'server-home') });
  const server = spawn(process.execPath, [BIN, 'platform', 'start', '--db', db, '--port', '0', '--demo', '--quiet'], {
    env: serverEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let serverLog = '';
  server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (serverLog += chunk));
  try {
    const url = await listeningUrl(server.stdout!).catch((error: Error) => {
      throw new Error(`${error.message}\n${serverLog}`);
    });
    const token = spawnSync(process.execPath, [BIN, 'platform', 'token', 'create', '--role', 'agent', '--db', db], { env: serverEnv, encoding: 'utf8' });
    if (token.status !== 0) throw new Error(`platform token create failed: ${token.stderr}`);
    const env = cleanEnv({ T1_HOME: join(dir, 'home'), T1_API_URL: url, T1_TOKEN: token.stdout.trim() });
    const pair = measure([BIN, 'users', 'find', 'priya'], env);
    console.log(`startup-remote (median of ${RUNS} runs each; the platform served by "t1 platform start" on SQLite)`);
    report('t1 users find priya', pair);
    return pair;
  } finally {
    server.kill('SIGTERM');
    await new Promise((done) => server.once('exit', done));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `t1 users find priya` with no platform configured: the embedded platform, its database made by a first run. */
export function benchStartupEmbedded(): Pair {
  const home = mkdtempSync(join(tmpdir(), 't1-bench-embedded-'));
  try {
    const env = cleanEnv({ T1_HOME: home });
    wallTime([BIN, 'users', 'find', 'priya'], env); // creates and seeds the database
    const pair = measure([BIN, 'users', 'find', 'priya'], env);
    console.log(`startup-embedded (median of ${RUNS} runs each; the embedded platform on its existing database)`);
    report('t1 users find priya', pair);
    return pair;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The URL of the "t1 platform listening on <url>" line `platform start` prints. */
function listeningUrl(stdout: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    const timer = setTimeout(() => reject(new Error('t1 platform start did not say where it listens within 30 s')), 30_000);
    lines.on('line', (line) => {
      const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve(url);
    });
  });
}
