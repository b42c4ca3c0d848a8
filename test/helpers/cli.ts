// Runs the t1 CLI in-process with captured streams, the way a user would call it.
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program.ts';
import type { IO } from '../../src/cli/io.ts';
import type { DepsOverrides } from '../../src/cli/deps.ts';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Pretend stdout (and stdin) are terminals: tables and prompts. */
  tty?: boolean;
  /** The terminal's width, in columns (with tty). */
  columns?: number;
  stdin?: string;
  overrides?: DepsOverrides;
}

function capture(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

export async function runT1(argv: string[], options: RunOptions = {}): Promise<CliResult> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = capture(stdout);
  const err = capture(stderr);
  stdin.end(options.stdin ?? '');
  const io: IO = {
    stdin,
    stdout,
    stderr,
    stdinIsTTY: Boolean(options.tty),
    stdoutIsTTY: Boolean(options.tty),
    stderrIsTTY: Boolean(options.tty),
    stdoutColumns: options.columns,
  };
  const env = { NO_COLOR: '1', ...options.env };
  const exitCode = await runCli(argv, io, env, { sleep: async () => {}, ...options.overrides });
  return { exitCode, stdout: out(), stderr: err() };
}
