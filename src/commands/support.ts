// What every support action command shares: confirmation, the reason and ticket that go
// to the audit log, an idempotency key so a retried request acts once, and how to say
// where an email went.
import { randomUUID } from 'node:crypto';
import type { SentEmail } from '../contract/schemas.ts';
import type { Deps } from '../cli/deps.ts';
import { CancelledError, usageError } from '../cli/errors.ts';
import type { Output } from '../cli/render/output.ts';

export interface ActionFlags {
  reason?: string;
  ticket?: string;
  yes: boolean;
}

/** Asks "are you sure" on a terminal; elsewhere --yes must say it. */
export async function confirmAction(deps: Deps, flags: ActionFlags, question: string): Promise<void> {
  if (flags.yes) return;
  if (!deps.output.settings.interactive) {
    throw usageError(`${question} Confirm with --yes (prompting is off).`);
  }
  if (!(await deps.prompter().confirm(question, 'pass --yes'))) throw new CancelledError();
}

export function actionContext(flags: ActionFlags): { reason?: string; ticket?: string } {
  return { reason: flags.reason, ticket: flags.ticket };
}

export function newIdempotencyKey(): string {
  return randomUUID();
}

const UNITS: Record<string, number> = { m: 1, h: 60, d: 24 * 60 };

// Nothing t1 measures goes back further than this.
const LONGEST_MINUTES = 20 * 365 * 24 * 60;

/** "15m", "2h", "7d" (or plain minutes) as minutes. */
export function parseDurationMinutes(text: string, flag: string): number {
  const match = /^(\d{1,9})\s*([mhd]?)$/i.exec(text.trim());
  if (!match) throw usageError(`${flag} "${text}" is not a duration.`, 'Use minutes, hours or days, e.g. 15m, 2h, 7d.');
  const minutes = Number(match[1]) * UNITS[(match[2] || 'm').toLowerCase()]!;
  if (minutes > LONGEST_MINUTES) throw usageError(`${flag} "${text}" is longer than t1 handles (20 years at most).`);
  return minutes;
}

const EMAIL_NAMES: Record<SentEmail['template'], string> = {
  verify_account: 'verify your account',
  registration_complete: 'registration complete',
  login_link: 'login link',
  set_password: 'set your password',
  invitation_password: 'invitation',
  invitation_login_link: 'invitation',
  password_reset: 'password reset',
  mfa_enrollment: 'set up two-factor authentication',
  mfa_removed: 'two-factor authentication removed',
  identity_code: 'your verification code',
};

export function describeEmail(email: SentEmail): string {
  const where = email.delivery === 'queued' ? 'queued for delivery' : 'kept by the platform (no SMTP configured)';
  return `Sent the "${EMAIL_NAMES[email.template]}" email to ${email.recipient}: ${where}.`;
}

/** Links from the embedded platform only open while `t1 platform start` serves them. */
export function linkNotice(out: Output, embedded: boolean): void {
  if (embedded) out.notice('The link points at the embedded platform: if it does not open, run "t1 platform start" in another terminal.');
}

export async function usesEmbeddedPlatform(deps: Deps): Promise<boolean> {
  return (await deps.settings()).apiUrl === undefined;
}
