// Prints a failure on stderr as one or two lines (what happened, what to do next), with
// the request id when the platform failed or could not be reached, and returns the exit
// code; with --json, one JSON object instead, for scripts. Unexpected errors are bugs:
// their stack shows with --verbose. The text quotes stored values and typed arguments, so
// it is made safe for the terminal like everything else t1 prints.
import { ApiError, NetworkError } from '../client/errors.ts';
import { jsonText, terminalText } from '../client/sanitize.ts';
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
  token: 'See the API tokens: t1 tokens list',
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
    const reason = error.details?.reason;
    if (reason === 'token_expired' || reason === 'token_revoked') {
      return 'Run "t1 login" to sign in again, or ask your platform admin for a new token ("t1 login --token").';
    }
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
    return new CliError(error.message, exitCodeFor(error), hintFor(error), [`${error.method} ${error.url} -> HTTP ${error.status} ${error.code}`]);
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

// What a script reads in the JSON error when the failure is t1's own, not the platform's.
const CODES: Record<number, string> = {
  [EXIT.failure]: 'failed',
  [EXIT.usage]: 'usage',
  [EXIT.notFound]: 'not_found',
  [EXIT.auth]: 'unauthorized',
  [EXIT.partial]: 'partial',
  [EXIT.cancelled]: 'cancelled',
};

interface RequestId {
  id: string;
  /** How the agent should read it. */
  note: string;
}

/** The id a platform operator can search their logs for: the platform's own, else the one t1 sent. */
function requestIdOf(error: unknown): RequestId | undefined {
  if (error instanceof ApiError) {
    if (error.requestId) return { id: error.requestId, note: 'quote it when reporting the problem' };
    if (error.clientRequestId) return { id: error.clientRequestId, note: 'the one t1 sent; no id came back' };
  }
  if (error instanceof NetworkError && error.clientRequestId) {
    return { id: error.clientRequestId, note: 'the one t1 sent; the platform may never have seen it' };
  }
  return undefined;
}

interface Failure {
  code: string;
  message: string;
  hint: string | undefined;
  exitCode: number;
  status: number | undefined;
  request: RequestId | undefined;
  verbose: string[];
}

function describeFailure(error: unknown, verbose: boolean): Failure {
  const known = toCliError(error);
  const request = requestIdOf(error);
  const status = error instanceof ApiError ? error.status : undefined;
  if (known) {
    const code = error instanceof ApiError ? error.code : error instanceof NetworkError ? 'unreachable' : (CODES[known.exitCode] ?? 'failed');
    return { code, message: known.message, hint: known.hint, exitCode: known.exitCode, status, request, verbose: known.verbose };
  }
  const stack = verbose && error instanceof Error ? error.stack : undefined;
  return {
    code: 'internal',
    message: error instanceof Error ? error.message : String(error),
    hint: stack ?? 'This looks like a bug in t1; run again with --verbose for details.',
    exitCode: EXIT.failure,
    status,
    request,
    verbose: [],
  };
}

export function reportError(error: unknown, io: IO, verbose: boolean, json = false): number {
  const failure = describeFailure(error, verbose);
  const { code, message, hint, exitCode, status, request } = failure;
  if (json) {
    const body = { code, message, ...(hint ? { hint } : {}), ...(status ? { status } : {}), requestId: request?.id ?? null, exitCode };
    io.stderr.write(`${jsonText({ error: body }, 0)}\n`);
    return exitCode;
  }
  const write = (text: string) => io.stderr.write(`${terminalText(text)}\n`);
  if (code === 'cancelled') {
    write(message);
    return exitCode;
  }
  write(`Error: ${message}`);
  if (hint) write(hint);
  // When the platform failed or could not be reached, the id is what its operators need.
  const told = request !== undefined && ((status !== undefined && status >= 500) || error instanceof NetworkError);
  if (told) write(`Request id: ${request.id} (${request.note}).`);
  if (verbose) {
    for (const line of failure.verbose) write(`  ${line}`);
    if (request && !told) write(`  request id: ${request.id}`);
    if (error instanceof ApiError && error.clientRequestId && error.clientRequestId !== request?.id) write(`  sent as request id: ${error.clientRequestId}`);
  }
  return exitCode;
}
