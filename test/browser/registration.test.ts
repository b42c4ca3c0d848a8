// Form registration in Chromium: a password event with email verification, a login-link
// event that is live, and the unsupported-browser notice. Mail goes through a real SMTP
// server; every link is followed in the browser; t1 status is checked after each step.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { describeBrowser, expectAccessible, heading, mainText, newContext, pressButton, visit } from '../helpers/browser.ts';
import { fillRegistration, fillSignIn, linkTo, startBrowserSuite, type BrowserSuite } from '../helpers/browser-suite.ts';

const UPCOMING = DEMO_EVENT_SLUGS.upcoming;
const LIVE = DEMO_EVENT_SLUGS.live;
const NOTICE = 'Your browser is not supported';

/** Date and time parts of a moment in a timezone, computed here with Intl. */
function partsIn(iso: string, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { date: `${Number(part('day'))} ${part('month')} ${part('year')}`, time: `${part('hour')}:${part('minute')}` };
}

describeBrowser('registration pages in Chromium', () => {
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite();
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('password event with verification: register, verify from the email, sign in to "coming soon"', { timeout: 60_000 }, async () => {
    const email = 'ada.lovelace@analyticalengines.example';
    const password = 'Difference-Engine-1843';
    const context = await newContext(suite.browser);
    const page = await context.newPage();
    try {
      await visit(page, suite.url(`/e/${UPCOMING}/register`));
      expect(await heading(page)).toBe('Register');
      expect(await page.locator('.notice').count()).toBe(0);
      // Required fields are marked.
      for (const name of ['first_name', 'last_name', 'country', 'company', 'email', 'password', 'confirmation']) {
        await expect.soft(page.locator(`#f-${name}`).getAttribute('aria-required')).resolves.toBe('true');
      }
      await fillRegistration(page, {
        first_name: 'Ada',
        last_name: 'Lovelace',
        country: 'United Kingdom',
        job_title: 'Analyst',
        company: 'Analytical Engines',
        email,
        password,
        confirmation: password,
        terms: true,
      });
      const registered = await pressButton(page, 'Register');
      expect(registered.status()).toBe(200);
      expect(await heading(page)).toMatch(/check your inbox/i);
      expect(await mainText(page)).toContain(email);
      expect(await suite.status(email, UPCOMING)).toEqual({ status: 'registered', stage: 'pending_verification' });

      const verifyMail = await suite.mail(email, /verify your account/i);
      const verifyLink = linkTo(verifyMail, '/verify/');
      expect(verifyMail.text).toContain('Verify account');

      // Opening the link only shows a button: a mail scanner cannot burn it.
      const opened = await visit(page, verifyLink);
      expect(opened.status()).toBe(200);
      expect(opened.headers()['referrer-policy']).toBe('no-referrer');
      expect(await heading(page)).toBe('Verify your account');
      expect(await page.getByRole('button', { name: 'Verify', exact: true }).count()).toBe(1);
      expect(await suite.status(email, UPCOMING)).toEqual({ status: 'registered', stage: 'pending_verification' });

      await pressButton(page, 'Verify');
      expect(await heading(page)).toBe('Registration complete');
      expect(await suite.status(email, UPCOMING)).toEqual({ status: 'registered', stage: 'verified' });
      const complete = await suite.mail(email, /registration complete/i);
      expect(new URL(complete.link).pathname).toBe(`/e/${UPCOMING}/login`);

      // The used link now explains itself and offers a new one.
      const again = await visit(page, verifyLink);
      expect(again.status()).toBe(410);
      expect(await heading(page)).toBe('This link was already used');

      await visit(page, complete.link);
      expect(await heading(page)).toBe('Sign in');
      await fillSignIn(page, email, password);
      await pressButton(page, 'Sign in');
      expect(new URL(page.url()).pathname).toBe(`/e/${UPCOMING}`);
      expect(await heading(page)).toBe('Coming soon');
      const event = await suite.tp.platform.ctx.db.selectFrom('events').selectAll().where('slug', '=', UPCOMING).executeTakeFirstOrThrow();
      expect(event.timezone).toBe('America/New_York');
      const local = partsIn(event.starts_at, event.timezone);
      const utc = partsIn(event.starts_at, 'UTC');
      const text = await mainText(page);
      expect(text).toContain(local.date);
      expect(text).toContain(local.time);
      expect(text).toContain('America/New_York');
      expect(text).not.toContain(utc.time);
      // Seeing "coming soon" is not attending.
      expect(await suite.status(email, UPCOMING)).toEqual({ status: 'registered', stage: 'verified' });
    } finally {
      await context.close();
    }

    // Registering again with the registered address creates and changes nothing; the
    // person gets a "registration complete" email pointing to the sign-in page.
    const db = suite.tp.platform.ctx.db;
    const before = await suite.counts();
    const hashBefore = (await db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow()).password_hash;
    const other = await newContext(suite.browser);
    const again = await other.newPage();
    try {
      await visit(again, suite.url(`/e/${UPCOMING}/register`));
      await fillRegistration(again, {
        first_name: 'Someone',
        last_name: 'Else',
        country: 'France',
        company: 'Elsewhere',
        email,
        password: 'Another-Password-2024',
        confirmation: 'Another-Password-2024',
        terms: true,
      });
      await pressButton(again, 'Register');
      // The same page as a first registration, so the form tells nobody who is registered.
      expect(await heading(again)).toBe('Almost done: check your inbox');
      const reminder = await suite.mail(email, /registration complete/i);
      expect(new URL(reminder.link).pathname).toBe(`/e/${UPCOMING}/login`);
      expect(await suite.counts()).toEqual(before);
      const after = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
      expect(after.password_hash).toBe(hashBefore);
      expect(after.first_name).toBe('Ada');
      expect(await suite.status(email, UPCOMING)).toEqual({ status: 'registered', stage: 'verified' });
    } finally {
      await other.close();
    }
  });

  it('login-link event, live: register without a password, enter from the emailed link, attended', { timeout: 60_000 }, async () => {
    const email = 'grace.hopper@cobol.example';
    const context = await newContext(suite.browser);
    const page = await context.newPage();
    try {
      await visit(page, suite.url(`/e/${LIVE}/register`));
      expect(await heading(page)).toBe('Register');
      expect(await page.locator('input[type=password]').count()).toBe(0);
      await fillRegistration(page, { first_name: 'Grace', last_name: 'Hopper', company: 'COBOL Works', email, terms: true });
      await pressButton(page, 'Register');
      expect(await heading(page)).toBe('Thanks for registering');
      expect(await mainText(page)).toContain(email);
      expect(await suite.status(email, LIVE)).toEqual({ status: 'registered', stage: 'login_link_sent' });

      const mail = await suite.mail(email, /login link/i);
      const link = linkTo(mail, '/login-link/');
      const opened = await visit(page, link);
      expect(opened.headers()['referrer-policy']).toBe('no-referrer');
      expect(await heading(page)).toBe('Log in');
      expect(await suite.status(email, LIVE)).toEqual({ status: 'registered', stage: 'login_link_sent' });

      await pressButton(page, 'Log in');
      expect(new URL(page.url()).pathname).toBe(`/e/${LIVE}`);
      expect(await heading(page)).toBe('Northwind Customer Day');
      expect(await page.locator('header').innerText()).toContain('Live now');
      expect(await mainText(page)).toContain('Welcome, Grace');
      expect(await suite.status(email, LIVE)).toEqual({ status: 'attended', stage: 'joined' });
    } finally {
      await context.close();
    }
  });

  it('an unsupported browser sees the notice on the registration page; this Chromium does not', async () => {
    const agents = {
      'Chrome 99': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.51 Safari/537.36',
      'Internet Explorer 11': 'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko',
      'Internet Explorer 10': 'Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)',
    };
    for (const [name, userAgent] of Object.entries(agents)) {
      const context = await newContext(suite.browser, { userAgent });
      const page = await context.newPage();
      try {
        await visit(page, suite.url(`/e/${UPCOMING}/register`));
        const notice = page.locator('.notice');
        expect(await notice.count(), name).toBe(1);
        expect(await notice.innerText(), name).toContain(NOTICE);
        expect(await notice.innerText(), name).toMatch(/Chrome/);
        // The form is still there: the notice warns, it does not block.
        expect(await page.locator('#f-email').count(), name).toBe(1);
      } finally {
        await context.close();
      }
    }
    const context = await newContext(suite.browser);
    const page = await context.newPage();
    try {
      await visit(page, suite.url(`/e/${UPCOMING}/register`));
      expect(await page.evaluate('navigator.userAgent')).toMatch(/Chrome\/\d+/);
      expect(await page.locator('.notice').count()).toBe(0);
      expect(await mainText(page)).not.toContain(NOTICE);
      await expectAccessible(page);
    } finally {
      await context.close();
    }
  });
});
