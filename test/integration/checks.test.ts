// The two quick checks an agent runs during a call: is this browser supported (offline,
// from the supported-browsers table), and would this event accept this email address
// (asked of the real in-process platform).
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { SUPPORTED_BROWSERS } from '../../src/platform/data/supported-browsers.ts';
import { closedPort, lines, record, removeScratch, scratch } from './support.ts';

const UA = {
  safari15: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6.1 Safari/605.1.15',
  chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  firefoxEsr: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0',
  samsung: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36 Edg/156.0.3405.86',
  webView: 'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/156.0.7258.94 Mobile Safari/537.36',
  ie11: 'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko',
};

describe('t1 browser check', () => {
  // Pointed at a platform that is not there, with an empty home: the check must need neither.
  let env: NodeJS.ProcessEnv;
  let home: string;
  beforeAll(async () => {
    home = scratch();
    env = { T1_API_URL: `http://127.0.0.1:${await closedPort()}`, T1_HOME: home };
  });
  afterAll(() => removeScratch());
  const check = (userAgent: string, ...flags: string[]) => runT1(['browser', 'check', userAgent, ...flags], { env });

  it('says an old Safari is not supported, what to tell the caller, and which browsers work', async () => {
    const result = await check(UA.safari15);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(record(result.stdout)).toMatchObject({ Browser: 'Safari 15.6.1', System: 'macOS (desktop)', Supported: 'no' });
    expect(result.stdout).toMatch(/What to do: Safari 15 is too old .*update Safari/);
    for (const b of Object.values(SUPPORTED_BROWSERS)) expect(result.stdout).toContain(`  ${b.name}: `);
    expect(result.stdout).toContain('Safari: the latest version (also on iPhone and iPad) (26 or newer)');
    // Nothing was started or written for a lookup.
    expect(readdirSync(home)).toEqual([]);
  });

  it.each([
    ['current Chrome', UA.chrome, 'Chrome 156.0.0.0'],
    ['Firefox ESR', UA.firefoxEsr, 'Firefox 140.0'],
    ['Samsung Internet', UA.samsung, 'Samsung Internet 28.0'],
    ['Edge', UA.edge, 'Edge 156.0.3405.86'],
  ])('says %s is supported', async (_name, userAgent, shown) => {
    const result = await check(userAgent);
    expect(result.exitCode).toBe(0);
    expect(record(result.stdout)).toMatchObject({ Browser: shown, Supported: 'yes' });
    expect(result.stdout).toMatch(/What to do: .* is supported\./);
    // A supported browser needs no list of alternatives.
    expect(result.stdout).not.toContain('Supported browsers');
  });

  it('--json prints the view model only', async () => {
    const result = await check(UA.samsung, '--json');
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const view = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(view).toMatchObject({
      userAgent: UA.samsung,
      recognised: true,
      family: 'samsung_internet',
      name: 'Samsung Internet',
      version: '28.0',
      os: 'Android',
      device: 'mobile',
      supported: true,
      rule: 'Samsung Internet: version 28 or newer',
    });
    expect(view.supportedBrowsers).toContainEqual({ family: 'chrome', name: 'Chrome', policy: 'the last two versions (155 or newer)', minimumVersion: 155 });
    expect(typeof view.tell).toBe('string');
  });

  it("sends callers in an app's built-in viewer and on Internet Explorer to a real, supported browser", async () => {
    const webView = JSON.parse((await check(UA.webView, '--json')).stdout) as { family: string; supported: boolean; tell: string };
    expect(webView).toMatchObject({ family: 'android_webview', supported: false });
    expect(webView.tell).toMatch(/inside another app.*open the link in Chrome/);
    const ie = JSON.parse((await check(UA.ie11, '--json')).stdout) as { supported: boolean; tell: string };
    expect(ie.supported).toBe(false);
    expect(ie.tell).toContain('Edge, Chrome or Firefox');
  });

  it('cannot judge a program that is not a browser, and says so', async () => {
    const result = await check('curl/8.5.0');
    expect(result.exitCode).toBe(0);
    expect(record(result.stdout)).toEqual({ Browser: 'not recognised', Supported: 'cannot tell' });
    expect(JSON.parse((await check('curl/8.5.0', '--json')).stdout)).toMatchObject({ recognised: false, supported: null, family: null });
  });

  it('is a usage error without a User-Agent', async () => {
    for (const args of [['browser', 'check', ''], ['browser', 'check', '   '], ['browser', 'check']]) {
      const result = await runT1(args, { env });
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
    }
    expect((await runT1(['browser', 'check', ''], { env })).stderr).toContain('Give the User-Agent to check.');
  });

  it('--help shows examples', async () => {
    const result = await runT1(['browser', 'check', '--help'], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('t1 browser check "Mozilla/5.0');
  });
});

describe('t1 events check-email', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(async () => {
    await platform.close();
  });
  const t1 = (args: string[]) => runT1(args, { env: platform.env('viewer') });
  const api = (path: string, token = platform.tokens.viewer) => fetch(new URL(path, platform.url), { headers: { authorization: `Bearer ${token}` } });

  it('accepts a work address for an event open to any domain', async () => {
    const result = await t1(['events', 'check-email', DEMO_EVENT_SLUGS.upcoming, 'Jane.Doe@Contoso.example']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(record(result.stdout)).toEqual({
      Event: `Northwind Product Summit 2027 (${DEMO_EVENT_SLUGS.upcoming})`,
      Email: 'jane.doe@contoso.example',
      Result: 'accepted',
      'Approved domains': 'any',
      'Public providers': 'refused',
    });
    expect(lines(result.stdout).at(-1)).toMatch(/^What to do: The address is accepted/);
  });

  it('refuses a public email provider, and says the event refuses them', async () => {
    const result = await t1(['events', 'check-email', DEMO_EVENT_SLUGS.upcoming, 'someone@gmail.com']);
    expect(result.exitCode).toBe(0);
    const fields = record(result.stdout);
    expect(fields.Result).toBe('refused');
    expect(fields.Why).toBe('gmail.com is a public email provider, and this event refuses addresses at public providers.');
    expect(result.stdout).toContain('work (company) email address');
  });

  it('refuses an address outside the approved domains and lists them', async () => {
    const result = await t1(['events', 'check-email', DEMO_EVENT_SLUGS.ended, 'ana@fabrikam.example', '--json']);
    expect(result.exitCode).toBe(0);
    const view = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(view).toMatchObject({
      email: 'ana@fabrikam.example',
      domain: 'fabrikam.example',
      accepted: false,
      reason: 'domain_not_approved',
      approvedDomains: ['northwind.example', 'contoso.example'],
      refusePublicDomains: true,
    });
    expect(view.message).toContain('northwind.example');
    expect(view.tell).toBe('Ask the caller to register with their address at one of: northwind.example, contoso.example.');
    const plain = await t1(['events', 'check-email', DEMO_EVENT_SLUGS.ended, 'ana@fabrikam.example']);
    expect(record(plain.stdout)).toMatchObject({ Result: 'refused', 'Approved domains': 'northwind.example, contoso.example' });
    const approved = JSON.parse((await t1(['events', 'check-email', DEMO_EVENT_SLUGS.ended, 'ana@northwind.example', '--json'])).stdout) as Record<string, unknown>;
    expect(approved).toMatchObject({ accepted: true, reason: null, message: null });
  });

  it('accepts a public provider when the event allows them', async () => {
    const { db } = platform.platform.ctx;
    await db.updateTable('events').set({ refuse_public_domains: 0 }).where('slug', '=', DEMO_EVENT_SLUGS.live).execute();
    try {
      const view = JSON.parse((await t1(['events', 'check-email', DEMO_EVENT_SLUGS.live, 'someone@gmail.com', '--json'])).stdout) as Record<string, unknown>;
      expect(view).toMatchObject({ accepted: true, refusePublicDomains: false });
    } finally {
      await db.updateTable('events').set({ refuse_public_domains: 1 }).where('slug', '=', DEMO_EVENT_SLUGS.live).execute();
    }
  });

  it('says when the text is not an email address at all', async () => {
    const view = JSON.parse((await t1(['events', 'check-email', DEMO_EVENT_SLUGS.upcoming, 'jane.doe', '--json'])).stdout) as Record<string, unknown>;
    expect(view).toMatchObject({ accepted: false, reason: 'invalid_email', domain: '' });
  });

  it('reports an unknown event as not found, and an empty address as a usage error', async () => {
    const missing = await t1(['events', 'check-email', 'no-such-event', 'jane@contoso.example']);
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toContain('no-such-event');
    const empty = await t1(['events', 'check-email', DEMO_EVENT_SLUGS.upcoming, ' ']);
    expect(empty.exitCode).toBe(2);
  });

  it('answers malformed queries with a validation error, never a 500, and registers nobody', async () => {
    const { db } = platform.platform.ctx;
    const before = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const base = `/v1/events/${DEMO_EVENT_SLUGS.upcoming}/email-check`;
    for (const query of ['', '?email=', '?email=%20', '?email=a@b.example&email=c@d.example', `?email=${'x'.repeat(400)}`, '?email=a@b.example&extra=1']) {
      const response = await api(base + query);
      expect([400, 422], query).toContain(response.status);
      const body = (await response.json()) as { error: { code: string; details: unknown } };
      expect(body.error.code, query).toBeTruthy();
      expect(JSON.stringify(body.error.details), query).toMatch(/email|extra/);
    }
    const twice = (await (await api(`${base}?email=a@b.example&email=c@d.example`)).json()) as { error: { message: string } };
    expect(twice.error.message).toContain('email must be given once');
    expect((await api(`${base}?email=${encodeURIComponent('a@b.example')}`)).status).toBe(200);
    expect((await api(`${base}?email=a@b.example`, 'not-a-token')).status).toBe(401);
    const after = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});
