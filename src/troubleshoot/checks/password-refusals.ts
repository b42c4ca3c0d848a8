// Which password rule refused the person's password, from the log: the set-password and
// reset pages log password.refused, the registration form logs registration.refused
// with the password's reason. A later password.set means they got there in the end.
import { ACTIVITY_REASONS, type ActivityReason } from '../../contract/activity.ts';
import type { EventDetail, TimelineEntry } from '../../contract/schemas.ts';
import { formatUtc } from '../../cli/render/format.ts';
import type { Check, Finding } from '../runbook.ts';
import type { PlatformFacts } from '../facts.ts';
import { eventOf } from './emailed-links.ts';

export type PasswordReason = 'too_short' | 'too_long' | 'too_common' | 'contains_email' | 'mismatch';

export interface PasswordAttempt {
  entry: TimelineEntry;
  /** The rule that refused it, or null for a password that was set. */
  reason: PasswordReason | null;
  /** Where it happened. */
  where: 'set-password page' | 'reset page' | 'registration form';
}

function attemptOf(entry: TimelineEntry): PasswordAttempt | null {
  const page = entry.detail.linkKind === 'reset_password' ? 'reset page' : 'set-password page';
  if (entry.kind === 'password.refused') return { entry, reason: (entry.reason as PasswordReason) ?? null, where: page };
  if (entry.kind === 'password.set') return { entry, reason: null, where: page };
  if (entry.kind === 'registration.refused' && typeof entry.detail.passwordReason === 'string') {
    return { entry, reason: entry.detail.passwordReason as PasswordReason, where: 'registration form' };
  }
  return null;
}

/** The person's password attempts for the event, newest first. */
export async function passwordAttempts(facts: PlatformFacts, email: string, event: string | undefined): Promise<PasswordAttempt[]> {
  return (await facts.timeline(email))
    .filter((e) => !event || !e.eventSlug || e.eventSlug === event)
    .map(attemptOf)
    .filter((a): a is PasswordAttempt => a !== null);
}

/** The event's rule a reason stands for, in words a caller understands. */
export function ruleFor(reason: PasswordReason, policy: EventDetail['passwordPolicy'] | undefined): string {
  switch (reason) {
    case 'too_short':
      return `the password must have at least ${policy?.minLength ?? 8} characters`;
    case 'too_long':
      return `the password may have at most ${policy?.maxLength ?? 128} characters`;
    case 'too_common':
      return 'the password is one of the commonly used passwords, which are not allowed';
    case 'contains_email':
      return 'the password may not be the email address, or the part of it before the @';
    case 'mismatch':
      return 'the two password boxes must contain exactly the same password';
  }
}

/** All the rules, as one sentence for the caller. */
export function rulesSentence(policy: EventDetail['passwordPolicy']): string {
  return `between ${policy.minLength} and ${policy.maxLength} characters long, not a commonly used password, not your email address (or the part before the @), and typed the same in both boxes`;
}

export const passwordRefusalCheck: Check = {
  id: 'password-refusals',
  title: 'Passwords the platform refused',
  async run({ answers, facts }): Promise<Finding | null> {
    const email = answers.email!;
    const slug = await eventOf(answers, facts);
    const attempts = await passwordAttempts(facts, email, slug);
    const event = slug ? await facts.event(slug) : null;
    const evidence = attempts.slice(0, 8).map((a) => `${a.entry.at} ${a.where} ${a.reason ?? 'password set'}`);
    const last = attempts[0];
    if (!last) return { check: 'password-refusals', verdict: 'ok', summary: 'No password attempt is recorded: none was refused, none was set.', evidence };
    if (last.reason === null) {
      const refused = attempts.filter((a) => a.reason !== null).length;
      return { check: 'password-refusals', verdict: 'ok', summary: `A password was set at ${formatUtc(last.entry.at)} on the ${last.where}${refused ? ` (after ${refused} refused attempt${refused === 1 ? '' : 's'})` : ''}.`, evidence };
    }
    const words = Object.hasOwn(ACTIVITY_REASONS, last.reason) ? ACTIVITY_REASONS[last.reason as ActivityReason] : last.reason;
    const tries = attempts.findIndex((a) => a.reason === null);
    const count = tries === -1 ? attempts.length : tries;
    return {
      check: 'password-refusals',
      verdict: 'fail',
      summary: `The password was refused at ${formatUtc(last.entry.at)} on the ${last.where}: ${words} (${ruleFor(last.reason, event?.passwordPolicy)})${count > 1 ? `; ${count} refusals in a row` : ''}.`,
      evidence,
    };
  },
};
