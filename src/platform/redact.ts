// What the request log may say about a request. Link tokens travel in URL paths, and a
// pasted link often arrives with something stuck to its token ("/login-link/<token>."),
// so a log line never holds a raw path or a query value: it names the route's pattern
// ("/login-link/:token"), fills in only event slugs, and lists the names of the query
// parameters. A path that matches no route keeps only its short lowercase words.

export interface LoggedRequest {
  url: string;
  /** The matched route's pattern; undefined when no route matched. */
  routeOptions?: { url?: string };
  params?: unknown;
  is404?: boolean;
}

// Event slugs are lowercase words joined by hyphens; a 43-character random token has that
// shape with a probability far below one in a billion.
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SHOWN_PARAMS = new Set(['slug', 'event']);
const MAX_SLUG_LENGTH = 100;
// Shorter than any token, lowercase only: the words of a mistyped address.
const PLAIN_WORD = /^[a-z0-9]+(?:[-.][a-z0-9]+)*$/;
const MAX_WORD_LENGTH = 24;
const QUERY_KEY = /^[a-z][A-Za-z0-9_]{0,23}$/;
const HIDDEN = '*';

export function loggedUrl(request: LoggedRequest): string {
  const [path = '', query] = request.url.split('?', 2);
  const pattern = request.is404 ? undefined : request.routeOptions?.url;
  return `${pattern ? routePath(pattern, request.params) : unmatchedPath(path)}${queryKeys(query)}`;
}

function routePath(pattern: string, params: unknown): string {
  const values = (params ?? {}) as Record<string, unknown>;
  return pattern.replace(/:([A-Za-z0-9_]+)/g, (placeholder, name: string) => {
    const value = values[name];
    return SHOWN_PARAMS.has(name) && typeof value === 'string' && value.length <= MAX_SLUG_LENGTH && SLUG.test(value) ? value : placeholder;
  });
}

function unmatchedPath(path: string): string {
  return path
    .split('/')
    .map((segment) => (segment === '' || (segment.length <= MAX_WORD_LENGTH && PLAIN_WORD.test(segment)) ? segment : HIDDEN))
    .join('/');
}

function queryKeys(query: string | undefined): string {
  if (query === undefined) return '';
  const keys = new Set<string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const key = pair.split('=', 1)[0]!;
    keys.add(QUERY_KEY.test(key) ? key : HIDDEN);
  }
  return keys.size === 0 ? '' : `?${[...keys].join('&')}`;
}

// Error messages can quote what a request carried; long runs of token characters go,
// and so does everything else an error object holds (Node's parser errors keep the raw
// request bytes, for one).
const TOKEN_RUN = /[A-Za-z0-9_-]{24,}/g;

export function scrubText(text: string): string {
  return text.replace(TOKEN_RUN, '[redacted]');
}

export function loggedError(error: Error & { code?: unknown }): { type: string; code?: string; message: string; stack: string } {
  return {
    type: error.name,
    ...(typeof error.code === 'string' ? { code: error.code } : {}),
    message: scrubText(error.message),
    stack: scrubText(error.stack ?? ''),
  };
}
