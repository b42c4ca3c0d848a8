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
  /** The width of the terminal on stdout, in columns; unknown off a terminal. Tables fit it. */
  stdoutColumns?: number | undefined;
}

export function processIO(): IO {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdoutColumns: process.stdout.isTTY ? process.stdout.columns : undefined,
  };
}

export interface OutputSettings {
  json: boolean;
  color: boolean;
  verbose: boolean;
  /** False when answers cannot be asked for: --no-input, CI, or stdin not a terminal. */
  interactive: boolean;
  /** --header: a line of column names above tab-separated rows. */
  header?: boolean | undefined;
  /** --json <fields> or --csv <fields>. */
  fields?: string[] | undefined;
  /** --jq <expression>. */
  jq?: string | undefined;
  /** --csv. */
  csv?: boolean | undefined;
}

export function decideInteractive(io: IO, env: NodeJS.ProcessEnv, inputFlag: boolean): boolean {
  return inputFlag && io.stdinIsTTY && !env.CI;
}
