// Prints a failure on stderr as one or two lines (what happened, what to do next) and
// returns the exit code. Unexpected errors are bugs: their stack shows with --verbose.
import { ApiError, NetworkError } from '../client/errors.ts';
import { CliError } from './errors.ts';
import { ConfigurationError } from '../platform/configuration-error.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import type { IO } from './io.ts';

function exitCodeFor(error: ApiError): ExitCode {
  if (error.status === 401 || error.status === 403) return EXIT.auth;
  if (error.status === 404) return EXIT.notFound;
  if (error.status === 400 || error.status === 422) return EXIT.usage;
  return EXIT.failure;
}

const NOT_FOUND_HINTS: Record<string, string> = {
  user: 'Search by part of the name or email: t1 users find <text>',
  event: 'See the events: t1 events list',
  registration: "See the person's registrations: t1 users show <email>",
};

const CONFLICT_HINTS: Record<string, string> = {
  recently_sent: 'Add --force to send it anyway.',
  password_already_set: 'Send a password reset instead: t1 password reset <email> --send',
  identity_not_verified: 'Nothing was removed.',
  emailed_only: 'Send it to their inbox with --send instead.',
};

function hintFor(error: ApiError): string | undefined {
  if (error.status === 404) return NOT_FOUND_HINTS[String(error.details?.resource)];
  if (error.status === 409) return CONFLICT_HINTS[String(error.details?.reason)];
  const fields = (error.details?.fields as { field: string }[] | undefined) ?? [];
  if (fields.some((f) => f.field === 'body.ticket')) return 'Add the support ticket id with --ticket <id>.';
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
  if (error instanceof ConfigurationError) return new CliError(error.message, EXIT.usage, error.hint);
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

export function reportError(error: unknown, io: IO, verbose: boolean): number {
  const known = toCliError(error);
  if (known?.exitCode === EXIT.cancelled) {
    io.stderr.write(`${known.message}\n`);
    return known.exitCode;
  }
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
