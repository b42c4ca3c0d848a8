// The lines t1 prints on stderr about its calls to the platform: the --debug trace (one line
// per attempt) and retry notices. They show where a URL goes but never a secret in it, and
// the one value from the network they show (the platform's request id) is made harmless.
import type { AttemptInfo, RetryInfo } from '../client/platform-client.ts';
import { withoutControlCharacters } from '../client/sanitize.ts';

// Link tokens, API tokens and opaque ids: long runs of the base64url alphabet. Emails and
// slugs never match (an encoded '@' is %40, slugs are short).
const TOKEN_LIKE = /^[A-Za-z0-9_-]{24,}$/;
const REDACTED = '[redacted]';
const REQUEST_ID_MAX = 100;

/**
 * The path and query of `url` for a trace line: token-like path segments and every query
 * value (search text, cursors, codes) replaced, so a trace can be pasted into a ticket.
 */
export function redactedPath(url: string): string {
  const parsed = new URL(url);
  const path = parsed.pathname
    .split('/')
    .map((segment) => (TOKEN_LIKE.test(segment) ? REDACTED : segment))
    .join('/');
  const names = [...parsed.searchParams.keys()].map((name) => `${encodeURIComponent(name)}=${REDACTED}`);
  return names.length === 0 ? path : `${path}?${names.join('&')}`;
}

/** "14 ms" below a second, "2.5 s" above. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function shownRequestId(id: string): string {
  const clean = withoutControlCharacters(id).replace(/\s/g, '');
  return clean.length > REQUEST_ID_MAX ? `${clean.slice(0, REQUEST_ID_MAX)}...` : clean;
}

/**
 * One attempt, e.g.
 * `[http] GET /v1/events?limit=200 -> 200 in 14 ms (attempt 1 of 4, request id t1-..., platform id req_...)`.
 */
export function traceLine(attempt: AttemptInfo): string {
  const outcome = attempt.status === undefined ? `${attempt.failure ?? 'no answer'} after` : `${attempt.status} in`;
  const ids = [`attempt ${attempt.attempt} of ${attempt.maxAttempts}`, `request id ${attempt.requestId}`];
  if (attempt.responseRequestId !== null && attempt.responseRequestId !== attempt.requestId) {
    ids.push(`platform id ${shownRequestId(attempt.responseRequestId)}`);
  }
  return `[http] ${attempt.method} ${redactedPath(attempt.url)} -> ${outcome} ${formatMs(attempt.durationMs)} (${ids.join(', ')})`;
}

function trouble(retry: RetryInfo): string {
  if (retry.status === undefined) return 'Platform not answering';
  return retry.status === 429 ? 'Platform rate limiting' : 'Platform unavailable';
}

/**
 * Before a retry, e.g. `Platform not answering (connection refused), retry 2 of 4 in 150 ms...`;
 * with `detailed`, the call it retries is named too.
 */
export function retryNotice(retry: RetryInfo, detailed: boolean): string {
  const call = detailed ? ` (${retry.method} ${redactedPath(retry.url)})` : '';
  return `${trouble(retry)} (${retry.reason}), retry ${retry.attempt + 1} of ${retry.maxAttempts} in ${formatMs(retry.delayMs)}${call}...`;
}
