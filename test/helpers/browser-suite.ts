// Everything a browser test file needs: a real SMTP sink, a platform on a reserved
// loopback port whose emailed links lead back to it, one Chromium, t1 pointed at the
// platform, and small readers for status, counts and mail.
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { StaffRole } from '../../src/contract/vocabulary.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { runT1, type CliResult } from './cli.ts';
import { launchBrowser } from './browser.ts';
import { startTestPlatform, type TestPlatform } from './platform.ts';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from './smtp-sink.ts';

export interface BrowserSuite {
  tp: TestPlatform;
  smtp: SmtpSink;
  browser: Browser;
  url(path: string): string;
  /** Runs t1 against the platform with a token of this role (agent by default). */
  t1(args: string[], role?: StaffRole): Promise<CliResult>;
  /** `t1 status <email> --event <slug> --json`: the registration's status and stage. */
  status(email: string, slug: string): Promise<{ status: string; stage: string }>;
  /** Rows in users and registrations. */
  counts(): Promise<{ users: number; registrations: number }>;
  /**
   * The next mail to `to` whose subject matches, reading that address's mails in order
   * (earlier ones that do not match are passed over and count as read).
   */
  mail(to: string, subject: RegExp, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startBrowserSuite(options: { clock?: Clock } = {}): Promise<BrowserSuite> {
  const smtp = await startSmtpSink();
  const tp = await startTestPlatform({ publicUrl: 'self', smtpUrl: smtp.url, mailPollMs: 50, signInDelayMs: () => 0, clock: options.clock });
  const browser = await launchBrowser();
  const read = new Map<string, number>();
  const t1 = (args: string[], role: StaffRole = 'agent') => runT1(args, { env: tp.env(role) });
  return {
    tp,
    smtp,
    browser,
    url: (path) => new URL(path, tp.url).toString(),
    t1,
    async status(email, slug) {
      const result = await t1(['status', email, '--event', slug, '--json']);
      expect(result.exitCode, `t1 status failed: ${result.stderr}`).toBe(0);
      const view = JSON.parse(result.stdout) as { registration: { status: string; stage: string } };
      return { status: view.registration.status, stage: view.registration.stage };
    },
    async counts() {
      const db = tp.platform.ctx.db;
      const users = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const registrations = await db.selectFrom('registrations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return { users: Number(users.n), registrations: Number(registrations.n) };
    },
    async mail(to, subject, timeoutMs = 10_000) {
      const address = to.toLowerCase();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const after = read.get(address) ?? 0;
        const mail = await smtp.nextMail(address, { after, timeoutMs: Math.max(1, deadline - Date.now()) }).catch((error: Error) => {
          const seen = smtp.mailsTo(address).map((m) => m.subject);
          throw new Error(`${error.message} Waiting for a subject like ${subject}; received so far: ${JSON.stringify(seen)}`);
        });
        read.set(address, after + 1);
        if (subject.test(mail.subject)) return mail;
      }
    },
    async close() {
      await browser.close().catch(() => {});
      await tp.close();
      await smtp.close();
    },
  };
}

/** The link of a mail that leads to `pathPrefix` (e.g. '/verify/'), on the platform. */
export function linkTo(mail: ReceivedMail, pathPrefix: string): string {
  const link = mail.links.find((l) => new URL(l).pathname.startsWith(pathPrefix));
  if (!link) throw new Error(`No link to ${pathPrefix}… in "${mail.subject}"; links: ${JSON.stringify(mail.links)}`);
  return link;
}

/** Fills the fields of the event's registration form that are given. */
export async function fillRegistration(
  page: Page,
  values: Partial<Record<'first_name' | 'last_name' | 'country' | 'job_title' | 'company' | 'email' | 'password' | 'confirmation', string>> & { terms?: boolean },
): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    if (name === 'terms' || value === undefined) continue;
    await page.locator(`#f-${name}`).fill(String(value));
  }
  if (values.terms) await page.locator('#f-terms').check();
}

/** Fills and sends the sign-in form of a password event. */
export async function fillSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email address').fill(email);
  await page.locator('#f-password').fill(password);
}
