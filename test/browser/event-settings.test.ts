// Events made with `t1 events create` and changed with `t1 events set`, then used in
// Chromium: each setting changes what the pages do. One browser and one platform serve
// every test; the platform's clock can be moved forward to age links past their lifetime.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeBrowser, heading, mainText, newContext, pressButton, visit } from '../helpers/browser.ts';
import { fillRegistration, fillSignIn, linkTo, startBrowserSuite, type BrowserSuite } from '../helpers/browser-suite.ts';
import { testClock } from '../helpers/action-kit.ts';

const PASSWORD = 'Orbital-Mechanics-1969';

describeBrowser('event settings made with t1, followed by the pages in Chromium', () => {
  const clock = testClock();
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite({ clock });
  }, 60_000);
  afterAll(async () => {
    await suite?.close();
  });

  /** `t1 events create` (upcoming, in UTC), then `t1 events set` for each pair, as an admin. */
  async function makeEvent(slug: string, settings: [string, string][] = []): Promise<void> {
    const created = await suite.t1(['events', 'create', slug, '--title', `Event ${slug}`, '--starts', '2027-06-01T09:00', '--ends', '2027-06-01T17:00', '--timezone', 'UTC', '--yes'], 'admin');
    expect(created.exitCode, created.stderr).toBe(0);
    for (const [setting, value] of settings) {
      const set = await suite.t1(['events', 'set', slug, setting, value, '--yes', '--reason', 'browser test'], 'admin');
      expect(set.exitCode, set.stderr).toBe(0);
    }
  }

  async function withPage(run: (page: Page) => Promise<void>): Promise<void> {
    const context = await newContext(suite.browser);
    try {
      await run(await context.newPage());
    } finally {
      await context.close();
    }
  }

  async function register(page: Page, slug: string, values: Parameters<typeof fillRegistration>[1]) {
    await visit(page, suite.url(`/e/${slug}/register`));
    await fillRegistration(page, { first_name: 'Grace', last_name: 'Hopper', terms: true, ...values });
    return pressButton(page, 'Register');
  }

  /** The newest link of a kind issued to an address: its lifetime as stored. */
  async function storedLifetimeMinutes(email: string, kind: string): Promise<number> {
    const db = suite.tp.platform.ctx.db;
    const row = await db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .select(['tokens.created_at', 'tokens.expires_at'])
      .where('users.email', '=', email)
      .where('tokens.kind', '=', kind)
      .orderBy('tokens.created_at', 'desc')
      .executeTakeFirstOrThrow();
    return (Date.parse(row.expires_at!) - Date.parse(row.created_at)) / 60_000;
  }

  it('registration closed: the form is replaced by the closed page', { timeout: 30_000 }, async () => {
    await makeEvent('closed-forum', [['registration', 'closed']]);
    await withPage(async (page) => {
      await visit(page, suite.url('/e/closed-forum/register'));
      expect(await heading(page)).toBe('Registration is closed');
      expect(await page.locator('#f-email').count()).toBe(0);
    });
  });

  it('login method magic_link: no password on the form, and sign-in sends a login link', { timeout: 30_000 }, async () => {
    await makeEvent('link-forum', [['login-method', 'magic_link']]);
    const email = 'grace.hopper@cobol.example';
    await withPage(async (page) => {
      await visit(page, suite.url('/e/link-forum/register'));
      expect(await page.locator('input[type=password]').count()).toBe(0);
      await visit(page, suite.url('/e/link-forum/login'));
      expect(await heading(page)).toBe('Sign in');
      expect(await page.locator('#f-password').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Email me a login link', exact: true }).count()).toBe(1);
      const registered = await register(page, 'link-forum', { email, company: 'COBOL' });
      expect(registered.status()).toBe(200);
      expect(await mainText(page)).toContain('We emailed a login link');
    });
    expect(await suite.status(email, 'link-forum')).toEqual({ status: 'registered', stage: 'login_link_sent' });
    linkTo(await suite.mail(email, /login link/i), '/login-link/');
  });

  it('email verification off: registering signs straight in, with no verify step', { timeout: 30_000 }, async () => {
    await makeEvent('open-door-forum', [['email-verification', 'off']]);
    const email = 'margaret.hamilton@apollo.example';
    await withPage(async (page) => {
      await register(page, 'open-door-forum', { email, password: PASSWORD, confirmation: PASSWORD });
      expect(await heading(page)).toBe('Thanks for registering');
      expect(await suite.status(email, 'open-door-forum')).toEqual({ status: 'registered', stage: 'verified' });
      await visit(page, suite.url('/e/open-door-forum/login'));
      await fillSignIn(page, email, PASSWORD);
      await pressButton(page, 'Sign in');
      expect(await heading(page)).toBe('Coming soon');
    });
    await suite.mail(email, /registration complete/i);
    expect(suite.smtp.mailsTo(email).filter((m) => /verify/i.test(m.subject))).toHaveLength(0);
  });

  it('a required form field is required on the page', { timeout: 30_000 }, async () => {
    await makeEvent('fields-forum', [['form-fields', 'country:required,job_title:optional']]);
    await withPage(async (page) => {
      await visit(page, suite.url('/e/fields-forum/register'));
      expect(await page.locator('#f-country').getAttribute('aria-required')).toBe('true');
      expect(await page.locator('#f-job_title').getAttribute('aria-required')).not.toBe('true');
      expect(await page.locator('#f-company').count()).toBe(0);
      // The browser would stop an empty required field; the platform must too.
      await page.locator('#f-country').evaluate((input) => input.removeAttribute('required'));
      await fillRegistration(page, { first_name: 'Annie', last_name: 'Easley', email: 'annie.easley@nasa.example', password: PASSWORD, confirmation: PASSWORD, terms: true });
      const refused = await pressButton(page, 'Register');
      expect(refused.status()).toBe(422);
      expect(await page.locator('#f-country-error').innerText()).toContain('Country is required');
    });
  });

  it('approved domains: other domains are refused, an approved one registers', { timeout: 30_000 }, async () => {
    await makeEvent('partners-forum', [['approved-domains', 'contoso.example,fabrikam.example']]);
    await withPage(async (page) => {
      const refused = await register(page, 'partners-forum', { email: 'someone@litware.example', password: PASSWORD, confirmation: PASSWORD });
      expect(refused.status()).toBe(422);
      expect(await page.locator('#f-email-error').innerText()).toContain('open to addresses at contoso.example, fabrikam.example only');
      const accepted = await register(page, 'partners-forum', { email: 'dorothy.vaughan@fabrikam.example', password: PASSWORD, confirmation: PASSWORD });
      expect(accepted.status()).toBe(200);
      expect(await heading(page)).toMatch(/check your inbox/i);
    });
  });

  it('public domains: refused by default, registering once allowed', { timeout: 30_000 }, async () => {
    await makeEvent('public-forum');
    await withPage(async (page) => {
      const refused = await register(page, 'public-forum', { email: 'mary.jackson@gmail.com', password: PASSWORD, confirmation: PASSWORD });
      expect(refused.status()).toBe(422);
      expect(await page.locator('#f-email-error').innerText()).toContain('Addresses at gmail.com are not accepted');
      const allowed = await suite.t1(['events', 'set', 'public-forum', 'public-domains', 'allowed', '--yes'], 'admin');
      expect(allowed.exitCode, allowed.stderr).toBe(0);
      const accepted = await register(page, 'public-forum', { email: 'mary.jackson@gmail.com', password: PASSWORD, confirmation: PASSWORD });
      expect(accepted.status()).toBe(200);
    });
  });

  it('password policy: the set-password page enforces the event\'s lengths', { timeout: 30_000 }, async () => {
    await makeEvent('policy-forum', [['password-length', '20..24']]);
    const email = 'katherine.coleman@langley.example';
    const invited = await suite.t1(['invitations', 'send', email, '--event', 'policy-forum', '--first-name', 'Katherine', '--last-name', 'Coleman', '--yes']);
    expect(invited.exitCode, invited.stderr).toBe(0);
    const link = linkTo(await suite.mail(email, /you're invited/i), '/set-password/');
    await withPage(async (page) => {
      await visit(page, link);
      expect(await mainText(page)).toContain('Use at least 20 characters');
      const attempt = async (password: string) => {
        await page.locator('#f-password').fill(password);
        await page.locator('#f-confirmation').fill(password);
        return pressButton(page, 'Set password');
      };
      const short = await attempt('Nineteen-chars-ok-1');
      expect(short.status()).toBe(422);
      expect(await page.locator('#f-password-error').innerText()).toContain('Use at least 20 characters.');
      const long = await attempt('Twenty-five-characters-xx');
      expect(long.status()).toBe(422);
      expect(await page.locator('#f-password-error').innerText()).toContain('Use at most 24 characters.');
      const fits = await attempt('Twenty-two-characters!');
      expect(fits.status()).toBe(200);
      expect(await heading(page)).toBe('Your password has been set');
    });
  });

  it('verification link lifetime: a link older than it is refused as expired', { timeout: 30_000 }, async () => {
    await makeEvent('verify-forum', [['verification-link-lifetime', '1m']]);
    const email = 'evelyn.boyd@numbers.example';
    await withPage(async (page) => {
      await register(page, 'verify-forum', { email, password: PASSWORD, confirmation: PASSWORD });
      const link = linkTo(await suite.mail(email, /verify your account/i), '/verify/');
      expect(await storedLifetimeMinutes(email, 'verify_email')).toBe(1);
      clock.advance(2 * 60_000);
      const opened = await visit(page, link);
      expect(opened.status()).toBe(410);
      expect(await heading(page)).toBe('This link has expired');
    });
    expect(await suite.status(email, 'verify-forum')).toEqual({ status: 'registered', stage: 'pending_verification' });
  });

  it('login link lifetime: a login link older than it is refused as expired', { timeout: 30_000 }, async () => {
    await makeEvent('quick-link-forum', [
      ['login-method', 'magic_link'],
      ['login-link-lifetime', '1m'],
    ]);
    const email = 'frances.allen@compilers.example';
    await withPage(async (page) => {
      await register(page, 'quick-link-forum', { email });
      const link = linkTo(await suite.mail(email, /login link/i), '/login-link/');
      expect(await storedLifetimeMinutes(email, 'magic_link')).toBe(1);
      clock.advance(2 * 60_000);
      const opened = await visit(page, link);
      expect(opened.status()).toBe(410);
      expect(await heading(page)).toBe('This link has expired');
    });
  });

  it('set-password link lifetime: a set-password link older than it is refused as expired', { timeout: 30_000 }, async () => {
    await makeEvent('invite-forum', [['set-password-link-lifetime', '1m']]);
    const email = 'jean.sammet@languages.example';
    const invited = await suite.t1(['invitations', 'send', email, '--event', 'invite-forum', '--first-name', 'Jean', '--last-name', 'Sammet', '--yes']);
    expect(invited.exitCode, invited.stderr).toBe(0);
    const link = linkTo(await suite.mail(email, /you're invited/i), '/set-password/');
    expect(await storedLifetimeMinutes(email, 'set_password')).toBe(1);
    clock.advance(2 * 60_000);
    await withPage(async (page) => {
      const opened = await visit(page, link);
      expect(opened.status()).toBe(410);
      expect(await heading(page)).toBe('This link has expired');
    });
  });
});
