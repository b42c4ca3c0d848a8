// Prints a failure on stderr as one or two lines (what happened, what to do next) and
// returns the exit code. Unexpected errors are bugs: their stack shows with --verbose.
import { CliError, toCliError } from './errors.ts';
import { EXIT } from './exit-codes.ts';
import type { IO } from './io.ts';

export function reportError(error: unknown, io: IO, verbose: boolean): number {
  const known = toCliError(error);
  if (known) {
    io.stderr.write(`Error: ${known.message}\n`);
    if (known.hint) io.stderr.write(`${known.hint}\n`);
    if (verbose) for (const line of known.verbose) io.stderr.write(`  ${line}\n`);
    return known.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`Error: ${message}\n`);
  if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  else io.stderr.write('This looks like a bug in t1; run again with --verbose for details.\n');
  return error instanceof CliError ? error.exitCode : EXIT.failure;
}
