// Text-message two-factor end to end through the HTTP gateway, in Chromium: the platform
// posts each code, signed, to a gateway this test runs; the person reads the code from
// the message the gateway received (as their phone would show it), turns SMS 2FA on at
// the account page, and signs in again with a newly texted code, once while the gateway
// fails a first attempt. `t1 sms log` then shows every message sent, masked, codeless.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { StaffRole } from '../../src/contract/vocabulary.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID, DEMO_PASSWORD, seedDemo } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import { SMS_ID_HEADER, SMS_SIGNATURE_HEADER, SMS_TIMESTAMP_HEADER, smsSignature } from '../../src/platform/sms/providers.ts';
import { describeBrowser, followLink, heading, launchBrowser, mainText, newContext, pressButton, visit } from '../helpers/browser.ts';
import { fillSignIn } from '../helpers/browser-suite.ts';
import { runT1 } from '../helpers/cli.ts';
import { tempDir } from '../helpers/platform.ts';
import { startSmsGateway, type ReceivedSms, type SmsGateway } from '../helpers/sms-gateway.ts';

const SECRET = 'browser-gateway-secret-0123456789';
const UPCOMING = DEMO_EVENT_SLUGS.upcoming;
const ACCOUNT = `/e/${UPCOMING}/account`;
const PERSON = 'tomas.silva@contoso.example';
const E164 = '+351912345678';
const MASKED = '+351 ••••••678';

describeBrowser('two-factor by text message through the HTTP SMS gateway, in Chromium', () => {
  let dir: string;
  let gateway: SmsGateway;
  let platform: Platform;
  let browser: Browser;
  let baseUrl: string;
  const tokens = {} as Record<StaffRole, string>;
  const t1 = (args: string[], role: StaffRole = 'agent') => runT1(args, { env: { T1_API_URL: baseUrl, T1_TOKEN: tokens[role], T1_HOME: join(dir, 'home') } });
  const url = (path: string) => new URL(path, baseUrl).toString();

  beforeAll(async () => {
    dir = tempDir('t1-sms-browser-');
    gateway = await startSmsGateway(SECRET);
    platform = await openPlatform({
      database: join(dir, 'platform.db'),
      publicUrl: 'http://127.0.0.1:4747',
      env: { T1_SMS_GATEWAY_SECRET: SECRET },
      smsGatewayUrl: gateway.url,
      smsPollMs: 100,
      signInDelayMs: () => 0,
    });
    await seedDemo(platform.ctx.db, platform.ctx);
    for (const role of ['agent', 'admin'] as const) {
      tokens[role] = (await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role, name: `test ${role}`, createdBy: 'test' })).token;
    }
    baseUrl = await platform.listen('127.0.0.1', 0);
    browser = await launchBrowser();
    const allowed = await t1(['org', 'set', 'mfa-methods', 'app,sms', '--reason', 'Text message codes for attendees', '--yes'], 'admin');
    expect(allowed.exitCode, allowed.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await platform?.close();
    await gateway?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The next message the gateway took (answered 200) for the person's phone, and its code. */
  async function textedCode(after: number): Promise<{ message: ReceivedSms; code: string }> {
    const message = await gateway.waitFor((m) => m.to === E164 && m.status === 200, { after });
    const code = /\b(\d{6})\b/.exec(message.body)?.[1];
    if (!code) throw new Error(`No code in the texted message: ${message.body}`);
    return { message, code };
  }

  async function signIn(page: Page): Promise<void> {
    await visit(page, url(`/e/${UPCOMING}/login`));
    await fillSignIn(page, PERSON, DEMO_PASSWORD);
    await pressButton(page, 'Sign in');
  }

  it('turns SMS 2FA on and signs in with texted codes, one of them retried after the gateway failed', { timeout: 45_000 }, async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      await visit(page, url(ACCOUNT));
      await fillSignIn(page, PERSON, DEMO_PASSWORD);
      await pressButton(page, 'Sign in');
      expect(new URL(page.url()).pathname).toBe(ACCOUNT);
      expect(await page.locator('#mfa-state').innerText()).toMatch(/^Off/);

      // The phone: the person's country (Portugal) is chosen already.
      await followLink(page, 'Turn on with text messages (SMS)');
      expect(await page.locator('#f-country').inputValue()).toBe('PT');
      await page.locator('#f-phone').fill('912 345 678');
      await page.locator('#f-password').fill(DEMO_PASSWORD);
      let seen = gateway.received.length;
      await pressButton(page, 'Text me a code');
      expect(await heading(page)).toBe('Enter the code we texted you');
      expect(await mainText(page)).toContain(MASKED);
      const setUp = await textedCode(seen);
      await page.locator('#f-code').fill(setUp.code);
      await pressButton(page, 'Confirm');

      expect(await heading(page)).toBe('Your recovery codes');
      expect(await page.locator('#recovery-codes li').count()).toBe(10);
      await page.locator('#f-saved').check();
      await pressButton(page, 'Continue');
      expect(new URL(page.url()).pathname).toBe(ACCOUNT);
      expect(await page.locator('#mfa-state').innerText()).toContain(`codes by text message to ${MASKED}`);

      // Signing in again texts a new code as the code step opens.
      await pressButton(page, 'Sign out');
      seen = gateway.received.length;
      await signIn(page);
      expect(await heading(page)).toBe('Two-factor authentication');
      expect(await mainText(page)).toContain(`We texted a 6-digit code to ${MASKED}`);
      const first = await textedCode(seen);
      expect(first.message.id).not.toBe(setUp.message.id);
      await page.locator('#f-code').fill(first.code);
      await pressButton(page, 'Sign in');
      expect(await heading(page)).toBe('Coming soon');

      // The gateway fails the first attempt of the next code: the platform tries again and the code arrives.
      await pressButton(page, 'Sign out');
      gateway.answerNext(503);
      seen = gateway.received.length;
      await signIn(page);
      expect(await heading(page)).toBe('Two-factor authentication');
      const retried = await textedCode(seen);
      const attempts = gateway.received.slice(seen);
      expect(attempts.map((m) => [m.id, m.status])).toEqual([
        [retried.message.id, 503],
        [retried.message.id, 200],
      ]);
      expect(attempts[0]!.body).toBe(retried.message.body);
      await page.locator('#f-code').fill(retried.code);
      await pressButton(page, 'Sign in');
      expect(await heading(page)).toBe('Coming soon');
    } finally {
      await context.close();
    }

    // Every POST carried a valid signature; the gateway does refuse one signed with another secret.
    expect(gateway.received.length).toBe(4);
    expect(gateway.received.every((m) => m.signed)).toBe(true);
    const forgedBody = JSON.stringify({ id: 'sms_forged', to: E164, body: 'Your code is 000000' });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const forged = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SMS_ID_HEADER]: 'sms_forged', [SMS_TIMESTAMP_HEADER]: timestamp, [SMS_SIGNATURE_HEADER]: smsSignature('another-secret-0123456789', timestamp, forgedBody) },
      body: forgedBody,
    });
    expect(forged.status).toBe(401);

    // The agent's view: all sent, the number masked, no code anywhere.
    const log = await t1(['sms', 'log', PERSON]);
    expect(log.exitCode, log.stderr).toBe(0);
    const lines = log.stdout.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^\\S+ \\S+ UTC\\tsign-in\\t\\${MASKED}\\tsent [^\\t]+ after 2 attempts\\t2\\t`));
    expect(lines[1]).toMatch(new RegExp(`^\\S+ \\S+ UTC\\tsign-in\\t\\${MASKED}\\tsent [^\\t]+\\t1\\t$`));
    expect(lines[2]).toMatch(new RegExp(`^\\S+ \\S+ UTC\\tphone set-up\\t\\${MASKED}\\tsent [^\\t]+\\t1\\t$`));
    const json = await t1(['sms', 'log', PERSON, '--json']);
    const shown = log.stdout + log.stderr + json.stdout + json.stderr;
    for (const m of gateway.received.filter((r) => r.signed)) expect(shown).not.toContain(/\b(\d{6})\b/.exec(m.body)![1]);
    expect(shown).not.toContain('912345678');
    expect(shown).not.toContain('912 345');
    const items = (JSON.parse(json.stdout) as { items: { maskedPhone: string; status: string; attempts: number }[] }).items;
    expect(items.map((i) => [i.maskedPhone, i.status, i.attempts])).toEqual([
      [MASKED, 'sent', 2],
      [MASKED, 'sent', 1],
      [MASKED, 'sent', 1],
    ]);
  });
});
