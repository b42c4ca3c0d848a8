// The activity log's vocabulary: what can happen to a person or an address (kinds),
// why something was refused (reasons), what led to a link or an email (causes), and
// the plain words an agent reads to a caller for each. Both sides share it: the
// platform stores codes only, t1 turns them into sentences.

/** Kinds by group; `--kind sign_in,link` filters on the group before the dot. */
export const ACTIVITY_KINDS = [
  'registration.submitted',
  'registration.completed',
  'registration.refused',
  'registration.repeated',
  'link.issued',
  'link.opened',
  'link.used',
  'link.refused',
  'sign_in.succeeded',
  'sign_in.failed',
  'account.locked',
  'password.set',
  'password.refused',
  'mfa.enabled',
  'mfa.removed',
  'mfa.recovery_code_used',
  'mfa.recovery_codes_replaced',
  'mfa.phone_changed',
  'webhook.received',
  'webhook.refused',
  'mail.queued',
  'mail.captured',
  'mail.sent',
  'mail.failed',
  'visit.first',
  'visit.coming_soon',
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** Agent actions from the audit log join the timeline as "agent.<action>". */
/** A code texted to the person: an entry the timeline makes from the SMS log, in the mfa group (it is no activity row, so not in ACTIVITY_KINDS). */
export const TEXTED_CODE_KIND = 'mfa.code_texted';

export const ACTIVITY_GROUPS = ['registration', 'link', 'sign_in', 'account', 'password', 'mfa', 'webhook', 'mail', 'visit', 'agent'] as const;
export type ActivityGroup = (typeof ACTIVITY_GROUPS)[number];

export const ACTIVITY_OUTCOMES = ['ok', 'refused', 'failed'] as const;
export type ActivityOutcome = (typeof ACTIVITY_OUTCOMES)[number];

export const ACTIVITY_REASONS = {
  // Registration
  public_domain: 'addresses at public email providers are not accepted',
  domain_not_approved: "the address is not at one of the event's approved domains",
  invalid_email: 'the email address is not valid',
  required_field_missing: 'a required field was left empty',
  field_too_long: 'a field was too long',
  field_not_allowed: 'a field held characters that are not allowed',
  terms_not_accepted: 'the terms and conditions box was not ticked',
  registration_closed: 'registration is closed',
  rate_limited: 'too many attempts in a short time',
  password_rejected: 'the password did not meet the rules',
  shut_out: 'the organiser has shut this person out of the event',
  // Links
  expired: 'the link had expired',
  already_used: 'the link had already been used',
  replaced: 'a newer link had replaced it',
  revoked: 'the link had been withdrawn (for example by a two-factor reset)',
  invalid: 'the link is not one the platform issued',
  // Sign-in
  wrong_password: 'wrong password',
  no_password: 'no password set yet',
  unknown_address: 'no account with this address',
  locked: 'the account is locked',
  blocked: 'the person is blocked',
  not_registered: 'not registered for this event',
  unverified: 'the email address is not verified yet',
  code_wrong: 'wrong two-factor code',
  code_replayed: 'a two-factor code that was already used',
  challenge_expired: 'the sign-in took too long; the code step expired',
  code_expired: 'a texted code that had expired',
  // Passwords
  too_short: 'too short',
  too_long: 'too long',
  too_common: 'too common',
  contains_email: 'it is the email address',
  mismatch: 'the two passwords did not match',
  // Webhooks
  bad_signature: 'the signature did not match',
  stale_timestamp: 'the timestamp was more than five minutes off',
  replayed_id: 'the same webhook id was received before',
  invalid_payload: 'the payload was not valid',
  refused_address: 'the address is not accepted for the event',
  // Mail
  smtp_error: 'the mail server refused or could not be reached',
  gave_up: 'delivery was abandoned after repeated failures',
} as const;
export type ActivityReason = keyof typeof ACTIVITY_REASONS;
export const ACTIVITY_REASON_CODES = Object.keys(ACTIVITY_REASONS) as ActivityReason[];

/** What led to a link or an email. */
export const ACTIVITY_CAUSES = {
  registration_form: 'the registration form',
  activation_page: 'the "send the activation email again" page',
  forgot_password_page: 'the "forgot your password" page',
  login_link_page: 'the "email me a login link" page',
  renew_form: 'the "send me a new link" form on an expired or used link',
  verification_link: 'the verification link being used',
  password_link: 'a password being set from an emailed link',
  sign_in: 'a sign-in that needed two-factor enrollment',
  password_reset: 'a password reset that replaced two-factor authentication',
  webhook: 'a registration webhook',
  invitation: 'an invitation',
  agent: 'an agent',
  system: 'the platform',
} as const;
export type ActivityCause = keyof typeof ACTIVITY_CAUSES;
export const ACTIVITY_CAUSE_CODES = Object.keys(ACTIVITY_CAUSES) as ActivityCause[];

export const LINK_KIND_NAMES: Record<string, string> = {
  verify_email: 'verification link',
  magic_link: 'login link',
  set_password: 'set-password link',
  reset_password: 'password reset link',
  mfa_enroll: '2FA enrollment link',
};

/** Agent actions of the audit log, as they read in a timeline. */
export const AGENT_ACTIONS: Record<string, string> = {
  'verification.resend': 'verification email resent',
  'magic_link.create': 'login link created',
  'set_password_link.send': 'set-password link sent',
  'password.reset': 'password reset started',
  'mfa.enrollment': '2FA enrollment link created',
  'mfa.reset': 'two-factor authentication removed',
  'identity.send_code': 'identity code emailed',
  'identity.check': 'identity code checked',
  'user.unlock': 'account unlocked',
  'invitation.send': 'invitation sent',
};

/** The entry fields a sentence is made from (a subset of the API's timeline entry). */
export interface DescribableEntry {
  kind: string;
  outcome: ActivityOutcome;
  reason: string | null;
  detail: Record<string, unknown>;
  actor: string | null;
}

function reasonText(reason: string | null): string {
  return reason && Object.hasOwn(ACTIVITY_REASONS, reason) ? ACTIVITY_REASONS[reason as ActivityReason] : (reason ?? 'no reason given');
}

export function causeText(cause: unknown, actor?: string | null): string {
  const code = typeof cause === 'string' && Object.hasOwn(ACTIVITY_CAUSES, cause) ? (cause as ActivityCause) : 'system';
  if (code === 'agent' && actor) return `agent ${actor}`;
  if (code === 'invitation' && actor) return `an invitation by ${actor}`;
  return ACTIVITY_CAUSES[code];
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
/** "2026-12-01 18:02 UTC" for an ISO time in an entry's detail. */
const when = (value: unknown): string => {
  const iso = text(value);
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso;
};
const linkName = (detail: Record<string, unknown>): string => LINK_KIND_NAMES[text(detail.linkKind)] ?? 'link';

/** One plain sentence for an entry, e.g. "Sign-in refused: wrong password (3rd in a row)". */
export function describeActivity(entry: DescribableEntry): string {
  const d = entry.detail;
  const why = reasonText(entry.reason);
  switch (entry.kind) {
    case 'registration.submitted':
      return `Registration form submitted${text(d.loginMethod) === 'magic_link' ? ' (login-link event)' : ''}`;
    case 'registration.completed':
      return `Registration completed${d.via ? ` (${text(d.via)})` : ''}`;
    case 'registration.refused': {
      const fields = Array.isArray(d.fields) && d.fields.length > 0 ? `: ${d.fields.join(', ')}` : '';
      const password = d.passwordReason ? ` (${reasonText(text(d.passwordReason))})` : '';
      return `Registration refused: ${why}${fields}${password}`;
    }
    case 'registration.repeated':
      return `Registered again while already registered: nothing changed, the "${text(d.template).replaceAll('_', ' ')}" email was sent instead`;
    case 'link.issued': {
      const replaced = Number(d.replaced ?? 0) > 0 ? `; it replaced ${Number(d.replaced)} older one${Number(d.replaced) === 1 ? '' : 's'}` : '';
      return `New ${linkName(d)} issued by ${causeText(d.cause, entry.actor)}${replaced}`;
    }
    case 'link.opened':
      return `${capitalise(linkName(d))} opened (page shown, not used yet)`;
    case 'link.used':
      return `${capitalise(linkName(d))} used`;
    case 'link.refused': {
      if (entry.reason === 'already_used' && d.usedAt) return `${capitalise(linkName(d))} refused: already used at ${when(d.usedAt)}`;
      if (entry.reason === 'replaced' && d.replacedBy) return `${capitalise(linkName(d))} refused: replaced by a newer link (${text(d.replacedBy)})`;
      return `${capitalise(linkName(d))} refused: ${why}`;
    }
    case 'sign_in.succeeded':
      return `Signed in${d.method === 'login_link' ? ' with a login link' : d.method === 'recovery_code' ? ' with a recovery code' : d.method === 'code' ? ' with a two-factor code' : ''}`;
    case 'sign_in.failed': {
      const run = Number(d.failures ?? 0) > 1 ? ` (${ordinal(Number(d.failures))} in a row)` : '';
      return `Sign-in refused: ${why}${run}`;
    }
    case 'account.locked':
      return `Account locked after ${Number(d.failures ?? 0)} failed sign-ins${d.until ? `, until ${when(d.until)}` : ''}`;
    case 'password.set':
      return d.linkKind === 'reset_password' ? 'New password chosen from a reset link' : 'Password set from an emailed link';
    case 'password.refused':
      return `Password refused: ${why}`;
    case 'mfa.enabled':
      return `Two-factor authentication turned on${d.method === 'sms' ? ' with text messages' : d.method === 'app' ? ' with an authenticator app' : ''}${d.via === 'account_page' ? ' on the account page' : ''}`;
    case 'mfa.recovery_codes_replaced':
      return 'New recovery codes made on the account page (the old ones stopped working)';
    case 'mfa.phone_changed':
      return 'Phone number for two-factor codes changed on the account page';
    case 'mfa.removed':
      if (d.via === 'account_page') return 'Two-factor authentication turned off on the account page';
      return d.cause === 'password_reset' ? 'Two-factor authentication replaced by a password reset (new enrollment owed)' : `Two-factor authentication removed${entry.actor ? ` by ${entry.actor}` : ''}`;
    case 'mfa.code_texted': {
      const delivery =
        d.status === 'sent'
          ? `sent${d.sentAt ? ` ${when(d.sentAt)}` : ''}`
          : d.status === 'failed'
            ? `failed${d.lastError ? `: ${text(d.lastError)}` : ''}`
            : d.status === 'captured'
              ? 'captured, never sent (the platform has no SMS gateway)'
              : `waiting to be sent${d.lastError ? ` (retrying: ${text(d.lastError)})` : ''}`;
      return `${d.purpose === 'enroll' ? 'Phone setup' : 'Sign-in'} code texted to ${text(d.maskedPhone)}: ${delivery}`;
    }
    case 'mfa.recovery_code_used':
      return `Recovery code used (${Number(d.left ?? 0)} left)`;
    case 'webhook.received':
      return `Registration received by webhook${d.created === false ? ' (already registered: nothing new created)' : ''}`;
    case 'webhook.refused':
      return `Webhook registration refused: ${why}${d.field ? ` (${text(d.field)})` : ''}`;
    case 'mail.queued':
      return `"${text(d.subject)}" email queued, caused by ${causeText(d.cause, entry.actor)}`;
    case 'mail.captured':
      return `"${text(d.subject)}" email kept by the platform, not sent (no mail server configured), caused by ${causeText(d.cause, entry.actor)}`;
    case 'mail.sent': {
      const attempts = Number(d.attempts ?? 1);
      return `"${text(d.subject)}" email sent${attempts > 1 ? ` after ${attempts} attempts` : ''}`;
    }
    case 'mail.failed':
      return `"${text(d.subject)}" email ${entry.reason === 'gave_up' ? 'failed for good' : 'not delivered yet'} (attempt ${Number(d.attempts ?? 1)}): ${text(d.error) || why}`;
    case 'visit.first':
      return 'Entered the live event site for the first time (counted as attended)';
    case 'visit.coming_soon':
      return 'Saw the "coming soon" page (the event had not started)';
    default:
      if (entry.kind.startsWith('agent.')) {
        const action = entry.kind.slice('agent.'.length);
        const words = AGENT_ACTIONS[action] ?? action.replaceAll('_', ' ').replaceAll('.', ' ');
        const result = entry.outcome === 'ok' ? '' : ` (${entry.outcome}${d.message ? `: ${text(d.message)}` : ''})`;
        return `${capitalise(words)} by ${entry.actor ?? 'an agent'}${result}`;
      }
      return entry.kind;
  }
}

function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

/** The group of a kind: "sign_in" for "sign_in.failed". */
export function activityGroup(kind: string): string {
  return kind.split('.', 1)[0]!;
}
