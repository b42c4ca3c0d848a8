// The admin API's answers to bad input, driven in-process with app.inject(): always the
// error envelope, with the request id in body and header, and never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import type { StaffRole } from '../../src/contract/vocabulary.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform.close();
});

interface Envelope {
  error: { code: string; message: string; requestId: string; details?: { fields?: { field: string; message: string }[]; requiredRole?: string } };
}

const bearer = (role: StaffRole = 'admin') => ({ authorization: `Bearer ${platform.tokens[role]}` });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function inject(request: InjectOptions | (() => InjectOptions)): Promise<LightMyRequestResponse> {
  return platform.platform.app.inject(typeof request === 'function' ? request() : request);
}

/** Checks the envelope and the request id, then returns the parsed body. */
function envelope(response: LightMyRequestResponse): Envelope {
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json() as Envelope;
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.code).toBe('string');
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.requestId).toMatch(/^req_/);
  expect(response.headers['x-request-id']).toBe(body.error.requestId);
  return body;
}

const json = (payload: unknown, role: StaffRole = 'admin'): InjectOptions => ({
  method: 'POST',
  url: '/v1/tokens',
  headers: { ...bearer(role), 'content-type': 'application/json' },
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
});

describe('request bodies', () => {
  it('malformed JSON: 400 bad_request envelope', async () => {
    const response = await inject(json('{"name": "x", '));
    expect(response.statusCode).toBe(400);
    expect(envelope(response).error.code).toBe('bad_request');
  });

  it('an unknown field: 422 naming it in details.fields', async () => {
    const response = await inject(json({ name: 'x', role: 'viewer', colour: 'blue' }));
    expect(response.statusCode).toBe(422);
    const body = envelope(response);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details?.fields).toEqual([{ field: 'body.colour', message: 'unknown field: colour' }]);
  });

  it('missing fields: 422 naming each', async () => {
    const response = await inject(json({}));
    expect(response.statusCode).toBe(422);
    expect(envelope(response).error.details?.fields?.map((f) => f.field).sort()).toEqual(['body.name', 'body.role']);
  });

  it('a 10,000-character name: 422 on body.name, and no token is stored', async () => {
    const response = await inject(json({ name: 'n'.repeat(10_000), role: 'viewer' }));
    expect(response.statusCode).toBe(422);
    expect(envelope(response).error.details?.fields?.map((f) => f.field)).toEqual(['body.name']);
    const stored = await platform.platform.ctx.db.selectFrom('tokens').select('id').where('name', 'like', 'nnnn%').execute();
    expect(stored).toEqual([]);
  });
});

describe('lists: limits, cursors and query parameters', () => {
  it.each(['/v1/users', '/v1/events'])('%s with limit=0, 999 and abc: 422 on limit', async (path) => {
    for (const limit of ['0', '999', 'abc']) {
      const response = await inject({ method: 'GET', url: `${path}?limit=${limit}`, headers: bearer() });
      expect(response.statusCode).toBe(422);
      const body = envelope(response);
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.details?.fields?.map((f) => f.field)).toEqual(['query.limit']);
    }
  });

  it('an unknown query parameter: 422 naming it', async () => {
    const response = await inject({ method: 'GET', url: '/v1/users?q=priya&sort=name', headers: bearer() });
    expect(response.statusCode).toBe(422);
    expect(envelope(response).error.details?.fields).toEqual([{ field: 'query.sort', message: 'unknown field: sort' }]);
  });

  const badCursors: [string, string][] = [
    ['garbage', 'garbage'],
    ['garbage with characters outside base64url', 'not*a*cursor!'],
    ['base64 of JSON of the wrong shape', b64({ after: 'x' })],
    ['base64 of the other list’s cursor shape', b64([1, 'x', 'y', 'z'])],
    ['too long', 'A'.repeat(600)],
  ];
  describe.each(['/v1/users', '/v1/events'])('%s', (path) => {
    it.each(badCursors)('a bad cursor (%s): 400 invalid_cursor', async (_label, cursor) => {
      const response = await inject({ method: 'GET', url: `${path}?cursor=${encodeURIComponent(cursor)}`, headers: bearer() });
      expect(response.statusCode).toBe(400);
      expect(envelope(response).error.code).toBe('invalid_cursor');
    });
  });
});

describe('authentication and routing', () => {
  it.each([
    ['no Authorization header', {}],
    ['a bearer token the platform never issued', { authorization: 'Bearer t1_made-up' }],
    ['another scheme', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('%s: 401 unauthenticated envelope', async (_label, headers) => {
    for (const url of ['/v1/users?q=priya', '/v1/events', '/v1/whoami']) {
      const response = await inject({ method: 'GET', url, headers });
      expect(response.statusCode).toBe(401);
      expect(envelope(response).error.code).toBe('unauthenticated');
    }
  });

  it('a viewer creating a token: 403 with details.requiredRole admin', async () => {
    const response = await inject(json({ name: 'x', role: 'viewer' }, 'viewer'));
    expect(response.statusCode).toBe(403);
    const body = envelope(response);
    expect(body.error.code).toBe('forbidden');
    expect(body.error.details?.requiredRole).toBe('admin');
  });

  it.each(['/v1/nothing-here', '/v1/users/someone@x.example/nothing'])('unknown route %s: 404 envelope', async (url) => {
    const response = await inject({ method: 'GET', url, headers: bearer() });
    expect(response.statusCode).toBe(404);
    expect(envelope(response).error.code).toBe('not_found');
  });

  it('an unknown page outside the API is an HTML "page not found"', async () => {
    const response = await inject({ method: 'GET', url: '/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('Page not found');
  });

  it('a method the route does not have: 404 envelope', async () => {
    const response = await inject({ method: 'DELETE', url: '/v1/users', headers: bearer() });
    expect(response.statusCode).toBe(404);
    expect(envelope(response).error.code).toBe('not_found');
  });
});

describe('over-long input', () => {
  it('q of 5,000 characters: 422 on query.q', async () => {
    const response = await inject({ method: 'GET', url: `/v1/users?q=${'q'.repeat(5000)}`, headers: bearer() });
    expect(response.statusCode).toBe(422);
    expect(envelope(response).error.details?.fields?.map((f) => f.field)).toEqual(['query.q']);
  });

  it('a path parameter of 300 characters: 422 on params', async () => {
    const response = await inject({ method: 'GET', url: `/v1/users/${'u'.repeat(300)}`, headers: bearer() });
    expect(response.statusCode).toBe(422);
    expect(envelope(response).error.details?.fields?.map((f) => f.field)).toEqual(['params.user']);
  });

  it.each(['/v1/users/', '/v1/events/'])('a path parameter of 2,000 characters on %s: 4xx envelope', async (prefix) => {
    const response = await inject({ method: 'GET', url: `${prefix}${'p'.repeat(2000)}`, headers: bearer() });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    envelope(response);
  });
});

// Every kind of bad request above, and a few more, in one sweep.
const sweep: [string, () => InjectOptions][] = [
  ['malformed JSON', () => json('{')],
  ['empty JSON body', () => json('')],
  ['JSON null body', () => json('null')],
  ['JSON array body', () => json('[]')],
  ['text/plain body', () => ({ method: 'POST', url: '/v1/tokens', headers: { ...bearer(), 'content-type': 'text/plain' }, payload: 'hi' })],
  ['body over 64 KiB', () => json({ name: 'n'.repeat(100_000), role: 'viewer' })],
  ['unknown body field', () => json({ name: 'x', role: 'viewer', extra: true })],
  ['role outside the vocabulary', () => json({ name: 'x', role: 'root' })],
  ['expires as a number', () => json({ name: 'x', role: 'viewer', expires: 10 })],
  ['10k-character name', () => json({ name: 'n'.repeat(10_000), role: 'viewer' })],
  ['5k-character q', () => ({ method: 'GET', url: `/v1/users?q=${'q'.repeat(5000)}`, headers: bearer() })],
  ['2k-character user param', () => ({ method: 'GET', url: `/v1/users/${'p'.repeat(2000)}`, headers: bearer() })],
  ['2k-character user param, status', () => ({ method: 'GET', url: `/v1/users/${'p'.repeat(2000)}/status`, headers: bearer() })],
  ['2k-character event param', () => ({ method: 'GET', url: `/v1/events/${'p'.repeat(2000)}`, headers: bearer() })],
  ['5k-character event query', () => ({ method: 'GET', url: `/v1/users/a@b.example/status?event=${'e'.repeat(5000)}`, headers: bearer() })],
  ['invalid percent-encoding in a path', () => ({ method: 'GET', url: '/v1/users/%ff', headers: bearer() })],
  ['blank q', () => ({ method: 'GET', url: '/v1/users?q=%20%20', headers: bearer() })],
  ['blank user param', () => ({ method: 'GET', url: '/v1/users/%20', headers: bearer() })],
  ['repeated q', () => ({ method: 'GET', url: '/v1/users?q=a&q=b', headers: bearer() })],
  ['repeated limit', () => ({ method: 'GET', url: '/v1/users?limit=1&limit=2', headers: bearer() })],
  ['limit=0', () => ({ method: 'GET', url: '/v1/users?limit=0', headers: bearer() })],
  ['limit=999', () => ({ method: 'GET', url: '/v1/events?limit=999', headers: bearer() })],
  ['limit=abc', () => ({ method: 'GET', url: '/v1/users?limit=abc', headers: bearer() })],
  ['limit=1.5', () => ({ method: 'GET', url: '/v1/users?limit=1.5', headers: bearer() })],
  ['limit=-1', () => ({ method: 'GET', url: '/v1/events?limit=-1', headers: bearer() })],
  ['unknown status filter', () => ({ method: 'GET', url: '/v1/users?status=lost', headers: bearer() })],
  ['unknown query param', () => ({ method: 'GET', url: '/v1/events?sort=asc', headers: bearer() })],
  ['garbage cursor (users)', () => ({ method: 'GET', url: '/v1/users?cursor=garbage', headers: bearer() })],
  ['non-base64url cursor (events)', () => ({ method: 'GET', url: '/v1/events?cursor=%25%25%25', headers: bearer() })],
  ['wrong-JSON cursor (users)', () => ({ method: 'GET', url: `/v1/users?cursor=${b64({ a: 1 })}`, headers: bearer() })],
  ['out-of-range rank cursor (users)', () => ({ method: 'GET', url: `/v1/users?q=a&cursor=${b64([7, 'x', 'y'])}`, headers: bearer() })],
  ['huge-number cursor (users)', () => ({ method: 'GET', url: `/v1/users?cursor=${b64([1e308, 'x', 'y'])}`, headers: bearer() })],
  ['too-long cursor (events)', () => ({ method: 'GET', url: `/v1/events?cursor=${'A'.repeat(600)}`, headers: bearer() })],
  ['no token', () => ({ method: 'GET', url: '/v1/users' })],
  ['unknown token', () => ({ method: 'GET', url: '/v1/users', headers: { authorization: 'Bearer nope' } })],
  ['viewer creating a token', () => json({ name: 'x', role: 'viewer' }, 'viewer')],
  ['agent creating an admin token', () => json({ name: 'x', role: 'admin' }, 'agent')],
  ['unknown person', () => ({ method: 'GET', url: '/v1/users/nobody@nowhere.example', headers: bearer() })],
  ['unknown event', () => ({ method: 'GET', url: '/v1/events/no-such-event', headers: bearer() })],
  ['status of an unknown event', () => ({ method: 'GET', url: '/v1/users/priya.sharma@contoso.example/status?event=nope', headers: bearer() })],
  ['status without an event for several registrations', () => ({ method: 'GET', url: '/v1/users/priya.sharma@contoso.example/status', headers: bearer() })],
  ['unknown route', () => ({ method: 'GET', url: '/v1/nothing-here', headers: bearer() })],
  ['unknown method', () => ({ method: 'PATCH', url: '/v1/events', headers: bearer() })],
];

describe('never a 500, always the envelope with the request id', () => {
  it.each(sweep)('%s', async (_label, request) => {
    const response = await inject(request);
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    envelope(response);
  });
});

describe('odd but valid input', () => {
  it.each([
    ['invalid percent-encoding in q', '/v1/users?q=%ff'],
    ['NUL in q', '/v1/users?q=%00'],
    ['SQL-looking q', `/v1/users?q=${encodeURIComponent("' OR 1=1 --")}`],
    ['a LIKE wildcard in q', '/v1/users?q=%25'],
  ])('%s: 200 with no one found', async (_label, url) => {
    const response = await inject({ method: 'GET', url, headers: bearer() });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ items: [], nextCursor: null });
  });
});

describe('pagination', () => {
  it.each([
    ['without q', '/v1/users?limit=5'],
    ['with a filter and without q', '/v1/users?status=registered&limit=5'],
  ])('lists people %s (q is optional)', async (_label, url) => {
    const response = await inject({ method: 'GET', url, headers: bearer('viewer') });
    expect(response.statusCode).toBe(200);
    const page = response.json() as { items: unknown[]; nextCursor: string | null };
    expect(page.items).toHaveLength(5);
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it('following nextCursor over /v1/users?limit=5 visits every person exactly once', async () => {
    const { db } = platform.platform.ctx;
    const stored = (await db.selectFrom('users').select('id').where('org_id', '=', 'org_demo').execute()).map((u) => u.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/users?limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await inject({ method: 'GET', url, headers: bearer('viewer') });
      expect(response.statusCode).toBe(200);
      const page = response.json() as { items: { id: string }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor;
      pages++;
      expect(pages).toBeLessThan(100);
    } while (cursor);
    expect(pages).toBe(Math.ceil(stored.length / 5));
    expect(seen).toHaveLength(stored.length);
    expect(new Set(seen)).toEqual(new Set(stored));
  });

  it('following nextCursor over /v1/events?limit=1 visits the three events in start order', async () => {
    const slugs: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/events?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await inject({ method: 'GET', url, headers: bearer('viewer') })).json() as {
        items: { slug: string }[];
        nextCursor: string | null;
      };
      slugs.push(...page.items.map((e) => e.slug));
      cursor = page.nextCursor;
    } while (cursor);
    expect(slugs).toEqual(['partner-kickoff-2026', 'customer-day-live', 'product-summit-2027']);
  });
});
