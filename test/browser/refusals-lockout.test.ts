// What the registration form refuses (each with its own message, next to its field and
// in the error summary, storing nothing and sending nothing), and the sign-in lock after
// ten wrong passwords, which an agent sees and clears with t1.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import { describeBrowser, heading, mainText, newContext, pressButton, visit } from '../helpers/browser.ts';
import { fillRegistration, fillSignIn, startBrowserSuite, type BrowserSuite } from '../helpers/browser-suite.ts';

const UPCOMING = DEMO_EVENT_SLUGS.upcoming;

describeBrowser('registration refusals and the sign-in lock in Chromium', () => {
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite();
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('refuses a public domain, a non-approved domain, a missing required field and an unticked terms box', { timeout: 60_000 }, async () => {
    const db = suite.tp.platform.ctx.db;
    const valid = {
      first_name: 'Marie',
      last_name: 'Curie',
      country: 'France',
      job_title: 'Physicist',
      company: 'Radium Institute',
      email: 'marie.curie@radium.example',
      password: 'Polonium-Radium-1898',
      confirmation: 'Polonium-Radium-1898',
      terms: true,
    };
    const cases = [
      { name: 'public email domain', values: { ...valid, email: 'marie.curie@gmail.com' }, field: 'email', message: /gmail\.com.*not accepted/i },
      {
        name: 'domain not approved for the event',
        approved: ['northwind.example', 'contoso.example'],
        values: valid,
        field: 'email',
        message: /only.*northwind\.example|northwind\.example.*only/i,
      },
      { name: 'missing required field', values: { ...valid, company: '' }, field: 'company', message: /company.*required/i },
      { name: 'unticked terms box', values: { ...valid, terms: false }, field: 'terms', message: /terms/i },
    ];

    const context = await newContext(suite.browser);
    const page = await context.newPage();
    const messages: string[] = [];
    try {
      for (const c of cases) {
        const event = await db.selectFrom('events').select(['approved_domains']).where('slug', '=', UPCOMING).executeTakeFirstOrThrow();
        if (c.approved) await db.updateTable('events').set({ approved_domains: JSON.stringify(c.approved) }).where('slug', '=', UPCOMING).execute();
        try {
          const before = await suite.counts();
          await visit(page, suite.url(`/e/${UPCOMING}/register`));
          await fillRegistration(page, c.values);
          const response = await pressButton(page, 'Register');
          expect(response.status(), c.name).toBe(422);
          expect(await heading(page), c.name).toBe('Register');

          // The message sits next to its field, tied to it for screen readers...
          const input = page.locator(`#f-${c.field}`);
          expect(await input.getAttribute('aria-invalid'), c.name).toBe('true');
          expect(await input.getAttribute('aria-describedby'), c.name).toBe(`f-${c.field}-error`);
          const message = (await page.locator(`#f-${c.field}-error`).innerText()).trim();
          expect(message, c.name).toMatch(c.message);
          messages.push(message);
          // ...and the summary at the top lists it (only it), linking to the field.
          const items = page.locator('.error-summary li a');
          expect(await items.count(), c.name).toBe(1);
          expect(await items.first().getAttribute('href'), c.name).toBe(`#f-${c.field}`);
          expect((await items.first().innerText()).trim(), c.name).toBe(message);
          // What the person typed is kept (but never a password).
          expect(await page.locator('#f-first_name').inputValue(), c.name).toBe('Marie');
          expect(await page.locator('#f-password').inputValue(), c.name).toBe('');

          expect(await suite.counts(), c.name).toEqual(before);
          const stored = await db.selectFrom('users').select('id').where('email', '=', c.values.email.toLowerCase()).executeTakeFirst();
          expect(stored, c.name).toBeUndefined();
        } finally {
          await db.updateTable('events').set({ approved_domains: event.approved_domains }).where('slug', '=', UPCOMING).execute();
        }
      }
    } finally {
      await context.close();
    }
    expect(new Set(messages).size).toBe(cases.length);
    const status = await suite.t1(['status', valid.email, '--event', UPCOMING, '--json']);
    expect(status.exitCode).toBe(3);
    expect(await suite.smtp.quietFor(valid.email, 300)).toEqual([]);
    expect(suite.smtp.mailsTo(valid.email)).toEqual([]);
    expect(suite.smtp.mailsTo('marie.curie@gmail.com')).toEqual([]);
  });

  it('ten wrong passwords lock the account; t1 users unlock clears it; the right password then works', { timeout: 90_000 }, async () => {
    const email = 'tomas.silva@contoso.example';
    const context = await newContext(suite.browser);
    const page = await context.newPage();
    try {
      await visit(page, suite.url(`/e/${UPCOMING}/login`));
      for (let attempt = 1; attempt <= 10; attempt += 1) {
        await fillSignIn(page, email, `wrong-password-${attempt}`);
        const response = await pressButton(page, 'Sign in');
        const text = await mainText(page);
        if (attempt < 10) {
          expect(response.status(), `attempt ${attempt}`).toBe(401);
          expect(text, `attempt ${attempt}`).toMatch(/email or password is not correct/i);
        } else {
          // The tenth failure locks; saying so already on this attempt is allowed.
          expect([401, 423], `attempt ${attempt}`).toContain(response.status());
        }
      }
      // Even the right password is refused now, with the lock explained.
      await fillSignIn(page, email, DEMO_PASSWORD);
      const locked = await pressButton(page, 'Sign in');
      expect(locked.status()).toBe(423);
      expect(await heading(page)).toBe('Sign in');
      expect(await mainText(page)).toMatch(/locked after too many failed sign-ins/i);
      expect(new URL(page.url()).pathname).toBe(`/e/${UPCOMING}/login`);

      const shown = await suite.t1(['users', 'show', email]);
      expect(shown.exitCode, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/LOCKED/);

      const unlocked = await suite.t1(['users', 'unlock', email, '--yes']);
      expect(unlocked.exitCode, unlocked.stderr).toBe(0);
      expect(unlocked.stdout).toMatch(/Unlocked/);
      const after = await suite.t1(['users', 'show', email]);
      expect(after.stdout).not.toMatch(/LOCKED/);
      expect(after.stdout).toMatch(/not locked/);

      await fillSignIn(page, email, DEMO_PASSWORD);
      await pressButton(page, 'Sign in');
      expect(new URL(page.url()).pathname).toBe(`/e/${UPCOMING}`);
      expect(await heading(page)).toBe('Coming soon');
      expect(await suite.status(email, UPCOMING)).toEqual({ status: 'registered', stage: 'verified' });
    } finally {
      await context.close();
    }
  });
});
