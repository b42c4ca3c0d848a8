// Two-factor authentication in Chromium on an organisation that requires it for
// everyone: enrolling from the QR page (the code computed from the setup key by the
// test's own RFC 6238 implementation), then signing in with a code and with a recovery
// code. The platform runs on a clock the test can move forward by a 30-second step.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Clock } from '../../src/platform/clock.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import { describeBrowser, followLink, heading, newContext, pressButton, visit } from '../helpers/browser.ts';
import { fillSignIn, startBrowserSuite, type BrowserSuite } from '../helpers/browser-suite.ts';
import { STEP_SECONDS, totpAt } from '../helpers/totp.ts';

const UPCOMING = DEMO_EVENT_SLUGS.upcoming;
// A demo attendee with a password, verified, registered for the upcoming event only
// among events still to come, and without 2FA.
const PERSON = 'elena.petrova@contoso.example';

describeBrowser('two-factor sign-in in Chromium', () => {
  let suite: BrowserSuite;
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
  /** Moves the platform's clock to the start of the next TOTP step. */
  const nextStep = () => {
    const stepMs = STEP_SECONDS * 1000;
    const now = clock.now().getTime();
    offsetMs += stepMs - (now % stepMs) + 1000;
  };

  beforeAll(async () => {
    suite = await startBrowserSuite({ clock });
    await suite.tp.platform.ctx.db.updateTable('organisations').set({ mfa_policy: 'everyone' }).where('id', '=', DEMO_ORG_ID).execute();
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('enrolls from the QR page, then signs in with a fresh code and with a recovery code', { timeout: 90_000 }, async () => {
    const user = await suite.tp.platform.ctx.db.selectFrom('users').selectAll().where('email', '=', PERSON).executeTakeFirstOrThrow();
    expect(user.mfa_confirmed_at).toBeNull();
    expect(await suite.status(PERSON, UPCOMING)).toEqual({ status: 'registered', stage: 'verified' });

    const context = await newContext(suite.browser);
    const page = await context.newPage();
    try {
      // First sign-in: the organisation requires 2FA, so the person is sent to enroll.
      await visit(page, suite.url(`/e/${UPCOMING}/login`));
      await fillSignIn(page, PERSON, DEMO_PASSWORD);
      const enrollPage = await pressButton(page, 'Sign in');
      expect(new URL(page.url()).pathname).toMatch(/^\/mfa\/enroll\/[A-Za-z0-9_-]+$/);
      expect(enrollPage.headers()['referrer-policy']).toBe('no-referrer');
      expect(await heading(page)).toBe('Set up two-factor authentication');
      expect(await page.locator('.qr svg').count()).toBe(1);
      const setupKey = ((await page.locator('#setup-key').textContent()) ?? '').trim();
      expect(setupKey.replace(/\s/g, '')).toMatch(/^[A-Z2-7]{32}$/);
      // Being sent to enroll changes nothing about the registration.
      expect(await suite.status(PERSON, UPCOMING)).toEqual({ status: 'registered', stage: 'verified' });

      // A wrong code is refused next to the field.
      const wrong = totpAt(setupKey, clock.now().getTime()) === '000000' ? '111111' : '000000';
      await page.locator('#f-code').fill(wrong);
      const refused = await pressButton(page, 'Turn on two-factor authentication');
      expect(refused.status()).toBe(422);
      expect(await page.locator('#f-code').getAttribute('aria-describedby')).toBe('f-code-error');

      await page.locator('#f-code').fill(totpAt(setupKey, clock.now().getTime()));
      await pressButton(page, 'Turn on two-factor authentication');
      expect(await heading(page)).toBe('Two-factor authentication is on');
      const recoveryCodes = (await page.locator('#recovery-codes li').allTextContents()).map((c) => c.trim());
      expect(recoveryCodes).toHaveLength(10);
      expect(new Set(recoveryCodes).size).toBe(10);

      // Sign in again: password, then the code step with a code from the next time step.
      await followLink(page, 'Continue to sign in');
      expect(new URL(page.url()).pathname).toBe(`/e/${UPCOMING}/login`);
      await fillSignIn(page, PERSON, DEMO_PASSWORD);
      await pressButton(page, 'Sign in');
      expect(new URL(page.url()).pathname).toBe(`/e/${UPCOMING}/login/code`);
      expect(await heading(page)).toBe('Two-factor authentication');
      nextStep();
      const code = totpAt(setupKey, clock.now().getTime());
      await page.locator('#f-code').fill(code);
      await pressButton(page, 'Sign in');
      expect(new URL(page.url()).pathname).toBe(`/e/${UPCOMING}`);
      expect(await heading(page)).toBe('Coming soon');
      expect(await suite.status(PERSON, UPCOMING)).toEqual({ status: 'registered', stage: 'verified' });

      // Sign out and in once more, with a recovery code instead; the used code is refused.
      await pressButton(page, 'Sign out');
      expect(await heading(page)).toBe('Sign in');
      await fillSignIn(page, PERSON, DEMO_PASSWORD);
      await pressButton(page, 'Sign in');
      expect(await heading(page)).toBe('Two-factor authentication');
      await page.locator('#f-code').fill(code);
      const reused = await pressButton(page, 'Sign in');
      expect(reused.status()).toBe(401);
      expect(await page.locator('#f-code-error').innerText()).toMatch(/not valid/i);
      await page.locator('#f-code').fill(recoveryCodes[3]!);
      await pressButton(page, 'Sign in');
      expect(new URL(page.url()).pathname).toBe(`/e/${UPCOMING}`);
      expect(await heading(page)).toBe('Coming soon');

      const left = await suite.t1(['mfa', 'status', PERSON, '--json']);
      expect(left.exitCode, left.stderr).toBe(0);
      expect(JSON.parse(left.stdout)).toMatchObject({ enrolled: true, recoveryCodesLeft: 9, requiredByOrganisation: true });
    } finally {
      await context.close();
    }
  });
});
