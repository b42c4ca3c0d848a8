// Property-based fuzzing of every route the platform registers: hostile path values,
// queries, bodies, content types and credentials. Whatever arrives, the platform answers
// below 500, with the JSON envelope under /v1 and an HTML page elsewhere.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { runT1 } from '../helpers/cli.ts';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { registeredRoutes, type RouteSpec } from './routes.ts';

let platform: TestPlatform;
let routes: RouteSpec[];
let people: { id: string; email: string }[];
let webhookSecret: string;
const EVENT = DEMO_EVENT_SLUGS.upcoming;

beforeAll(async () => {
  platform = await startTestPlatform();
  routes = registeredRoutes(platform.platform.app);
  people = await platform.platform.ctx.db.selectFrom('users').select(['id', 'email']).limit(20).execute();
  const rotated = await runT1(['events', 'webhook-secret', EVENT, '--yes'], { env: platform.env('admin') });
  expect(rotated.exitCode).toBe(0);
  webhookSecret = rotated.stdout.trim();
}, 60_000);
afterAll(async () => {
  await platform.close();
});

const NASTY = [
  '',
  ' ',
  '\u0000',
  '\u0007',
  '\u001b[2J',
  '\u001b]8;;https://evil.example\u0007x\u001b]8;;\u0007',
  '\u009b31m',
  '\u202eevil',
  'a\u200bb',
  '\ufeff',
  '%',
  '%00',
  '%ZZ',
  '%C0%AF',
  '../../etc/passwd',
  "'; DROP TABLE users;--",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  '{{7*7}}',
  '${jndi:ldap://x}',
  'null',
  'true',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  'NaN',
  '__proto__',
  'constructor',
  'x'.repeat(2_000),
  '\ud800',
  'ＡＢＣ＠ｅｘａｍｐｌｅ．ｃｏｍ',
  'priya.sharma@contoso.example.',
  'PRIYA.SHARMA@CONTOSO.EXAMPLE',
];

const hostileText = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.emailAddress() },
  { weight: 1, arbitrary: fc.integer().map(String) },
);

/** Percent-encodes the UTF-8 bytes (a lone surrogate becomes U+FFFD, as a browser sends it). */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** A value for a path parameter: sometimes a real one, so validation runs past lookup. */
function pathValue(name: string): fc.Arbitrary<string> {
  const real: string[] =
    name === 'user'
      ? people.flatMap((p) => [p.id, p.email])
      : name === 'event' || name === 'slug'
        ? Object.values(DEMO_EVENT_SLUGS)
        : ['tok_' + 'A'.repeat(43)];
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...real).map(percentEncode) },
    { weight: 3, arbitrary: hostileText.map(percentEncode) },
    { weight: 1, arbitrary: fc.constantFrom('%ZZ', '%C0%AF', '%00', '%2F..%2F', '%E2%80%AE', '.', '..') },
  );
}

const FIELD_NAMES = [
  'email', 'firstName', 'lastName', 'company', 'jobTitle', 'country', 'role', 'status', 'reason', 'ticket', 'name',
  'password', 'confirm', 'code', 'csrf', 'send', 'expires', 'event', 'rows', 'fileName', 'type', 'data', 'limit',
  'cursor', 'since', 'kind', 'method', 'channel', 'answers', 'settings', 'title',
];
const fieldName = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FIELD_NAMES) }, { weight: 1, arbitrary: hostileText });
const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.array(fc.record({ email: hostileText, firstName: hostileText }), { maxLength: 3 }) },
);

const query = fc.dictionary(fieldName, hostileText, { maxKeys: 4 }).map((entries) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(entries)) search.append(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
});

const body = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fieldName, fieldValue, { maxKeys: 6 }).map((o) => ({ type: 'application/json', payload: JSON.stringify(o) })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ type: 'application/json', payload: JSON.stringify(v) })) },
  { weight: 1, arbitrary: hostileText.map((t) => ({ type: 'application/json', payload: t })) },
  {
    weight: 2,
    arbitrary: fc.dictionary(fieldName, hostileText, { maxKeys: 6 }).map((o) => ({ type: 'application/x-www-form-urlencoded', payload: new URLSearchParams(o).toString() })),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('text/plain', 'multipart/form-data', 'application/xml', 'application/json; charset=latin1', '*/*', 'bogus'), hostileText).map(([type, payload]) => ({ type, payload })) },
  { weight: 1, arbitrary: fc.constant(null) },
);

function credentials(): fc.Arbitrary<Record<string, string>> {
  return fc.constantFrom<Record<string, string>>(
    { authorization: `Bearer ${platform.tokens.admin}` },
    { authorization: `Bearer ${platform.tokens.agent}` },
    { authorization: `Bearer ${platform.tokens.viewer}` },
    {},
    { authorization: 'Bearer t1_not_a_token' },
    { authorization: 'Basic YWRtaW46YWRtaW4=' },
    { authorization: 'Bearer ' },
  );
}

const extraHeaders = fc.record(
  {
    'idempotency-key': hostileText.filter((t) => /^[\x20-\x7e]*$/.test(t)),
    'user-agent': hostileText.filter((t) => /^[\x20-\x7e]*$/.test(t)),
    'accept-language': fc.constantFrom('en', '*', 'xx-YY;q=2', ''),
  },
  { requiredKeys: [] },
);

function assertWellFormed(route: string, request: InjectOptions, response: LightMyRequestResponse): void {
  const where = `${request.method} ${String(request.url).slice(0, 120)} -> ${response.statusCode}: ${response.body.slice(0, 300)}`;
  expect(response.statusCode, where).toBeLessThan(500);
  if (request.method === 'HEAD') return;
  const type = String(response.headers['content-type'] ?? '');
  if (route.startsWith('/v1')) {
    expect(type, where).toMatch(/^application\/json/);
    if (response.statusCode >= 400) {
      const parsed = response.json() as { error?: { code?: unknown; message?: unknown; requestId?: unknown } };
      expect(Object.keys(parsed), where).toEqual(['error']);
      expect(typeof parsed.error?.code, where).toBe('string');
      expect(typeof parsed.error?.message, where).toBe('string');
      expect(parsed.error?.requestId, where).toBe(response.headers['x-request-id']);
    }
  } else if (response.statusCode >= 400) {
    expect(type, where).toMatch(/^text\/html/);
  }
}

function fill(pattern: string, values: Record<string, string>): string {
  return pattern.replace(/:([A-Za-z]+)/g, (_m, name: string) => values[name] ?? 'x');
}

const RUNS_PER_ROUTE = 40;

describe('every route, hostile input', () => {
  it('found the routes', () => {
    expect(routes.length).toBeGreaterThan(30);
  });

  it('answers every route and method below 500, in the right envelope', async () => {
    let cases = 0;
    // Every route is fuzzed even after one fails, so a run reports all of them at once.
    const failures: string[] = [];
    for (const route of routes) {
      const params = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
      const paramValues = fc.record(Object.fromEntries(params.map((p) => [p, pathValue(p)])) as Record<string, fc.Arbitrary<string>>);
      for (const method of route.methods) {
        const verdict = await fc.check(
          fc.asyncProperty(paramValues, query, body, credentials(), extraHeaders, async (values, search, payload, auth, headers) => {
            const sendsBody = method !== 'GET' && method !== 'HEAD' && payload !== null;
            const request: InjectOptions = {
              method: method as InjectOptions['method'],
              url: fill(route.path, values) + search,
              headers: { ...auth, ...headers, ...(sendsBody ? { 'content-type': payload.type } : {}) },
              ...(sendsBody ? { payload: payload.payload } : {}),
            };
            const response = await platform.platform.app.inject(request);
            cases += 1;
            assertWellFormed(route.path, request, response);
          }),
          { numRuns: RUNS_PER_ROUTE },
        );
        if (verdict.failed) failures.push(`${method} ${route.path}: ${String(verdict.errorInstance).split('\n')[0]}`);
      }
    }
    expect(failures).toEqual([]);
    expect(cases).toBeGreaterThan(2_000);
  }, 240_000);
});

describe('signed webhooks with hostile payloads', () => {
  function sign(id: string, timestamp: number, text: string): string {
    const key = Buffer.from(webhookSecret.replace(/^whsec_/, ''), 'base64');
    return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${text}`).digest('base64')}`;
  }

  it('never answers 5xx to a correctly signed body of any shape', async () => {
    let n = 0;
    const data = fc.oneof(
      fc.dictionary(fieldName, fieldValue, { maxKeys: 7 }).map((d) => ({ event: EVENT, ...d })),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const envelope = fc.record({ type: fc.oneof(fc.constant('registration.created'), hostileText), data }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.oneof(envelope.map((e) => JSON.stringify(e)), hostileText), async (text) => {
        n += 1;
        const id = `msg_fuzz_${n}`;
        const timestamp = Math.floor(Date.now() / 1000);
        const request: InjectOptions = {
          method: 'POST',
          url: '/v1/webhooks/registrations',
          headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(id, timestamp, text) },
          payload: text,
        };
        assertWellFormed('/v1/webhooks/registrations', request, await platform.platform.app.inject(request));
      }),
      { numRuns: 400 },
    );
  }, 120_000);
});

describe('end-user forms with a valid CSRF token', () => {
  /** Opens a form page as a browser would: its cookies and its hidden CSRF field. */
  async function openForm(url: string): Promise<{ cookie: string; field: string; value: string } | null> {
    const page = await platform.platform.app.inject({ method: 'GET', url });
    const input = /<input[^>]*name="([^"]*csrf[^"]*)"[^>]*>/i.exec(page.body);
    const value = input && /value="([^"]+)"/.exec(input[0]);
    if (!input || !value) return null;
    const setCookie = page.headers['set-cookie'];
    const cookie = (Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []).map((c) => c.split(';')[0]).join('; ');
    return { cookie, field: input[1]!, value: value[1]! };
  }

  it('answers hostile form posts with a page, never a 5xx', async () => {
    const forms = Object.values(DEMO_EVENT_SLUGS).flatMap((slug) => ['register', 'login', 'forgot-password', 'activate', 'login/code'].map((p) => `/e/${slug}/${p}`));
    const opened = new Map<string, { cookie: string; field: string; value: string }>();
    for (const url of forms) {
      const form = await openForm(url);
      if (form) opened.set(url, form);
    }
    expect(opened.size).toBeGreaterThan(4);
    const fieldsArb = fc.dictionary(fieldName, hostileText, { maxKeys: 8 });
    let pastCsrf = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...opened.keys()), fieldsArb, async (url, fields) => {
        const form = opened.get(url)!;
        const request: InjectOptions = {
          method: 'POST',
          url,
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
          payload: new URLSearchParams({ ...fields, [form.field]: form.value }).toString(),
        };
        const response = await platform.platform.app.inject(request);
        assertWellFormed(url, request, response);
        if (response.statusCode !== 403) pastCsrf += 1;
      }),
      { numRuns: 300 },
    );
    // The cases must reach the forms' own validation, not stop at the CSRF check.
    expect(pastCsrf).toBeGreaterThan(200);
  }, 180_000);
});
