// The platform's HTTP edge, spoken to byte by byte: requests Node's HTTP parser refuses
// before any route runs still get the JSON error envelope under /v1 and an HTML page on
// the end-user pages, with the platform's headers; over-long URLs get 414 and bodies of
// the wrong type 415, each with its own code. Then the CSRF protection of the forms (a
// value signed with the platform's key, bound to the visitor and their session) and the
// headers an https platform adds (HSTS, a `__Host-` cookie).
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Browser, formsOf, headingOf, textOf } from '../helpers/browserless.ts';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { ERROR_CODES } from '../../src/contract/errors.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming;
const LIVE = DEMO_EVENT_SLUGS.live;

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform?.close();
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends bytes as they are (parts a moment apart, so the server reads them separately) and
 * reads one HTTP response, to its Content-Length or the close.
 */
function rawRequest(base: string, bytes: string | Buffer | (string | Buffer)[]): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    const parsed = (): RawResponse | undefined => {
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return undefined;
      const [statusLine = '', ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = received.subarray(end + 4);
      const length = Number(headers['content-length'] ?? NaN);
      if (Number.isFinite(length) && body.length < length) return undefined;
      return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      let response = parsed();
      // An interim "100 Continue" comes before the answer.
      while (response?.status === 100) {
        received = received.subarray(received.indexOf('\r\n\r\n') + 4);
        response = parsed();
      }
      if (response && response.headers['content-length'] !== undefined) {
        socket.destroy();
        resolve(response);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      const response = parsed();
      if (response) resolve(response);
      else reject(new Error(`No response; got ${JSON.stringify(received.toString('latin1').slice(0, 200))}`));
    });
    socket.setTimeout(5_000, () => socket.destroy());
    const parts = Array.isArray(bytes) ? bytes : [bytes];
    parts.forEach((part, index) => setTimeout(() => socket.writable && socket.write(part), index * 100));
  });
}

function expectEnvelope(response: RawResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = JSON.parse(response.body) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ code, requestId: response.headers['x-request-id'] });
  expect(ERROR_CODES).toContain(code);
  expect(String(body.error.message).length).toBeGreaterThan(10);
  expectEdgeHeaders(response);
}

function expectPage(response: RawResponse, status: number, heading: string): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(response.body.startsWith('<!doctype html>')).toBe(true);
  expect(headingOf(response.body)).toBe(heading);
  expectEdgeHeaders(response);
}

function expectEdgeHeaders(response: RawResponse): void {
  expect(response.headers['x-request-id']).toMatch(/^req_[A-Za-z0-9]+$/);
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['content-security-policy']).toContain("default-src 'none'");
}

const API = '/v1/auth/login';
const PAGE = `/e/${SUMMIT}/login`;
const json = '{"email":"a@b.example","password":"x"}';

/** Each malformed request, for an API path and a page path. */
const MALFORMED: { name: string; request: (path: string) => string | Buffer | (string | Buffer)[]; status: number; code: string; heading: string }[] = [
  {
    name: 'headers over 16 KiB (431)',
    request: (path) => `POST ${path} HTTP/1.1\r\nHost: x\r\nCookie: ${'a'.repeat(20_000)}\r\n\r\n`,
    status: 431,
    code: 'headers_too_large',
    heading: 'The request is too large',
  },
  {
    name: 'a URL that alone fills the headers (414)',
    request: (path) => `GET ${path}?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: 414,
    code: 'uri_too_long',
    heading: 'This address is too long',
  },
  {
    name: 'a URL over 8 KiB (414)',
    request: (path) => `GET ${path}?q=${'a'.repeat(9_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: 414,
    code: 'uri_too_long',
    heading: 'This address is too long',
  },
  {
    name: 'Content-Length twice',
    request: (path) => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\nContent-Length: ${json.length}\r\n\r\n${json}`,
    status: 400,
    code: 'bad_request',
    heading: 'That did not work',
  },
  {
    name: 'Content-Length next to Transfer-Encoding',
    request: (path) => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
    code: 'bad_request',
    heading: 'That did not work',
  },
  {
    name: 'a chunk size that is not hexadecimal',
    request: (path) => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${json}\r\n0\r\n\r\n`,
    status: 400,
    code: 'bad_request',
    heading: 'That did not work',
  },
  {
    name: 'a bad chunk after the headers were read',
    request: (path) => [`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${path === API ? 'application/json' : 'application/x-www-form-urlencoded'}\r\nTransfer-Encoding: chunked\r\n\r\n`, '5\r\nemail\r\nzz\r\n'],
    status: 400,
    code: 'bad_request',
    heading: 'That did not work',
  },
  {
    name: 'a method that is not a token',
    request: (path) => `G(T ${path} HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: 400,
    code: 'bad_request',
    heading: 'That did not work',
  },
  {
    name: 'a path escaping bytes that are not UTF-8',
    request: (path) => `GET ${path}/%FF%FE HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: 400,
    code: 'bad_request',
    heading: 'This address does not work',
  },
  {
    name: 'a path with raw bytes that are not UTF-8',
    request: (path) => Buffer.concat([Buffer.from(`GET ${path}/`), Buffer.from([0xff, 0xfe]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]),
    status: 400,
    code: 'bad_request',
    heading: 'This address does not work',
  },
  {
    name: 'an Expect header other than 100-continue',
    request: (path) => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\nExpect: 200-ok\r\n\r\n${json}`,
    status: 417,
    code: 'expectation_failed',
    heading: 'That did not work',
  },
  {
    name: 'no Host header',
    request: (path) => `GET ${path} HTTP/1.1\r\n\r\n`,
    status: 400,
    code: 'bad_request',
    heading: 'That did not work',
  },
  {
    name: 'a path segment over 500 characters (414)',
    request: (path) => `GET ${path === API ? '/v1/users' : '/verify'}/${'a'.repeat(600)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: 414,
    code: 'uri_too_long',
    heading: 'This address is too long',
  },
];

describe('requests refused before any route runs', () => {
  it.each(MALFORMED)('$name: the envelope under /v1', async ({ request, status, code }) => {
    expectEnvelope(await rawRequest(platform.url, request(API)), status, code);
  });

  it.each(MALFORMED)('$name: an HTML page on the end-user pages', async ({ request, status, heading }) => {
    expectPage(await rawRequest(platform.url, request(PAGE)), status, heading);
  });

  it('still answers well-formed requests on the same server, and 100-continue works', async () => {
    const response = await rawRequest(platform.url, `POST ${API} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n{}`);
    expectEnvelope(response, 422, 'validation_failed');
    expect((await rawRequest(platform.url, 'GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n')).status).toBe(200);
  });
});

describe('bodies of a type the route does not take (415)', () => {
  it.each([
    ['text/plain', '{}'],
    ['application/xml', '<login/>'],
    ['application/x-www-form-urlencoded', 'email=a%40b.example'],
    ['application/json; charset=iso-8859-1', json],
  ])('the API refuses %s with unsupported_media_type', async (type, body) => {
    const response = await rawRequest(platform.url, `POST ${API} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    expectEnvelope(response, 415, 'unsupported_media_type');
  });

  it('the API refuses a body with no Content-Type', async () => {
    const response = await rawRequest(platform.url, `POST ${API} HTTP/1.1\r\nHost: x\r\nContent-Length: ${json.length}\r\n\r\n${json}`);
    expectEnvelope(response, 415, 'unsupported_media_type');
  });

  it('a form page refuses JSON with a page, and registers nobody', async () => {
    const count = async () => Number((await platform.platform.ctx.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const body = JSON.stringify({ first_name: 'Jo', last_name: 'Lee', email: 'jo.lee@contoso.example', password: 'a-long-unusual-passphrase', confirmation: 'a-long-unusual-passphrase', terms: 'yes' });
    const response = await rawRequest(platform.url, `POST /e/${SUMMIT}/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expectPage(response, 415, 'That did not work');
    expect(textOf(response.body)).toContain('This page takes its own form only');
    expect(await count()).toBe(before);
  });
});

/** A login link for a person of the live event (no 2FA), opened in `browser`: signed in. */
async function signInWithLoginLink(base: TestPlatform, browser: Browser, person = 'arjun.patel@litware.example') {
  const created = await runT1(['magic-link', 'create', person, '--event', LIVE, '--reason', 'edge test', '--yes'], { env: base.env('agent') });
  expect(created.exitCode, created.stderr).toBe(0);
  const link = /https?:\/\/\S+\/login-link\/[A-Za-z0-9_-]+/.exec(created.stdout)![0];
  const page = await browser.get(new URL(new URL(link).pathname, base.url).toString());
  const entered = await browser.submit(page);
  expect(entered.status).toBe(303);
  return page;
}

describe('CSRF values of the forms', () => {
  it('over http: a plain t1_csrf cookie (HttpOnly, SameSite=Lax), and no HSTS', async () => {
    const response = await fetch(`${platform.url}${PAGE}`);
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith('t1_csrf='))!;
    expect(cookie).toMatch(/^t1_csrf=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  it('are not the cookie itself, and do not carry over to another visitor', async () => {
    const alice = new Browser(platform.url);
    const bob = new Browser(platform.url);
    const alicePage = await alice.get(PAGE);
    const bobPage = await bob.get(PAGE);
    const aliceField = formsOf(alicePage.body)[0]!.fields.csrf!;
    expect(aliceField).not.toBe(alice.cookies.get('t1_csrf'));
    expect(aliceField).not.toBe(formsOf(bobPage.body)[0]!.fields.csrf);

    const fields = { email: 'nobody@contoso.example', password: 'x' };
    const crossed = await bob.post(PAGE, { ...fields, csrf: aliceField });
    expect(crossed.status).toBe(403);
    expect(textOf(crossed.body)).toContain('This form has expired or was sent from another site');
    expect((await bob.post(PAGE, { ...fields, csrf: bob.cookies.get('t1_csrf')! })).status).toBe(403);
    expect((await alice.post(PAGE, fields)).status).toBe(403);
    // The visitor's own value passes the check (the sign-in itself then fails: unknown address).
    expect((await alice.post(PAGE, { ...fields, csrf: aliceField })).status).toBe(401);
  });

  it('stop working once the visitor signs in: they are bound to the session', async () => {
    const browser = new Browser(platform.url);
    const before = await signInWithLoginLink(platform, browser);
    const anonymousField = formsOf(before.body)[0]!.fields.csrf!;
    const site = await browser.get(`/e/${LIVE}`);
    expect(site.status).toBe(200);
    const logout = formsOf(site.body).find((form) => form.action === `/e/${LIVE}/logout`)!;
    expect(logout.fields.csrf).not.toBe(anonymousField);

    expect((await browser.post(`/e/${LIVE}/logout`, { csrf: anonymousField })).status).toBe(403);
    const out = await browser.post(`/e/${LIVE}/logout`, { csrf: logout.fields.csrf! });
    expect(out.status).toBe(303);
    expect(out.location).toBe(`${platform.url}/e/${LIVE}/login`);
  });

  it('are signed with the platform secret key: another platform refuses them', async () => {
    const other = await startTestPlatform();
    try {
      const visitor = new Browser(platform.url);
      const page = await visitor.get(PAGE);
      const csrf = formsOf(page.body)[0]!.fields.csrf!;
      const elsewhere = new Browser(other.url);
      for (const [name, value] of visitor.cookies) elsewhere.cookies.set(name, value);
      expect((await elsewhere.post(PAGE, { email: 'nobody@contoso.example', password: 'x', csrf })).status).toBe(403);
      expect((await visitor.post(PAGE, { email: 'nobody@contoso.example', password: 'x', csrf })).status).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('a platform whose public URL is https', () => {
  let secure: TestPlatform;
  beforeAll(async () => {
    secure = await startTestPlatform({ publicUrl: 'https://events.example' });
  });
  afterAll(async () => {
    await secure?.close();
  });

  it('sends HSTS on pages, API answers and refusals made before any route', async () => {
    const page = await fetch(`${secure.url}${PAGE}`);
    const api = await fetch(`${secure.url}/v1/health`);
    const refused = await rawRequest(secure.url, `G(T ${API} HTTP/1.1\r\nHost: x\r\n\r\n`);
    for (const value of [page.headers.get('strict-transport-security'), api.headers.get('strict-transport-security'), refused.headers['strict-transport-security']]) {
      expect(value).toBe('max-age=31536000');
    }
  });

  it('names the CSRF cookie __Host-t1_csrf: Secure, Path=/, no Domain', async () => {
    const response = await fetch(`${secure.url}${PAGE}`);
    const cookies = response.headers.getSetCookie();
    expect(cookies.some((line) => line.startsWith('t1_csrf='))).toBe(false);
    const cookie = cookies.find((line) => line.startsWith('__Host-t1_csrf='))!;
    expect(cookie).toMatch(/^__Host-t1_csrf=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(cookie).not.toMatch(/Domain=/i);
  });

  it('takes its forms with that cookie, and refuses the plain name', async () => {
    const browser = new Browser(secure.url);
    const page = await browser.get(PAGE);
    const csrf = formsOf(page.body)[0]!.fields.csrf!;
    const fields = { email: 'nobody@contoso.example', password: 'x', csrf };
    expect((await browser.post(PAGE, fields)).status).toBe(401);
    const renamed = new Browser(secure.url);
    renamed.cookies.set('t1_csrf', browser.cookies.get('__Host-t1_csrf')!);
    expect((await renamed.post(PAGE, fields)).status).toBe(403);
  });
});
