// Expected failures as the agent sees them: what happened, why, what to do next, and
// the exit code. Anything else is a bug and gets a stack trace only with --verbose.
import { ApiError, NetworkError } from '../client/errors.ts';
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

function exitCodeFor(error: ApiError): ExitCode {
  if (error.status === 401 || error.status === 403) return EXIT.auth;
  if (error.status === 404) return EXIT.notFound;
  if (error.status === 400 || error.status === 422) return EXIT.usage;
  return EXIT.failure;
}

function hintFor(error: ApiError): string | undefined {
  if (error.status === 401) {
    return 'Log in with "t1 login --token" (or set T1_TOKEN) using a token from your platform admin.';
  }
  if (error.status === 403) {
    const role = error.details?.requiredRole;
    return role ? `Ask an admin for a token with the ${String(role)} role.` : 'Ask an admin for a token with more rights.';
  }
  if (error.status === 429) return 'The platform is rate limiting; wait a little and try again.';
  if (error.status >= 500) return 'The platform had a problem; try again, and report the request id if it persists.';
  return undefined;
}

export function toCliError(error: unknown): CliError | undefined {
  if (error instanceof CliError) return error;
  if (error instanceof ApiError) {
    const verbose = [`${error.method} ${error.url} -> HTTP ${error.status} ${error.code}`];
    if (error.requestId) verbose.push(`request id: ${error.requestId}`);
    return new CliError(error.message, exitCodeFor(error), hintFor(error), verbose);
  }
  if (error instanceof NetworkError) {
    return new CliError(
      error.message,
      EXIT.failure,
      'Check that the platform is running and that the API URL (t1 config get api-url, T1_API_URL) is right.',
    );
  }
  return undefined;
}
