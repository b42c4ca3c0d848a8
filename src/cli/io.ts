// The streams a command writes to and reads from, and what they are (TTY, colour).
// Commands get an IO; they never touch process.stdout or process.exit.
import type { Readable, Writable } from 'node:stream';

export interface IO {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

export function processIO(): IO {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}

export interface OutputSettings {
  json: boolean;
  color: boolean;
  verbose: boolean;
  /** False when answers cannot be asked for: --no-input, CI, or stdin not a terminal. */
  interactive: boolean;
}

export function decideColor(io: IO, env: NodeJS.ProcessEnv, colorFlag: boolean): boolean {
  if (!colorFlag || 'NO_COLOR' in env || env.TERM === 'dumb') return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return io.stdoutIsTTY;
}

export function decideInteractive(io: IO, env: NodeJS.ProcessEnv, inputFlag: boolean): boolean {
  return inputFlag && io.stdinIsTTY && !env.CI;
}
