// Expected failures as the agent sees them: what happened, why, what to do next, and
// the exit code. Anything else is a bug and gets a stack trace only with --verbose.
import { EXIT, type ExitCode } from './exit-codes.ts';

export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  /** Extra lines shown with --verbose (request id, HTTP details). */
  readonly verbose: string[];

  constructor(message: string, exitCode: ExitCode, hint?: string, verbose: string[] = []) {
    super(message);
    this.exitCode = exitCode;
    this.hint = hint;
    this.verbose = verbose;
  }
}

export const usageError = (message: string, hint?: string) => new CliError(message, EXIT.usage, hint);
export const notFoundError = (message: string, hint?: string) => new CliError(message, EXIT.notFound, hint);

export class CancelledError extends CliError {
  constructor() {
    super('Cancelled.', EXIT.cancelled);
  }
}
