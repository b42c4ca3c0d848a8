// The small rules the platform and CLI are built on, each checked on its own.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loggedUrl } from '../../src/platform/redact.ts';
import { browserNotice, detectBrowser, isSupported } from '../../src/platform/pages/browser-support.ts';
import { passwordProblem } from '../../src/platform/services/password-policy.ts';
import { isCommonPassword } from '../../src/platform/data/common-passwords.ts';
import { isPublicEmailDomain } from '../../src/platform/data/public-email-domains.ts';
import { secretBox } from '../../src/platform/secret-box.ts';
import { hashRecoveryCode, newRecoveryCodes } from '../../src/platform/services/recovery-codes.ts';
import { explainStage, isValidStatusStage, REGISTRATION_STAGES, REGISTRATION_STATUSES, STAGES_BY_STATUS } from '../../src/contract/vocabulary.ts';
import { parseDurationMinutes } from '../../src/commands/support.ts';
import { formatInZone } from '../../src/cli/render/format.ts';
import { growingDelayMs } from '../../src/platform/platform.ts';
import { html } from '../../src/platform/pages/html.ts';

describe('log redaction', () => {
  it('logs the route pattern, event slugs and query names, never a token or a query value', () => {
    const token = 'aB3_'.repeat(11);
    const route = (url: string, pattern: string, params: Record<string, string>) => loggedUrl({ url, routeOptions: { url: pattern }, params, is404: false });
    expect(route(`/login-link/${token}.`, '/login-link/:token', { token: `${token}.` })).toBe('/login-link/:token');
    expect(route('/e/product-summit-2027/register?email=x%40y.example', '/e/:slug/register', { slug: 'product-summit-2027' })).toBe('/e/product-summit-2027/register?email');
    expect(route(`/e/${token}`, '/e/:slug', { slug: token })).toBe('/e/:slug');
    expect(loggedUrl({ url: `/verify/${token}/x?${token}&code=1`, is404: true })).toBe('/verify/*/x?*&code');
  });
});

describe('supported browsers', () => {
  const chrome = (major: number) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;
  it('recognises the families of the guide and their versions', () => {
    expect(detectBrowser(chrome(156))).toEqual({ family: 'chrome', major: 156 });
    expect(detectBrowser(`${chrome(156)} Edg/156.0.0.0`)).toEqual({ family: 'edge', major: 156 });
    expect(detectBrowser('Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0')).toEqual({ family: 'firefox', major: 140 });
    expect(detectBrowser('Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1')).toEqual({ family: 'safari', major: 26 });
    expect(detectBrowser('curl/8.5.0')).toBeNull();
  });
  it('accepts the last two Chrome versions and refuses older ones and Internet Explorer', () => {
    expect(isSupported({ family: 'chrome', major: 155 })).toBe(true);
    expect(isSupported({ family: 'chrome', major: 154 })).toBe(false);
    expect(isSupported({ family: 'internet_explorer', major: 11 })).toBe(false);
    expect(browserNotice(chrome(99))?.value).toContain('not supported');
    expect(browserNotice(chrome(156))).toBeNull();
    expect(browserNotice('curl/8.5.0')).toBeNull();
  });
});

describe('password rules', () => {
  const policy = { minLength: 10, maxLength: 20 };
  it('explain what is wrong, in order of what to fix first', () => {
    expect(passwordProblem('short', 'short', policy, 'a@b.example')).toMatchObject({ reason: 'too_short', message: 'Use at least 10 characters.' });
    expect(passwordProblem('x'.repeat(21), 'x'.repeat(21), policy, 'a@b.example')).toMatchObject({ reason: 'too_long', message: 'Use at most 20 characters.' });
    expect(passwordProblem('password2026!', 'password2026!', policy, 'a@b.example')?.message).toContain('too common');
    expect(passwordProblem('jane.doe.longer', 'jane.doe.longer', policy, 'jane.doe.longer@b.example')).toMatchObject({ reason: 'contains_email' });
    expect(passwordProblem('Orchid-Lantern-9', 'Orchid-Lantern-8', policy, 'a@b.example')).toMatchObject({ reason: 'mismatch', field: 'confirmation', message: 'The two passwords do not match.' });
    expect(passwordProblem('Orchid-Lantern-9', 'Orchid-Lantern-9', policy, 'a@b.example')).toBeNull();
  });
  it('count characters, not bytes', () => {
    expect(passwordProblem('ééééééééé', 'ééééééééé', policy, 'a@b.example')?.message).toBe('Use at least 10 characters.');
  });
  it('know common passwords with numbers appended', () => {
    expect(isCommonPassword('Qwerty123456')).toBe(true);
    expect(isCommonPassword('Orchid-Lantern-9')).toBe(false);
  });
});

describe('public email domains', () => {
  it('are data, matched on the domain only', () => {
    expect(isPublicEmailDomain('someone@Gmail.com')).toBe(true);
    expect(isPublicEmailDomain('someone@mailinator.com')).toBe(true);
    expect(isPublicEmailDomain('gmail.com@contoso.example')).toBe(false);
  });
});

describe('secrets at rest', () => {
  it('seal to text that does not contain the secret and opens only with the key', () => {
    const box = secretBox(randomBytes(32));
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.seal('JBSWY3DPEHPK3PXP')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('JBSWY3DPEHPK3PXP');
    expect(() => secretBox(randomBytes(32)).open(sealed)).toThrow();
    const [version, iv, body, tag] = sealed.split('.');
    expect(() => box.open([version, iv, `${body}A`, tag].join('.'))).toThrow();
  });
});

describe('recovery codes', () => {
  it('are ten distinct codes of 80 bits, compared without dashes or case', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    const [first] = codes;
    expect(hashRecoveryCode(first!.toUpperCase().replace(/-/g, ' '))).toBe(hashRecoveryCode(first!));
  });
});

describe('the status vocabulary', () => {
  it('explains every stage, and every status has stages', () => {
    for (const stage of REGISTRATION_STAGES) {
      const explanation = explainStage(stage, 'password');
      expect(explanation.meaning.length).toBeGreaterThan(20);
      expect(explanation.nextStep.length).toBeGreaterThan(20);
    }
    for (const status of REGISTRATION_STATUSES) expect(STAGES_BY_STATUS[status].length).toBeGreaterThan(0);
    expect(isValidStatusStage('registered', 'pending_verification')).toBe(true);
    expect(isValidStatusStage('invited', 'joined')).toBe(false);
  });
  it('suggests the invitation follow-up that fits how the event signs people in', () => {
    expect(explainStage('invite_sent', 'magic_link').commands[0]).toContain('magic-link create');
    expect(explainStage('invite_sent', 'password').commands[0]).toContain('set-password-link send');
  });
});

describe('durations and times', () => {
  it('read minutes, hours and days, and refuse nonsense', () => {
    expect(parseDurationMinutes('15m', '--ttl')).toBe(15);
    expect(parseDurationMinutes('2h', '--ttl')).toBe(120);
    expect(parseDurationMinutes('7d', '--ttl')).toBe(10080);
    expect(parseDurationMinutes('90', '--ttl')).toBe(90);
    expect(() => parseDurationMinutes('soon', '--ttl')).toThrow(/not a duration/);
    expect(() => parseDurationMinutes('99999999d', '--since')).toThrow(/20 years/);
  });
  it('show a time as the event audience reads it', () => {
    expect(formatInZone('2026-12-14T14:00:00.000Z', 'America/New_York')).toBe('2026-12-14 09:00 America/New_York');
  });
  it('grow the delay after failed sign-ins, up to a cap', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(growingDelayMs)).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000]);
  });
});

describe('page markup', () => {
  it('escapes every value it did not build itself', () => {
    expect(html`<p>${'<script>alert(1)</script>'}</p>`.value).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(html`<a href="${'" onmouseover="x'}">`.value).toBe('<a href="&quot; onmouseover=&quot;x">');
  });
});

describe('platform logs on a terminal', () => {
  it('read as one line per request and per message', async () => {
    const { humanLogStream } = await import('../../src/platform/log-format.ts');
    const { PassThrough } = await import('node:stream');
    const target = new PassThrough();
    const chunks: string[] = [];
    target.on('data', (c: Buffer) => chunks.push(c.toString()));
    const stream = humanLogStream(target);
    const time = Date.parse('2026-11-23T09:12:01Z');
    const lines = [
      { level: 30, time, msg: 'incoming request', reqId: 'req_1', req: { method: 'GET', url: '/v1/users' } },
      { level: 30, time, msg: 'request completed', reqId: 'req_1', res: { statusCode: 200 }, responseTime: 3.2 },
      { level: 50, time, msg: 'unhandled error', reqId: 'req_2', err: { message: 'boom' } },
    ];
    await new Promise<void>((resolve) => stream.write(lines.map((l) => JSON.stringify(l)).join('\n') + '\nnot json\n', () => resolve()));
    expect(chunks.join('')).toBe('09:12:01 200 GET /v1/users 3 ms\n09:12:01 ERROR unhandled error: boom (req_2)\nnot json\n');
  });
});
