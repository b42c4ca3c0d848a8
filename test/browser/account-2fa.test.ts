// Two-factor authentication turned on by the person on their account page, in Chromium:
// text messages (the code read from the captured message, as the phone would show it),
// then signing in with texted codes, a replayed and an expired one refused, and a
// recovery code; and the authenticator app (the setup key under "Can't scan it?", the
// "I have saved these codes" box the server insists on), then signing in with a code
// computed by the test's own RFC 6238 implementation. The platform's clock is the test's.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Clock } from '../../src/platform/clock.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import { describeBrowser, followLink, heading, mainText, newContext, pressButton, visit } from '../helpers/browser.ts';
import { fillSignIn, startBrowserSuite, type BrowserSuite } from '../helpers/browser-suite.ts';
import { STEP_SECONDS, totpAt } from '../helpers/totp.ts';

const UPCOMING = DEMO_EVENT_SLUGS.upcoming;
const ACCOUNT = `/e/${UPCOMING}/account`;

describeBrowser('two-factor authentication on the account page, in Chromium', () => {
  let suite: BrowserSuite;
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
  const nextStep = () => {
    const stepMs = STEP_SECONDS * 1000;
    offsetMs += stepMs - (clock.now().getTime() % stepMs) + 1000;
  };

  beforeAll(async () => {
    suite = await startBrowserSuite({ clock });
    await suite.tp.platform.ctx.db.updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
  });
  afterAll(async () => {
    await suite?.close();
  });

  /** The code in the newest text message to the person, read from the captured message's sealed body. */
  async function textedCode(email: string): Promise<string> {
    const { db, secrets } = suite.tp.platform.ctx;
    const row = await db
      .selectFrom('sms_messages')
      .innerJoin('users', 'users.id', 'sms_messages.user_id')
      .select('sms_messages.body_sealed')
      .where('users.email', '=', email)
      .orderBy('sms_messages.created_at', 'desc')
      .orderBy('sms_messages.id', 'desc')
      .executeTakeFirstOrThrow();
    return /\b(\d{6})\b/.exec(secrets.open(row.body_sealed!))![1]!;
  }

  async function signIn(page: Page, email: string): Promise<void> {
    await visit(page, suite.url(`/e/${UPCOMING}/login`));
    await fillSignIn(page, email, DEMO_PASSWORD);
    await pressButton(page, 'Sign in');
  }

  async function enterCode(page: Page, code: string) {
    await page.locator('#f-code').fill(code);
    return pressButton(page, 'Sign in');
  }

  it('turns on text messages, then signs in with texted codes (replayed and expired ones refused) and with a recovery code', { timeout: 90_000 }, async () => {
    const person = 'tomas.silva@contoso.example';
    const context = await newContext(suite.browser);
    const page = await context.newPage();
    try {
      // Not signed in: the account page sends the person to sign in, then back.
      await visit(page, suite.url(ACCOUNT));
      expect(await heading(page)).toBe('Sign in');
      await fillSignIn(page, person, DEMO_PASSWORD);
      await pressButton(page, 'Sign in');
      expect(new URL(page.url()).pathname).toBe(ACCOUNT);
      expect(await page.locator('#mfa-state').innerText()).toMatch(/^Off/);

      await followLink(page, 'Turn on with text messages (SMS)');
      expect(await heading(page)).toBe('Get codes by text message');
      // The person's country (Portugal) is chosen already; they live in the UK now.
      expect(await page.locator('#f-country').inputValue()).toBe('PT');
      await page.locator('#f-country').selectOption('GB');
      await page.locator('#f-phone').fill('07400 12345');
      await page.locator('#f-password').fill(DEMO_PASSWORD);
      expect((await pressButton(page, 'Text me a code')).status()).toBe(422);
      expect(await page.locator('#f-phone-error').innerText()).toMatch(/not a valid phone number/);
      expect(await page.locator('#f-phone').inputValue()).toBe('07400 12345');
      await page.locator('#f-phone').fill('07400 123456');
      await page.locator('#f-password').fill(DEMO_PASSWORD);
      await pressButton(page, 'Text me a code');
      expect(await heading(page)).toBe('Enter the code we texted you');
      expect(await mainText(page)).toContain('+44 •••••••456');
      await page.locator('#f-code').fill(await textedCode(person));
      await pressButton(page, 'Confirm');

      expect(await heading(page)).toBe('Your recovery codes');
      const recoveryCodes = (await page.locator('#recovery-codes li').allTextContents()).map((c) => c.trim());
      expect(recoveryCodes).toHaveLength(10);
      expect((await pressButton(page, 'Continue')).status()).toBe(422);
      await page.locator('#f-saved').check();
      await pressButton(page, 'Continue');
      expect(new URL(page.url()).pathname).toBe(ACCOUNT);
      expect(await page.locator('#mfa-state').innerText()).toMatch(/codes by text message to \+44 •••••••456/);

      // Sign in again: the code is texted when the code step opens.
      await pressButton(page, 'Sign out');
      await signIn(page, person);
      expect(await heading(page)).toBe('Two-factor authentication');
      expect(await mainText(page)).toContain('We texted a 6-digit code to +44 •••••••456');
      const first = await textedCode(person);
      await enterCode(page, first);
      expect(await heading(page)).toBe('Coming soon');

      // Next sign-in: the used code is refused, and so is this sign-in's code once expired.
      await pressButton(page, 'Sign out');
      await signIn(page, person);
      const second = await textedCode(person);
      expect(second === first ? 'same code texted twice' : 'new code').toBe('new code');
      expect((await enterCode(page, first)).status()).toBe(401);
      offsetMs += 6 * 60_000;
      expect((await enterCode(page, second)).status()).toBe(401);
      expect(await page.locator('#f-code-error').innerText()).toMatch(/expired/);
      await pressButton(page, 'Text me a new code');
      expect(await mainText(page)).toMatch(/We texted you a new code/);
      await enterCode(page, await textedCode(person));
      expect(await heading(page)).toBe('Coming soon');

      // A recovery code works instead of a texted one.
      await pressButton(page, 'Sign out');
      await signIn(page, person);
      await enterCode(page, recoveryCodes[2]!);
      expect(await heading(page)).toBe('Coming soon');

      const left = await suite.tp.platform.ctx.db
        .selectFrom('recovery_codes')
        .innerJoin('users', 'users.id', 'recovery_codes.user_id')
        .select('recovery_codes.id')
        .where('users.email', '=', person)
        .where('recovery_codes.used_at', 'is', null)
        .execute();
      expect(left).toHaveLength(9);
    } finally {
      await context.close();
    }
  });

  it('turns on an authenticator app: setup key under "Can\'t scan it?", the saved box required, then a sign-in with a code', { timeout: 90_000 }, async () => {
    const person = 'elena.petrova@contoso.example';
    const context = await newContext(suite.browser);
    const page = await context.newPage();
    try {
      await signIn(page, person);
      expect(await heading(page)).toBe('Coming soon');
      await followLink(page, 'Your account and two-factor authentication');
      expect(new URL(page.url()).pathname).toBe(ACCOUNT);
      await followLink(page, 'Turn on with an authenticator app');
      await page.locator('#f-password').fill(DEMO_PASSWORD);
      await pressButton(page, 'Continue');
      expect(await heading(page)).toBe('Scan the QR code');
      expect(await page.locator('.qr svg').count()).toBe(1);
      // The setup key waits behind the disclosure.
      await expect.poll(() => page.locator('#setup-key').isVisible()).toBe(false);
      await page.getByText("Can't scan it?", { exact: true }).click();
      await expect.poll(() => page.locator('#setup-key').isVisible()).toBe(true);
      const setupKey = ((await page.locator('#setup-key').textContent()) ?? '').replace(/\s/g, '');
      expect(setupKey).toMatch(/^[A-Z2-7]{32}$/);
      await page.locator('#f-code').fill(totpAt(setupKey, clock.now().getTime()));
      await pressButton(page, 'Continue');

      expect(await heading(page)).toBe('Your recovery codes');
      const codes = await page.locator('#recovery-codes li').allTextContents();
      expect(codes).toHaveLength(10);
      // Without the box ticked the server refuses, and 2FA is not on.
      const refused = await pressButton(page, 'Turn on two-factor authentication');
      expect(refused.status()).toBe(422);
      expect(await page.locator('#f-saved-error').innerText()).toMatch(/Tick the box/);
      expect((await page.locator('#recovery-codes li').allTextContents())).toEqual(codes);
      const before = await suite.tp.platform.ctx.db.selectFrom('users').select('mfa_confirmed_at').where('email', '=', person).executeTakeFirstOrThrow();
      expect(before.mfa_confirmed_at).toBeNull();
      await page.locator('#f-saved').check();
      await pressButton(page, 'Turn on two-factor authentication');
      expect(new URL(page.url()).pathname).toBe(ACCOUNT);
      expect(await page.locator('#mfa-state').innerText()).toMatch(/codes from an authenticator app/);

      await pressButton(page, 'Sign out');
      await signIn(page, person);
      expect(await heading(page)).toBe('Two-factor authentication');
      nextStep();
      await enterCode(page, totpAt(setupKey, clock.now().getTime()));
      expect(await heading(page)).toBe('Coming soon');
    } finally {
      await context.close();
    }
  });
});
