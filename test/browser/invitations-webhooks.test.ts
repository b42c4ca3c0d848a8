// Invitations (both variants) and webhook registrations in Chromium: the agent invites
// with t1, an admin rotates the webhook secret with t1, the person follows the emailed
// links in the browser, and t1 status matches every step.
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { describeBrowser, followLink, heading, mainText, newContext, pressButton, visit } from '../helpers/browser.ts';
import { fillRegistration, fillSignIn, linkTo, startBrowserSuite, type BrowserSuite } from '../helpers/browser-suite.ts';

const UPCOMING = DEMO_EVENT_SLUGS.upcoming;
const LIVE = DEMO_EVENT_SLUGS.live;

/** Standard Webhooks signature, written from the spec: base64 HMAC-SHA256 of id.timestamp.body. */
function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

describeBrowser('invitations and webhook registrations in Chromium', () => {
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite();
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('invitation on a password event: "Set me up", set a password, sign in', { timeout: 60_000 }, async () => {
    const email = 'alan.turing@bletchley.example';
    const password = 'Enigma-Bombe-1940';
    const invited = await suite.t1(['invitations', 'send', email, '--event', UPCOMING, '--first-name', 'Alan', '--last-name', 'Turing', '--yes']);
    expect(invited.exitCode, invited.stderr).toBe(0);
    expect(await suite.status(email, UPCOMING)).toEqual({ status: 'invited', stage: 'invite_sent' });

    const mail = await suite.mail(email, /you're invited/i);
    expect(mail.text).toContain('Set me up');
    const link = linkTo(mail, '/set-password/');

    const context = await newContext(suite.browser);
    const page = await context.newPage();
    try {
      const opened = await visit(page, link);
      expect(opened.headers()['referrer-policy']).toBe('no-referrer');
      expect(await heading(page)).toBe('Set your password');
      // Opening the link changes nothing.
      expect(await suite.status(email, UPCOMING)).toEqual({ status: 'invited', stage: 'invite_sent' });

      // A mismatch is refused next to the field and does not burn the link.
      await page.locator('#f-password').fill(password);
      await page.locator('#f-confirmation').fill(`${password}x`);
      const mismatch = await pressButton(page, 'Set password');
      expect(mismatch.status()).toBe(422);
      expect(await page.locator('#f-confirmation').getAttribute('aria-describedby')).toBe('f-confirmation-error');
      expect(await page.locator('#f-confirmation-error').innerText()).toMatch(/match/i);

      await page.locator('#f-password').fill(password);
      await page.locator('#f-confirmation').fill(password);
      await pressButton(page, 'Set password');
      expect(await heading(page)).toBe('Your password has been set');
      expect(await suite.status(email, UPCOMING)).toEqual({ status: 'registered', stage: 'verified' });
      await suite.mail(email, /registration complete/i);

      await followLink(page, 'Sign in');
      expect(await heading(page)).toBe('Sign in');
      await fillSignIn(page, email, password);
      await pressButton(page, 'Sign in');
      expect(new URL(page.url()).pathname).toBe(`/e/${UPCOMING}`);
      expect(await heading(page)).toBe('Coming soon');
      expect(await suite.status(email, UPCOMING)).toEqual({ status: 'registered', stage: 'verified' });
    } finally {
      await context.close();
    }
  });

  it('invitation on a login-link event: open the site, Register, sign in from the login link', { timeout: 60_000 }, async () => {
    const email = 'katherine.johnson@langley.example';
    const invited = await suite.t1(['invitations', 'send', email, '--event', LIVE, '--first-name', 'Katherine', '--last-name', 'Johnson', '--yes']);
    expect(invited.exitCode, invited.stderr).toBe(0);
    expect(await suite.status(email, LIVE)).toEqual({ status: 'invited', stage: 'invite_sent' });

    const mail = await suite.mail(email, /you're invited/i);
    const site = linkTo(mail, `/e/${LIVE}`);
    expect(new URL(site).pathname).toBe(`/e/${LIVE}`);

    const context = await newContext(suite.browser);
    const page = await context.newPage();
    try {
      await visit(page, site);
      expect(await heading(page)).toBe('Northwind Customer Day');
      expect(await suite.status(email, LIVE)).toEqual({ status: 'invited', stage: 'invite_sent' });
      await followLink(page, 'Register');
      expect(new URL(page.url()).pathname).toBe(`/e/${LIVE}/register`);
      expect(await page.locator('input[type=password]').count()).toBe(0);
      await fillRegistration(page, { first_name: 'Katherine', last_name: 'Johnson', company: 'Langley', email, terms: true });
      await pressButton(page, 'Register');
      expect(await heading(page)).toBe('Thanks for registering');
      expect(await suite.status(email, LIVE)).toEqual({ status: 'registered', stage: 'login_link_sent' });

      const login = await suite.mail(email, /login link/i);
      await visit(page, linkTo(login, '/login-link/'));
      expect(await heading(page)).toBe('Log in');
      expect(await suite.status(email, LIVE)).toEqual({ status: 'registered', stage: 'login_link_sent' });
      await pressButton(page, 'Log in');
      expect(new URL(page.url()).pathname).toBe(`/e/${LIVE}`);
      expect(await mainText(page)).toContain('Welcome, Katherine');
      expect(await suite.status(email, LIVE)).toEqual({ status: 'attended', stage: 'joined' });
    } finally {
      await context.close();
    }
  });

  it('webhook registration: signed POST creates the person, who sets a password from the email', { timeout: 60_000 }, async () => {
    const email = 'hedy.lamarr@frequencyhopping.example';
    const password = 'Spread-Spectrum-1942';
    const rotated = await suite.t1(['events', 'webhook-secret', UPCOMING, '--yes'], 'admin');
    expect(rotated.exitCode, rotated.stderr).toBe(0);
    const secret = rotated.stdout.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);

    const body = JSON.stringify({ type: 'registration.created', data: { event: UPCOMING, email, firstName: 'Hedy', lastName: 'Lamarr', company: 'Frequency Hopping' } });
    const post = (headers: Record<string, string>) =>
      fetch(suite.url('/v1/webhooks/registrations'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const now = Math.floor(Date.now() / 1000);
    const before = await suite.counts();

    // Refused: a wrong signature, and a signature that is right but five minutes stale.
    const badId = `msg_${randomUUID()}`;
    const bad = await post({ 'webhook-id': badId, 'webhook-timestamp': String(now), 'webhook-signature': sign(`whsec_${Buffer.from('not the secret').toString('base64')}`, badId, now, body) });
    expect(bad.status).toBe(401);
    const oldId = `msg_${randomUUID()}`;
    const old = await post({ 'webhook-id': oldId, 'webhook-timestamp': String(now - 600), 'webhook-signature': sign(secret, oldId, now - 600, body) });
    expect(old.status).toBe(401);
    expect(await suite.counts()).toEqual(before);

    const id = `msg_${randomUUID()}`;
    const accepted = await post({ 'webhook-id': id, 'webhook-timestamp': String(now), 'webhook-signature': sign(secret, id, now, body) });
    expect(accepted.status, await accepted.clone().text()).toBe(201);
    expect(await suite.counts()).toEqual({ users: before.users + 1, registrations: before.registrations + 1 });
    expect(await suite.status(email, UPCOMING)).toEqual({ status: 'registered', stage: 'password_not_set' });

    // The same delivery again is a replay: refused, nothing new.
    const replay = await post({ 'webhook-id': id, 'webhook-timestamp': String(now), 'webhook-signature': sign(secret, id, now, body) });
    expect(replay.status).toBe(409);
    expect(await suite.counts()).toEqual({ users: before.users + 1, registrations: before.registrations + 1 });

    const mail = await suite.mail(email, /set your password/i);
    const context = await newContext(suite.browser);
    const page = await context.newPage();
    try {
      await visit(page, linkTo(mail, '/set-password/'));
      expect(await heading(page)).toBe('Set your password');
      expect(await suite.status(email, UPCOMING)).toEqual({ status: 'registered', stage: 'password_not_set' });
      await page.locator('#f-password').fill(password);
      await page.locator('#f-confirmation').fill(password);
      await pressButton(page, 'Set password');
      expect(await heading(page)).toBe('Your password has been set');
      expect(await suite.status(email, UPCOMING)).toEqual({ status: 'registered', stage: 'verified' });

      await followLink(page, 'Sign in');
      await fillSignIn(page, email, password);
      await pressButton(page, 'Sign in');
      expect(await heading(page)).toBe('Coming soon');
    } finally {
      await context.close();
    }
    // Only one set-password mail went out: the refused and replayed deliveries sent none.
    expect(suite.smtp.mailsTo(email).filter((m) => /set your password/i.test(m.subject))).toHaveLength(1);
  });
});
