// The words both sides agree on: registration statuses and stages, roles, types, and
// what each status/stage means to a tier-one agent.

export const REGISTRATION_STATUSES = [
  'invited',
  'registered',
  'unregistered',
  'attended',
  'blocked',
  'blocked_from_chat',
] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

export const REGISTRATION_STAGES = [
  'invite_sent',
  'password_not_set',
  'pending_verification',
  'login_link_sent',
  'verified',
  'joined',
  'cancelled_by_person',
  'removed_by_organizer',
  'blocked_by_organizer',
  'chat_restricted',
] as const;
export type RegistrationStage = (typeof REGISTRATION_STAGES)[number];

export const EVENT_ROLES = ['attendee', 'speaker', 'moderator', 'organizer'] as const;
export type EventRole = (typeof EVENT_ROLES)[number];

export const REGISTRATION_TYPES = ['registration', 'invite', 'webhook', 'bulk'] as const;
export type RegistrationType = (typeof REGISTRATION_TYPES)[number];

export const LOGIN_METHODS = ['password', 'magic_link'] as const;
export type LoginMethod = (typeof LOGIN_METHODS)[number];

export const STAFF_ROLES = ['viewer', 'agent', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const MFA_POLICIES = ['off', 'staff', 'everyone'] as const;
export type MfaPolicy = (typeof MFA_POLICIES)[number];

export const EVENT_PHASES = ['upcoming', 'live', 'ended'] as const;
export type EventPhase = (typeof EVENT_PHASES)[number];

/** The emails the platform sends. */
export const EMAIL_TEMPLATES = [
  'verify_account',
  'registration_complete',
  'login_link',
  'set_password',
  'invitation_password',
  'invitation_login_link',
  'password_reset',
  'mfa_enrollment',
  'mfa_removed',
  'identity_code',
] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

/** The emails that get a registered person in; a resend of one waits for the cooldown. */
export const ACTIVATION_TEMPLATES = ['verify_account', 'registration_complete', 'set_password'] as const satisfies readonly EmailTemplate[];

/** A second activation email within this window is refused unless forced. */
export const RESEND_COOLDOWN_SECONDS = 60;

/** True when `held` grants at least what `needed` asks for. */
export function roleAllows(held: StaffRole, needed: StaffRole): boolean {
  return STAFF_ROLES.indexOf(held) >= STAFF_ROLES.indexOf(needed);
}

/** Which stages can occur under each status; the platform never stores another pair. */
export const STAGES_BY_STATUS: Record<RegistrationStatus, readonly RegistrationStage[]> = {
  invited: ['invite_sent', 'password_not_set'],
  registered: ['pending_verification', 'password_not_set', 'login_link_sent', 'verified'],
  attended: ['joined'],
  unregistered: ['cancelled_by_person', 'removed_by_organizer'],
  blocked: ['blocked_by_organizer'],
  blocked_from_chat: ['chat_restricted'],
};

export interface StatusExplanation {
  /** Short label an agent can read out, e.g. "Registered, waiting for email verification". */
  label: string;
  /** What the person has done and what the platform is waiting for. */
  meaning: string;
  /** What a tier-one agent can do next. */
  nextStep: string;
  /** t1 commands that carry out the next step (placeholders in angle brackets). */
  commands: string[];
}

export const STATUS_LABELS: Record<RegistrationStatus, string> = {
  invited: 'Invited',
  registered: 'Registered',
  unregistered: 'Unregistered',
  attended: 'Attended',
  blocked: 'Blocked',
  blocked_from_chat: 'Blocked from chat',
};

const EXPLANATIONS: Record<RegistrationStage, StatusExplanation> = {
  invite_sent: {
    label: 'invitation sent, not answered yet',
    meaning:
      'The organiser invited this person by email. They have not opened the invitation and completed their registration yet.',
    nextStep:
      'Ask them to look for the invitation (also in spam, junk and promotions folders) and follow its button. If it is lost, send a fresh login link (login-link events) or set-password link (password events).',
    commands: [],
  },
  password_not_set: {
    label: 'password not set yet',
    meaning:
      'The account exists (from an invitation, a webhook or a bulk import) but the person has not chosen a password, so they cannot sign in yet.',
    nextStep:
      'Send a new set-password email; the older link stops working. Explain the password rules of the event if they struggle to set one.',
    commands: ['t1 set-password-link send <email> --event <event>'],
  },
  pending_verification: {
    label: 'waiting for email verification',
    meaning:
      'The person filled in the registration form but has not clicked the link in the "verify your account" email, so the registration is not complete.',
    nextStep:
      'Resend the verification email. Ask them to check spam, junk and promotions folders, and to use the newest email only.',
    commands: ['t1 verification resend <email> --event <event>', 't1 mail log <email> --event <event>'],
  },
  login_link_sent: {
    label: 'registered, login link sent',
    meaning:
      'The person registered on an event that uses login links. A login link was emailed; they have not used one yet.',
    nextStep:
      'If the link expired or was already used, send a new one; each link works once.',
    commands: ['t1 magic-link create <email> --event <event> --send'],
  },
  verified: {
    label: 'registration complete',
    meaning:
      'The registration is complete and the email address is confirmed. The person can sign in; before the event starts they will see a "coming soon" page, which is expected.',
    nextStep:
      'If they cannot get in, check the account for a lock, then send a login link or start a password reset.',
    commands: ['t1 users show <email>', 't1 magic-link create <email> --event <event> --send', 't1 password reset <email> --send'],
  },
  joined: {
    label: 'joined the event',
    meaning: 'The person entered the event site while the event was live.',
    nextStep:
      'Nothing is pending on the registration. For access trouble, send a login link or walk them through the browser checklist.',
    commands: ['t1 magic-link create <email> --event <event> --send'],
  },
  cancelled_by_person: {
    label: 'cancelled by the person',
    meaning: 'The person cancelled their own registration.',
    nextStep:
      'If they want to attend after all, they can register again on the event registration page while registration is open.',
    commands: ['t1 events show <event>'],
  },
  removed_by_organizer: {
    label: 'removed by the organiser',
    meaning: 'An organiser removed this registration.',
    nextStep: 'Tier one cannot restore it. Escalate to the event organiser with the ticket id.',
    commands: [],
  },
  blocked_by_organizer: {
    label: 'blocked by the organiser',
    meaning: 'An organiser blocked this person from the event; they cannot sign in to it.',
    nextStep: 'Do not work around the block. Escalate to the event organiser if the person disputes it.',
    commands: [],
  },
  chat_restricted: {
    label: 'chat disabled',
    meaning: 'The person can attend, but an organiser turned off their access to chat.',
    nextStep: 'Only an organiser can lift the restriction. Escalate to the event organiser if asked.',
    commands: [],
  },
};

/** What a stage means; an invitation's next step depends on how the event signs people in. */
export function explainStage(stage: RegistrationStage, loginMethod: LoginMethod): StatusExplanation {
  const explanation = EXPLANATIONS[stage];
  if (stage !== 'invite_sent') return explanation;
  const command =
    loginMethod === 'magic_link' ? 't1 magic-link create <email> --event <event> --send' : 't1 set-password-link send <email> --event <event>';
  return { ...explanation, commands: [command] };
}

export function isValidStatusStage(status: RegistrationStatus, stage: RegistrationStage): boolean {
  return STAGES_BY_STATUS[status].includes(stage);
}
