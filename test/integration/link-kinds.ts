// Every kind of emailed link, as the support-action tests drive it: the t1 command that
// mails it, the mail it arrives in, and what a person does on its page.
import { expect } from 'vitest';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import type { LinkKind } from '../../src/platform/services/link-tokens.ts';
import { elementText, headingOf, listItems, type Browser, type PageResponse } from '../helpers/browserless.ts';
import type { ActionWorld, TestClock } from '../helpers/action-kit.ts';
import type { ReceivedMail } from '../helpers/smtp-sink.ts';
import { totpAt } from '../helpers/totp.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming;
const LIVE = DEMO_EVENT_SLUGS.live;
const PASSWORD = 'a-long-harbour-password-77';

export interface KindSpec {
  kind: LinkKind;
  path: string;
  subject: string;
  /** The t1 command that mails this kind of link to `email`. */
  command(email: string): string[];
  /** What a person types on the link's page before submitting it. */
  answers(page: PageResponse): Record<string, string>;
  /** Checks the page that follows a successful submission. */
  expectDone(done: PageResponse): void;
}

function passwordSet(done: PageResponse): void {
  expect(done.status).toBe(200);
  expect(headingOf(done.body)).toBe('Your password has been set');
}

export function linkKinds(world: () => ActionWorld, clock: TestClock): KindSpec[] {
  return [
    {
      kind: 'verify_email',
      path: '/verify/',
      subject: 'Verify your account for Northwind Product Summit 2027',
      command: (email) => ['verification', 'resend', email, '--event', SUMMIT, '--force', '--yes'],
      answers: () => ({}),
      expectDone(done) {
        expect(done.status).toBe(200);
        expect(headingOf(done.body)).toBe('Registration complete');
      },
    },
    {
      kind: 'magic_link',
      path: '/login-link/',
      subject: 'Your login link for Northwind Customer Day',
      command: (email) => ['magic-link', 'create', email, '--event', LIVE, '--send', '--yes'],
      answers: () => ({}),
      expectDone(done) {
        expect(done.status).toBe(303);
        expect(done.location).toBe(`${world().url}/e/${LIVE}`);
        expect(done.setCookies.t1_session).toBeTruthy();
      },
    },
    {
      kind: 'set_password',
      path: '/set-password/',
      subject: 'Set your password for Northwind Product Summit 2027',
      command: (email) => ['set-password-link', 'send', email, '--event', SUMMIT, '--yes'],
      answers: () => ({ password: PASSWORD, confirmation: PASSWORD }),
      expectDone: passwordSet,
    },
    {
      kind: 'reset_password',
      path: '/reset-password/',
      subject: 'Reset your password',
      command: (email) => ['password', 'reset', email, '--send', '--yes'],
      answers: () => ({ password: PASSWORD, confirmation: PASSWORD }),
      expectDone: passwordSet,
    },
    {
      kind: 'mfa_enroll',
      path: '/mfa/enroll/',
      subject: 'Set up two-factor authentication',
      command: (email) => ['mfa', 'qr', email, '--send', '--yes'],
      answers: (page) => ({ code: totpAt(elementText(page.body, 'setup-key')!.replace(/ /g, ''), clock.now().getTime()) }),
      expectDone(done) {
        expect(done.status).toBe(200);
        expect(listItems(done.body, 'recovery-codes')).toHaveLength(10);
      },
    },
  ];
}

/** Does what the link is for, from the page its GET shows, and checks the outcome. */
export async function completeLink(spec: KindSpec, browser: Browser, page: PageResponse): Promise<void> {
  spec.expectDone(await browser.submit(page, spec.answers(page)));
}

/** Runs the kind's command and returns the mail it caused. */
export async function mailLink(w: ActionWorld, spec: KindSpec, email: string): Promise<ReceivedMail> {
  const before = w.sink.mailsTo(email).length;
  const result = await w.t1(spec.command(email));
  expect(result.exitCode, result.stderr).toBe(0);
  const mail = await w.sink.nextMail(email, { after: before });
  expect(mail.subject).toBe(spec.subject);
  expect(mail.link.startsWith(`${w.url}${spec.path}`)).toBe(true);
  return mail;
}
