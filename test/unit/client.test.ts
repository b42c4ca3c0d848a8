// PlatformClient against a throwaway node:http server. The server only imitates failure
// modes the real platform cannot be made to produce on demand (gateway errors, stalls,
// rate limits); the happy paths are covered by the integration tests.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserSummary } from '../../src/contract/schemas.ts';
import { ApiError, NetworkError } from '../../src/client/errors.ts';
import { PlatformClient, paginate } from '../../src/client/platform-client.ts';
import type { AttemptInfo, CallInfo, PlatformClientOptions, RetryInfo } from '../../src/client/platform-client.ts';
import {
  RETRY_AFTER_CAP_MS,
  backoffMs,
  isIdempotent,
  isRetryableErrorCode,
  isRetryableStatus,
  parseRetryAfter,
  retryDelayMs,
} from '../../src/client/retry.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_hdr', ...headers });
  res.end(JSON.stringify(body));
}

function envelope(code: string, message: string, requestId?: string): unknown {
  return { error: { code, message, ...(requestId === undefined ? {} : { requestId }), details: { hint: 'x' } } };
}

/** Answers the n-th request (0-based) with handlers[n], repeating the last one. */
function sequence(...handlers: Handler[]): Handler {
  let n = 0;
  return (req, res) => handlers[Math.min(n++, handlers.length - 1)]!(req, res);
}

const health = { ok: true, version: '1.2.3' };

function user(id: string): UserSummary {
  return {
    id,
    email: `${id}@example.com`,
    firstName: 'Ann',
    lastName: id,
    fullName: `Ann ${id}`,
    company: null,
    registrations: [],
  };
}

let server: Server;
let baseUrl: string;
let handler: Handler;
let seen: Seen[];
let sleeps: number[];
let retries: RetryInfo[];
const clients: PlatformClient[] = [];

function client(options: Partial<PlatformClientOptions> = {}): PlatformClient {
  const c = new PlatformClient({
    baseUrl,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    progress: { onRetry: (info) => retries.push(info) },
    ...options,
  });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  seen = [];
  sleeps = [];
  retries = [];
  handler = (_req, res) => json(res, 200, health);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const record = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(record);
      handler(record, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('retry policy', () => {
  it('backs off exponentially with full jitter, capped at 5 s', () => {
    const half = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, half))).toEqual([100, 200, 400, 800, 1600, 2500, 2500]);
    expect(backoffMs(3, () => 0)).toBe(0);
    expect(backoffMs(10, () => 0.9999)).toBe(4999);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(new Date(now + 10_000).toUTCString(), now)).toBe(10_000);
    expect(parseRetryAfter(new Date(now - 10_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('prefers Retry-After over backoff, within a cap', () => {
    expect(retryDelayMs(1, () => 0.5, 2000)).toBe(2000);
    expect(retryDelayMs(1, () => 0.5, 120_000)).toBe(RETRY_AFTER_CAP_MS);
    expect(retryDelayMs(2, () => 0.5)).toBe(200);
  });

  it('retries only idempotent requests, transient statuses and network failures', () => {
    expect(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'].every((m) => isIdempotent(m, false))).toBe(true);
    expect(isIdempotent('POST', false)).toBe(false);
    expect(isIdempotent('POST', true)).toBe(true);
    expect(isIdempotent('PATCH', false)).toBe(false);
    expect([429, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 404, 409, 500].some(isRetryableStatus)).toBe(false);
    expect(isRetryableErrorCode('ECONNREFUSED')).toBe(true);
    expect(isRetryableErrorCode('T1_HEADERS_TIMEOUT')).toBe(true);
    expect(isRetryableErrorCode('ENOTFOUND')).toBe(false);
  });
});

describe('PlatformClient retries', () => {
  it('retries a 503 and returns the later success', async () => {
    handler = sequence((_q, res) => json(res, 503, envelope('unavailable', 'Down for a moment.')), (_q, res) => json(res, 200, health));
    await expect(client().health()).resolves.toEqual(health);
    expect(seen).toHaveLength(2);
    expect(sleeps).toEqual([100]);
    expect(retries).toEqual([
      { method: 'GET', url: `${baseUrl}/v1/health`, attempt: 1, maxAttempts: 4, delayMs: 100, reason: 'HTTP 503', status: 503 },
    ]);
  });

  it('waits as long as a 429 Retry-After asks', async () => {
    handler = sequence(
      (_q, res) => json(res, 429, envelope('rate_limited', 'Slow down.'), { 'retry-after': '2' }),
      (_q, res) => json(res, 200, health),
    );
    await expect(client().health()).resolves.toEqual(health);
    expect(sleeps).toEqual([2000]);
  });

  it('gives up after maxAttempts on a proxy HTML 502 and names the status', async () => {
    handler = (_q, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>Bad Gateway</body></html>');
    };
    const error = await client().health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'http_502', status: 502, requestId: null, method: 'GET', url: `${baseUrl}/v1/health` });
    expect((error as ApiError).message).toBe('The platform answered HTTP 502 Bad Gateway without an error description.');
    expect(seen).toHaveLength(4);
    expect(sleeps).toEqual([100, 200, 400]);
  });

  // One stalled attempt, then a prompt answer.
  it('times out a server that never sends headers, and retries', async () => {
    handler = sequence(() => {}, (_q, res) => json(res, 200, health));
    await expect(client({ requestTimeoutMs: 100 }).health()).resolves.toEqual(health);
    expect(seen).toHaveLength(2);
    expect(retries.map((r) => r.reason)).toEqual(['timed out waiting for a response']);
  });

  it('times out a body that stops arriving, and retries', async () => {
    handler = sequence(
      (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"ok":');
      },
      (_q, res) => json(res, 200, health),
    );
    await expect(client({ requestTimeoutMs: 100 }).health()).resolves.toEqual(health);
    expect(seen).toHaveLength(2);
    expect(retries.map((r) => r.reason)).toEqual(['timed out reading the response']);
  });

  it('says plainly when the platform timed out', () => {
    const error = new NetworkError({ url: 'http://127.0.0.1:7070/v1/health', attempts: 1, code: 'T1_HEADERS_TIMEOUT', cause: null });
    expect(error.message).toBe('Could not reach the platform at http://127.0.0.1:7070 (timed out waiting for a response) after 1 attempt.');
  });

  it('reports a closed port as a NetworkError after maxAttempts', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await client({ baseUrl: url }).health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', attempts: 4, url: `${url}/v1/health` });
    expect((error as NetworkError).message).toBe(`Could not reach the platform at ${url} (connection refused) after 4 attempts.`);
    expect(sleeps).toEqual([100, 200, 400]);
    expect(retries.map((r) => r.reason)).toEqual(Array(3).fill('connection refused'));
  });

  it('does not retry a POST without an Idempotency-Key', async () => {
    handler = (_q, res) => json(res, 503, envelope('unavailable', 'Down for a moment.', 'req_body'));
    const error = await client().createToken({ name: 'ci', role: 'viewer' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable', status: 503 });
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries a POST that carries an Idempotency-Key, with the same key and body', async () => {
    const created = { id: 'tok_1', name: 'ci', role: 'viewer', token: 'secret', expiresAt: null };
    handler = sequence((_q, res) => json(res, 503, envelope('unavailable', 'Down.')), (_q, res) => json(res, 201, created));
    await expect(client().createToken({ name: 'ci', role: 'viewer' }, 'key-1')).resolves.toEqual(created);
    expect(seen).toHaveLength(2);
    for (const req of seen) {
      expect(req.method).toBe('POST');
      expect(req.headers['idempotency-key']).toBe('key-1');
      expect(req.headers['content-type']).toBe('application/json');
      expect(JSON.parse(req.body)).toEqual({ name: 'ci', role: 'viewer' });
    }
  });

  it('does not retry a 500', async () => {
    handler = (_q, res) => json(res, 500, envelope('internal', 'Something broke.'));
    await expect(client().health()).rejects.toMatchObject({ code: 'internal', status: 500 });
    expect(seen).toHaveLength(1);
  });
});

describe('PlatformClient requests and answers', () => {
  it('sends the bearer token and asks for JSON', async () => {
    await client({ token: 't1_secret', userAgent: 't1/9.9.9' }).health();
    expect(seen[0]!.headers).toMatchObject({
      authorization: 'Bearer t1_secret',
      accept: 'application/json',
      'user-agent': 't1/9.9.9',
    });
  });

  it('sends no authorization header without a token', async () => {
    await client().health();
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it('encodes path segments and leaves out undefined query parameters', async () => {
    handler = (_q, res) => json(res, 404, envelope('not_found', 'No such user.'));
    const c = client();
    await expect(c.getUser('a/b@example.com')).rejects.toBeInstanceOf(ApiError);
    await expect(c.getRegistrationStatus('x@y.z', 'spring summit')).rejects.toBeInstanceOf(ApiError);
    await expect(c.getRegistrationStatus('x@y.z')).rejects.toBeInstanceOf(ApiError);
    await expect(c.searchUsers({ q: 'ann', status: undefined, limit: 5 })).rejects.toBeInstanceOf(ApiError);
    expect(seen.map((r) => r.url)).toEqual([
      '/v1/users/a%2Fb%40example.com',
      '/v1/users/x%40y.z/status?event=spring+summit',
      '/v1/users/x%40y.z/status',
      '/v1/users?q=ann&limit=5',
    ]);
  });

  it('keeps a path prefix in the base URL', async () => {
    await client({ baseUrl: `${baseUrl}/api/` }).health();
    expect(seen[0]!.url).toBe('/api/v1/health');
  });

  it('carries code, status, requestId and details from the error envelope', async () => {
    handler = (_q, res) => json(res, 404, envelope('not_found', 'No user matches nobody@example.com.', 'req_body'));
    const c = client();
    const error = await c.getUser('nobody@example.com').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      code: 'not_found',
      status: 404,
      message: 'No user matches nobody@example.com.',
      requestId: 'req_body',
      details: { hint: 'x' },
      method: 'GET',
      url: `${baseUrl}/v1/users/nobody%40example.com`,
    });
    expect(c.lastRequestId).toBe('req_hdr');
  });

  it('falls back to the x-request-id header when the envelope has no requestId', async () => {
    handler = (_q, res) => json(res, 403, envelope('forbidden', 'Agents only.'));
    await expect(client().whoAmI()).rejects.toMatchObject({ code: 'forbidden', requestId: 'req_hdr' });
  });

  it('rejects a success body that does not match the contract', async () => {
    handler = (_q, res) => json(res, 200, { ok: 'yes' });
    const error = await client().health().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'bad_response', status: 200, requestId: 'req_hdr' });
    expect((error as ApiError).details).toMatchObject({ issues: [{ path: 'ok' }, { path: 'version' }] });
  });

  it('follows nextCursor across three pages', async () => {
    const pages: Record<string, { items: UserSummary[]; nextCursor: string | null }> = {
      '': { items: [user('u1'), user('u2')], nextCursor: 'c2' },
      c2: { items: [user('u3')], nextCursor: 'c3' },
      c3: { items: [user('u4')], nextCursor: null },
    };
    handler = (req, res) => {
      const cursor = new URL(req.url, 'http://x').searchParams.get('cursor') ?? '';
      json(res, 200, pages[cursor]);
    };
    const ids: string[] = [];
    for await (const u of client().iterateUsers({ event: 'summit', limit: 2 })) ids.push(u.id);
    expect(ids).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(seen.map((r) => r.url)).toEqual([
      '/v1/users?event=summit&limit=2',
      '/v1/users?event=summit&limit=2&cursor=c2',
      '/v1/users?event=summit&limit=2&cursor=c3',
    ]);
  });

  it('paginate starts from a given cursor', async () => {
    const asked: (string | undefined)[] = [];
    const items: number[] = [];
    const fetchPage = async (cursor: string | undefined) => {
      asked.push(cursor);
      return cursor === 'a' ? { items: [1], nextCursor: 'b' } : { items: [2], nextCursor: null };
    };
    for await (const n of paginate(fetchPage, 'a')) items.push(n);
    expect(asked).toEqual(['a', 'b']);
    expect(items).toEqual([1, 2]);
  });
});

/** Request ids 'rid-1', 'rid-2'... in the order calls begin. */
function countingIds(): () => string {
  let n = 0;
  return () => `rid-${++n}`;
}

describe('PlatformClient request ids', () => {
  it('sends one X-Request-Id per call, the same on each of its attempts', async () => {
    handler = sequence((_q, res) => json(res, 503, envelope('unavailable', 'Down.')), (_q, res) => json(res, 200, health));
    const c = client({ requestId: countingIds() });
    await c.health();
    await c.health();
    expect(seen.map((r) => r.headers['x-request-id'])).toEqual(['rid-1', 'rid-1', 'rid-2']);
  });

  it('makes a fresh random id for each call by default', async () => {
    const c = client();
    await c.health();
    await c.health();
    const [first, second] = seen.map((r) => String(r.headers['x-request-id']));
    expect(first).toMatch(/^t1-[0-9a-f-]{36}$/);
    expect(second).toMatch(/^t1-[0-9a-f-]{36}$/);
    expect(first).not.toBe(second);
  });

  it('puts the id it sent on a NetworkError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await client({ baseUrl: url, requestId: countingIds() }).health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ clientRequestId: 'rid-1', attempts: 4 });
  });

  it('puts the id it sent on an ApiError for a 5xx, beside the platform id', async () => {
    handler = (_q, res) => json(res, 500, envelope('internal', 'Something broke.', 'req_body'));
    await expect(client({ requestId: countingIds() }).health()).rejects.toMatchObject({
      status: 500,
      requestId: 'req_body',
      clientRequestId: 'rid-1',
    });
  });

  it('puts the id it sent on an ApiError for a proxy page that carries no id', async () => {
    handler = (_q, res) => {
      res.writeHead(504, { 'content-type': 'text/html' });
      res.end('<html>Gateway Timeout</html>');
    };
    await expect(client({ requestId: countingIds(), maxAttempts: 1 }).health()).rejects.toMatchObject({
      code: 'http_504',
      requestId: null,
      clientRequestId: 'rid-1',
    });
  });

  it('drops control characters from what an error body says', async () => {
    handler = (_q, res) => json(res, 409, envelope('conflict', 'Already\u001b[2J sent\u0007.', 'req_\u001b]0;x\u0007id'));
    await expect(client().health()).rejects.toMatchObject({ message: 'Already[2J sent.', requestId: 'req_]0;xid' });
  });
});

describe('PlatformClient progress', () => {
  type Event = ['start', CallInfo] | ['attempt', AttemptInfo] | ['retry', RetryInfo] | ['end', CallInfo];

  function recording(): { events: Event[]; progress: NonNullable<PlatformClientOptions['progress']> } {
    const events: Event[] = [];
    return {
      events,
      progress: {
        onCallStart: (call) => events.push(['start', call]),
        onAttempt: (attempt) => events.push(['attempt', attempt]),
        onRetry: (retry) => events.push(['retry', retry]),
        onCallEnd: (call) => events.push(['end', call]),
      },
    };
  }

  it('tells a call from start to end: each attempt with its status, timing and ids, and the retry between', async () => {
    handler = sequence((_q, res) => json(res, 503, envelope('unavailable', 'Down.')), (_q, res) => json(res, 200, health));
    const { events, progress } = recording();
    await client({ progress, requestId: countingIds() }).health();
    const call = { method: 'GET', url: `${baseUrl}/v1/health`, requestId: 'rid-1' };
    expect(events.map(([kind]) => kind)).toEqual(['start', 'attempt', 'retry', 'attempt', 'end']);
    expect(events[0]![1]).toEqual(call);
    expect(events[1]![1]).toMatchObject({ ...call, attempt: 1, maxAttempts: 4, status: 503, responseRequestId: 'req_hdr', failure: undefined });
    expect(events[2]![1]).toMatchObject({ attempt: 1, maxAttempts: 4, delayMs: 100, reason: 'HTTP 503', status: 503 });
    expect(events[3]![1]).toMatchObject({ ...call, attempt: 2, status: 200 });
    expect(events[4]![1]).toEqual(call);
    for (const [kind, info] of events) if (kind === 'attempt') expect(info.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('tells a failure without an answer in plain words, and still ends the call', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { events, progress } = recording();
    await expect(client({ baseUrl: url, progress, maxAttempts: 2 }).health()).rejects.toBeInstanceOf(NetworkError);
    expect(events.map(([kind]) => kind)).toEqual(['start', 'attempt', 'retry', 'attempt', 'end']);
    expect(events[1]![1]).toMatchObject({ status: undefined, responseRequestId: null, failure: 'connection refused' });
    expect(events[2]![1]).toMatchObject({ reason: 'connection refused', status: undefined });
  });

  it('ends the call when the request cannot even be sent', async () => {
    const { events, progress } = recording();
    await expect(client({ token: 'bad\ntoken', progress }).health()).rejects.toThrow();
    expect(events.map(([kind]) => kind)).toEqual(['start', 'end']);
  });
});
