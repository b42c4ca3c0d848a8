// Request and response schemas of the platform API (/v1). The platform validates input
// with them; the client validates what it receives with them.
import { z } from 'zod';
import {
  EMAIL_TEMPLATES,
  EVENT_PHASES,
  EVENT_ROLES,
  LOGIN_METHODS,
  MFA_POLICIES,
  REGISTRATION_STAGES,
  REGISTRATION_STATUSES,
  REGISTRATION_TYPES,
  STAFF_ROLES,
} from './vocabulary.ts';
import { ACTIVITY_GROUPS, ACTIVITY_KINDS, ACTIVITY_OUTCOMES } from './activity.ts';
import { emailAddressSchema, emailLookupKey, emailLookupSchema, hasHiddenCharacters, normalizeEmail } from './email-address.ts';
import { NO_CONTROL_CHARACTERS, PLAIN_TEXT_MESSAGE } from './plain-text.ts';
import { parseTokenLifetime, type TokenLifetime } from './token-lifetime.ts';
import { MFA_METHODS, mfaMethodsSchema } from './mfa-methods.ts';

export const MAX_PAGE_SIZE = 200;

/** Text people type about themselves or their work: see plain-text.ts for what it may hold. */
const plainText = (max: number) => z.string().trim().max(max).regex(NO_CONTROL_CHARACTERS, PLAIN_TEXT_MESSAGE);
export const DEFAULT_PAGE_SIZE = 25;

const timestamp = z.string();
const nullableTimestamp = timestamp.nullable();

export const registrationStatusSchema = z.enum(REGISTRATION_STATUSES);
export const registrationStageSchema = z.enum(REGISTRATION_STAGES);
export const eventRoleSchema = z.enum(EVENT_ROLES);
export const registrationTypeSchema = z.enum(REGISTRATION_TYPES);
export const staffRoleSchema = z.enum(STAFF_ROLES);

/** An opaque pagination cursor: base64url text, bounded in length. */
export const cursorSchema = z
  .string()
  .max(512, 'cursor is too long')
  .regex(/^[A-Za-z0-9_-]+$/, 'cursor is not one this server issued');

const limitSchema = z.coerce
  .number({ error: 'limit must be a number' })
  .int('limit must be a whole number')
  .min(1, 'limit must be at least 1')
  .max(MAX_PAGE_SIZE, `limit must be at most ${MAX_PAGE_SIZE}`)
  .default(DEFAULT_PAGE_SIZE);

/**
 * A user or event reference in a path: an id, an email or a slug. Only spaces are
 * trimmed: an address with a tab or BOM around it must reach the address rule as typed.
 */
export const referenceSchema = z
  .string()
  .overwrite((value) => value.replace(/^ +| +$/g, ''))
  .min(1, 'must not be empty')
  .max(254, 'is too long')
  .refine((value) => !value.includes('\0'), 'must not contain a NUL character');

export const searchUsersQuerySchema = z.strictObject({
  q: z.string().trim().min(1, 'q must not be empty').max(200, 'q is too long').optional(),
  event: referenceSchema.optional(),
  status: registrationStatusSchema.optional(),
  role: eventRoleSchema.optional(),
  limit: limitSchema,
  cursor: cursorSchema.optional(),
});
export type SearchUsersQuery = z.input<typeof searchUsersQuerySchema>;

export const listEventsQuerySchema = z.strictObject({
  limit: limitSchema,
  cursor: cursorSchema.optional(),
});
export type ListEventsQuery = z.input<typeof listEventsQuerySchema>;

export const statusQuerySchema = z.strictObject({
  event: referenceSchema.optional(),
});

/** "90d", "12h", "1y" or "never", read into minutes (or 'never'). */
export const tokenLifetimeSchema = z
  .string()
  .max(20, 'expires is too long')
  .transform((text, ctx): TokenLifetime => {
    const lifetime = parseTokenLifetime(text);
    if (typeof lifetime === 'object' && 'problem' in lifetime) {
      ctx.addIssue({ code: 'custom', message: `expires ${lifetime.problem}` });
      return z.NEVER;
    }
    return lifetime;
  });

export const createTokenBodySchema = z.strictObject({
  name: z.string().trim().min(1, 'name must not be empty').max(100, 'name is too long').regex(NO_CONTROL_CHARACTERS, 'name must not contain control characters'),
  role: staffRoleSchema,
  /** How long the token lives; a year when left out. */
  expires: tokenLifetimeSchema.optional(),
});
export type CreateTokenBody = z.input<typeof createTokenBodySchema>;

export const registrationSummarySchema = z.object({
  id: z.string(),
  eventId: z.string(),
  eventSlug: z.string(),
  eventTitle: z.string(),
  role: eventRoleSchema,
  type: registrationTypeSchema,
  status: registrationStatusSchema,
  stage: registrationStageSchema,
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type RegistrationSummary = z.infer<typeof registrationSummarySchema>;

export const userSummarySchema = z.object({
  id: z.string(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  fullName: z.string(),
  company: z.string().nullable(),
  registrations: z.array(
    z.object({
      eventSlug: z.string(),
      role: eventRoleSchema,
      status: registrationStatusSchema,
      stage: registrationStageSchema,
    }),
  ),
});
export type UserSummary = z.infer<typeof userSummarySchema>;

export const accountStateSchema = z.object({
  passwordSet: z.boolean(),
  emailVerifiedAt: nullableTimestamp,
  locked: z.boolean(),
  lockedUntil: nullableTimestamp,
  failedSignIns: z.number().int(),
  blocked: z.boolean(),
  mfaEnrolled: z.boolean(),
  mfaEnrolledAt: nullableTimestamp,
});
export type AccountState = z.infer<typeof accountStateSchema>;

export const userDetailSchema = z.object({
  id: z.string(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  fullName: z.string(),
  country: z.string().nullable(),
  jobTitle: z.string().nullable(),
  company: z.string().nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
  account: accountStateSchema,
  registrations: z.array(registrationSummarySchema),
});
export type UserDetail = z.infer<typeof userDetailSchema>;

export const eventSummarySchema = z.object({
  id: z.string(),
  slug: z.string(),
  title: z.string(),
  startsAt: timestamp,
  endsAt: timestamp,
  timezone: z.string(),
  phase: z.enum(EVENT_PHASES),
  registrationOpen: z.boolean(),
  loginMethod: z.enum(LOGIN_METHODS),
  verifyEmail: z.boolean(),
  registrantCount: z.number().int(),
});
export type EventSummary = z.infer<typeof eventSummarySchema>;

export const formFieldSchema = z.object({
  name: z.string(),
  label: z.string(),
  required: z.boolean(),
});
export type FormField = z.infer<typeof formFieldSchema>;

export const eventDetailSchema = eventSummarySchema.extend({
  registrationUrl: z.string(),
  countsByStatus: z.record(registrationStatusSchema, z.number().int()),
  formFields: z.array(formFieldSchema),
  approvedDomains: z.array(z.string()),
  refusePublicDomains: z.boolean(),
  passwordPolicy: z.object({ minLength: z.number().int(), maxLength: z.number().int() }),
  linkLifetimes: z.object({
    verificationMinutes: z.number().int(),
    loginLinkMinutes: z.number().int(),
    setPasswordMinutes: z.number().int(),
  }),
  /** Whether registration webhooks can be signed (the secret itself is shown once, when made). */
  webhookSecretSet: z.boolean(),
});
export type EventDetail = z.infer<typeof eventDetailSchema>;

/** GET /v1/events/:event/email-check?email=: would the event's domain rules let this address register? */
export const emailCheckQuerySchema = z.strictObject({
  // Not trimmed here: the address rule trims spaces only, and must see a tab or BOM to refuse it.
  email: z
    .string({ error: (issue) => (issue.input === undefined ? 'email is required' : 'email must be given once, as text') })
    .max(320, 'email is too long')
    .refine((typed) => typed.trim() !== '', 'email must not be empty'),
});
export type EmailCheckQuery = z.input<typeof emailCheckQuerySchema>;

export const EMAIL_REFUSAL_REASONS = ['invalid_email', 'domain_not_approved', 'public_domain'] as const;

export const emailCheckSchema = z.object({
  event: z.object({ id: z.string(), slug: z.string(), title: z.string() }),
  /** The address as registration would read it (trimmed, lower case). */
  email: z.string(),
  domain: z.string(),
  accepted: z.boolean(),
  reason: z.enum(EMAIL_REFUSAL_REASONS).nullable(),
  /** What the registration page would tell the person, or null when accepted. */
  message: z.string().nullable(),
  /** Empty: any domain (subject to the public-provider rule). */
  approvedDomains: z.array(z.string()),
  refusePublicDomains: z.boolean(),
});
export type EmailCheck = z.infer<typeof emailCheckSchema>;

export const registrationStatusViewSchema = z.object({
  user: z.object({ id: z.string(), email: z.string(), fullName: z.string() }),
  event: z.object({
    id: z.string(),
    slug: z.string(),
    title: z.string(),
    phase: z.enum(EVENT_PHASES),
    startsAt: timestamp,
    endsAt: timestamp,
    timezone: z.string(),
    loginMethod: z.enum(LOGIN_METHODS),
  }),
  registration: registrationSummarySchema,
  explanation: z.object({
    statusLabel: z.string(),
    label: z.string(),
    meaning: z.string(),
    nextStep: z.string(),
    commands: z.array(z.string()),
  }),
  account: accountStateSchema,
  /** Account-level problems that matter whatever the registration says (lock, block). */
  warnings: z.array(z.string()),
});
export type RegistrationStatusView = z.infer<typeof registrationStatusViewSchema>;

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const whoAmISchema = z.object({
  organisation: z.object({ id: z.string(), name: z.string() }),
  role: staffRoleSchema,
  via: z.enum(['api_token', 'session']),
  tokenName: z.string().nullable(),
  staff: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable(),
});
export type WhoAmI = z.infer<typeof whoAmISchema>;

export const createdTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: staffRoleSchema,
  token: z.string(),
  expiresAt: nullableTimestamp,
});
export type CreatedToken = z.infer<typeof createdTokenSchema>;

// ---- Support actions ----------------------------------------------------------------

/** Every support action carries why it was done; an organisation may require a ticket. */
export const actionContextSchema = {
  reason: z.string().trim().min(1, 'reason must not be empty').max(500, 'reason is too long').regex(NO_CONTROL_CHARACTERS, `reason ${PLAIN_TEXT_MESSAGE}`).optional(),
  ticket: z.string().trim().min(1, 'ticket must not be empty').max(100, 'ticket is too long').regex(NO_CONTROL_CHARACTERS, `ticket ${PLAIN_TEXT_MESSAGE}`).optional(),
};

export const resendVerificationBodySchema = z.strictObject({
  event: referenceSchema,
  force: z.boolean().optional(),
  ...actionContextSchema,
});
export type ResendVerificationBody = z.input<typeof resendVerificationBodySchema>;

export const emailTemplateSchema = z.enum(EMAIL_TEMPLATES);

export const sentEmailSchema = z.object({
  emailId: z.string(),
  template: emailTemplateSchema,
  recipient: z.string(),
  /** queued: will go out by SMTP; captured: the platform has no SMTP and keeps it. */
  delivery: z.enum(['queued', 'captured']),
});
export type SentEmail = z.infer<typeof sentEmailSchema>;

export const MAX_LINK_TTL_MINUTES = 7 * 24 * 60;

export const createMagicLinkBodySchema = z.strictObject({
  event: referenceSchema,
  ttlMinutes: z.number().int().min(1, 'ttlMinutes must be at least 1').max(MAX_LINK_TTL_MINUTES, 'a login link lives at most 7 days').optional(),
  send: z.boolean().optional(),
  ...actionContextSchema,
});
export type CreateMagicLinkBody = z.input<typeof createMagicLinkBodySchema>;

/** A link an action created: the URL only when it was not emailed. */
export const issuedLinkSchema = z.object({
  url: z.string().nullable(),
  expiresAt: z.string(),
  email: sentEmailSchema.nullable(),
});
export type IssuedLinkView = z.infer<typeof issuedLinkSchema>;

export const setPasswordLinkBodySchema = z.strictObject({
  event: referenceSchema,
  ...actionContextSchema,
});
export type SetPasswordLinkBody = z.input<typeof setPasswordLinkBodySchema>;

export const passwordResetBodySchema = z.strictObject({
  event: referenceSchema.optional(),
  send: z.boolean().optional(),
  ...actionContextSchema,
});
export type PasswordResetBody = z.input<typeof passwordResetBodySchema>;

export const mfaStatusSchema = z.object({
  email: z.string(),
  enrolled: z.boolean(),
  enrolledAt: nullableTimestamp,
  recoveryCodesLeft: z.number().int(),
  requiredByOrganisation: z.boolean(),
  pendingEnrollment: z.object({ createdAt: timestamp, expiresAt: timestamp }).nullable(),
  /** Each second factor that is on; the phone number only masked. */
  methods: z.object({
    app: z.object({ enrolledAt: timestamp }).nullable(),
    sms: z.object({ maskedPhone: z.string(), confirmedAt: timestamp }).nullable(),
  }),
  /** Enrollments begun and not finished: an app link not used yet, a phone whose code is not entered yet. */
  pending: z.object({
    app: z.object({ createdAt: timestamp, expiresAt: timestamp }).nullable(),
    sms: z.object({ maskedPhone: z.string(), expiresAt: timestamp }).nullable(),
  }),
  /** The second-factor methods the organisation allows. */
  allowedMethods: z.array(z.enum(MFA_METHODS)),
});
export type MfaStatus = z.infer<typeof mfaStatusSchema>;

export const mfaEnrollmentBodySchema = z.strictObject({
  send: z.boolean().optional(),
  ...actionContextSchema,
});
export type MfaEnrollmentBody = z.input<typeof mfaEnrollmentBodySchema>;

export const mfaResetBodySchema = z.strictObject({
  /** How identity was verified: a named method, or the answers to the org's checklist. */
  verifiedBy: plainText(200).min(1).optional(),
  checklist: z.array(z.strictObject({ question: plainText(300), confirmed: z.boolean() })).max(20).optional(),
  /** Use the person's identity check (a code they read back) of the last 30 minutes. */
  identityCheck: z.boolean().optional(),
  ...actionContextSchema,
});
export type MfaResetBody = z.input<typeof mfaResetBodySchema>;

export const identityChecklistSchema = z.object({ questions: z.array(z.string()) });
export type IdentityChecklist = z.infer<typeof identityChecklistSchema>;

export const mfaResetResultSchema = z.object({
  email: z.string(),
  removed: z.boolean(),
  /** Only sent when there was something to remove. */
  notification: sentEmailSchema.nullable(),
});
export type MfaResetResult = z.infer<typeof mfaResetResultSchema>;

export const emailLogEntrySchema = z.object({
  id: z.string(),
  createdAt: timestamp,
  template: emailTemplateSchema,
  subject: z.string(),
  recipient: z.string(),
  eventSlug: z.string().nullable(),
  status: z.enum(['queued', 'sent', 'failed', 'captured']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  sentAt: nullableTimestamp,
  /** What led to it (an activity cause code) and, for agents, who. */
  cause: z.string().nullable(),
  causeActor: z.string().nullable(),
});
export type EmailLogEntry = z.infer<typeof emailLogEntrySchema>;

// ---- Activity: a person's timeline and links ----------------------------------------

const KIND_FILTERS: readonly string[] = [...ACTIVITY_GROUPS, ...ACTIVITY_KINDS];

export const timelineQuerySchema = z.strictObject({
  event: referenceSchema.optional(),
  since: z.iso.datetime({ message: 'since must be an ISO 8601 time' }).optional(),
  /** Comma-separated groups (sign_in, link...) or kinds (sign_in.failed...). */
  kind: z
    .string()
    .trim()
    .max(500)
    .refine((value) => value.split(',').every((k) => KIND_FILTERS.includes(k.trim())), { message: `kind must list groups or kinds of: ${ACTIVITY_GROUPS.join(', ')}` })
    .optional(),
  order: z.enum(['newest', 'oldest']).default('newest'),
  limit: limitSchema,
  cursor: cursorSchema.optional(),
});
export type TimelineQuery = z.input<typeof timelineQuerySchema>;

export const addressActivityQuerySchema = timelineQuerySchema.extend({
  /**
   * The log keeps a mistyped but visible address as typed (normalised), so it is found as
   * typed; never one with hidden characters, so such an address finds nothing.
   */
  email: z
    .string()
    .max(320, 'email is too long')
    .refine((typed) => typed.trim() !== '', 'email must not be empty')
    .transform((typed) => (hasHiddenCharacters(typed) ? emailLookupKey(typed) : normalizeEmail(typed))),
});
export type AddressActivityQuery = z.input<typeof addressActivityQuerySchema>;

export const browserSchema = z.object({
  family: z.string(),
  version: z.string().nullable(),
  os: z.string().nullable(),
  supported: z.boolean().nullable(),
});
export type BrowserView = z.infer<typeof browserSchema>;

export const timelineEntrySchema = z.object({
  id: z.string(),
  at: timestamp,
  /** Activity entries, and agent actions from the audit log. */
  source: z.enum(['activity', 'audit']),
  kind: z.string(),
  outcome: z.enum(ACTIVITY_OUTCOMES),
  reason: z.string().nullable(),
  eventSlug: z.string().nullable(),
  /** The address as typed, for attempts no account matched. */
  email: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  cause: z.string().nullable(),
  actor: z.string().nullable(),
  browser: browserSchema.nullable(),
  network: z.string().nullable(),
  requestId: z.string().nullable(),
  tokenId: z.string().nullable(),
  emailId: z.string().nullable(),
  webhookId: z.string().nullable(),
  /** For agent actions: the ticket and the reason they gave. */
  ticket: z.string().nullable(),
  note: z.string().nullable(),
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const LINK_STATES = ['active', 'used', 'expired', 'replaced', 'revoked'] as const;

export const linksQuerySchema = z.strictObject({
  event: referenceSchema.optional(),
  limit: limitSchema,
  cursor: cursorSchema.optional(),
});
export type LinksQuery = z.input<typeof linksQuerySchema>;

export const linkViewSchema = z.object({
  id: z.string(),
  kind: z.string(),
  eventSlug: z.string().nullable(),
  createdAt: timestamp,
  cause: z.string().nullable(),
  createdBy: z.string().nullable(),
  expiresAt: nullableTimestamp,
  state: z.enum(LINK_STATES),
  replacedBy: z.string().nullable(),
  opened: z.object({ count: z.number().int(), firstAt: nullableTimestamp, lastAt: nullableTimestamp, lastBrowser: browserSchema.nullable() }),
  usedAt: nullableTimestamp,
  usedBrowser: browserSchema.nullable(),
  usedNetwork: z.string().nullable(),
});
export type LinkView = z.infer<typeof linkViewSchema>;

export const emailLogQuerySchema = z.strictObject({
  event: referenceSchema.optional(),
  limit: limitSchema,
  cursor: cursorSchema.optional(),
});

export const auditQuerySchema = z.strictObject({
  user: referenceSchema.optional(),
  agent: z.string().trim().max(254).optional(),
  since: z.iso.datetime({ message: 'since must be an ISO 8601 time' }).optional(),
  limit: limitSchema,
  cursor: cursorSchema.optional(),
});
export type AuditQuery = z.input<typeof auditQuerySchema>;

export const auditEntrySchema = z.object({
  id: z.string(),
  at: timestamp,
  actor: z.string(),
  actorRole: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  eventSlug: z.string().nullable(),
  reason: z.string().nullable(),
  ticket: z.string().nullable(),
  result: z.enum(['ok', 'refused', 'failed']),
  detail: z.record(z.string(), z.unknown()).nullable(),
  requestId: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const unlockResultSchema = z.object({ email: z.string(), wasLocked: z.boolean() });
export type UnlockResult = z.infer<typeof unlockResultSchema>;

// ---- Staff sign-in ------------------------------------------------------------------

export const staffLoginBodySchema = z.strictObject({
  email: emailLookupSchema,
  password: z.string().max(1024),
  /** The organisation to sign in to (id or name), for staff of several. */
  organisation: referenceSchema.optional(),
});

/** Picks one of the organisations a choose_organisation answer offered. */
export const staffOrganisationBodySchema = z.strictObject({
  challenge: z.string().max(200),
  organisation: referenceSchema,
});

export const staffOrganisationChoiceSchema = z.object({ id: z.string(), name: z.string() });
export type StaffOrganisationChoice = z.infer<typeof staffOrganisationChoiceSchema>;

export const staffMfaBodySchema = z.strictObject({
  challenge: z.string().max(200),
  code: z.string().trim().max(64),
});

/** Enrols a phone during sign-in, on a challenge that asks for enrolment: the code is texted to it. */
export const staffMfaPhoneBodySchema = z.strictObject({
  challenge: z.string().max(200),
  phone: z.string().max(64),
});

export const staffLoginResultSchema = z.discriminatedUnion('next', [
  z.object({
    next: z.literal('done'),
    token: z.string(),
    expiresAt: timestamp,
    staff: z.object({ id: z.string(), email: z.string(), name: z.string(), role: staffRoleSchema }),
    /** Shown once, right after a first enrollment. */
    recoveryCodes: z.array(z.string()).nullable(),
  }),
  z.object({
    next: z.literal('mfa_code'),
    challenge: z.string(),
    expiresAt: timestamp,
    /** Where the code comes from: the authenticator app, or a text to the masked number. */
    method: z.enum(MFA_METHODS).optional(),
    maskedPhone: z.string().optional(),
  }),
  /** The password fits several organisations: pick one (POST /v1/auth/organisation). */
  z.object({
    next: z.literal('choose_organisation'),
    challenge: z.string(),
    expiresAt: timestamp,
    organisations: z.array(staffOrganisationChoiceSchema),
  }),
  z.object({
    next: z.literal('mfa_enroll'),
    challenge: z.string(),
    expiresAt: timestamp,
    otpauthUri: z.string(),
    setupKey: z.string(),
    /** The methods the organisation allows; with 'sms', POST /v1/auth/mfa/phone enrols a phone instead of the app. */
    methods: z.array(z.enum(MFA_METHODS)).optional(),
  }),
]);
export type StaffLoginResult = z.infer<typeof staffLoginResultSchema>;

// ---- Invitations and webhooks -------------------------------------------------------

export const invitationBodySchema = z.strictObject({
  email: emailAddressSchema,
  firstName: plainText(200).min(1, 'firstName must not be empty'),
  lastName: plainText(200).min(1, 'lastName must not be empty'),
  role: eventRoleSchema.optional(),
  ...actionContextSchema,
});
export type InvitationBody = z.input<typeof invitationBodySchema>;

export const invitationResultSchema = sentEmailSchema.extend({ userId: z.string() });
export type InvitationResult = z.infer<typeof invitationResultSchema>;

export const webhookSecretSchema = z.object({ event: z.string(), secret: z.string() });
export type WebhookSecret = z.infer<typeof webhookSecretSchema>;

// ---- Organisation settings ----------------------------------------------------------

export const organisationSettingsSchema = z.object({
  id: z.string(),
  name: z.string(),
  mfaPolicy: z.enum(MFA_POLICIES),
  ticketRequired: z.boolean(),
  identityChecklist: z.array(z.string()),
  /** Second-factor methods people and staff may use: the app always, SMS when allowed. */
  mfaMethods: z.array(z.enum(MFA_METHODS)),
});
export type OrganisationSettings = z.infer<typeof organisationSettingsSchema>;

export const updateOrganisationBodySchema = z
  .strictObject({
    mfaPolicy: z.enum(MFA_POLICIES).optional(),
    ticketRequired: z.boolean().optional(),
    identityChecklist: z.array(plainText(300).min(1, 'a question must not be empty')).max(20, 'at most 20 questions').optional(),
    mfaMethods: mfaMethodsSchema.optional(),
    ...actionContextSchema,
  })
  .refine((body) => body.mfaPolicy !== undefined || body.ticketRequired !== undefined || body.identityChecklist !== undefined || body.mfaMethods !== undefined, {
    message: 'name at least one setting to change',
  });
export type UpdateOrganisationBody = z.input<typeof updateOrganisationBodySchema>;

// ---- Identity checks before a 2FA removal -------------------------------------------

export const identityCodeBodySchema = z.strictObject({ ...actionContextSchema });
export type IdentityCodeBody = z.input<typeof identityCodeBodySchema>;

/** A one-time code was emailed to the person; the code itself is in the email only. */
export const identityCodeResultSchema = z.object({
  email: sentEmailSchema,
  expiresAt: timestamp,
  /** An older code was still unused and stopped working. */
  replacedOlder: z.boolean(),
});
export type IdentityCodeResult = z.infer<typeof identityCodeResultSchema>;

export const identityCheckBodySchema = z.strictObject({
  /** The code the person read back from the email. */
  code: z.string().trim().min(1, 'code must not be empty').max(32, 'code is too long'),
  ...actionContextSchema,
});
export type IdentityCheckBody = z.input<typeof identityCheckBodySchema>;

export const identityCheckResultSchema = z.object({
  email: z.string(),
  verified: z.boolean(),
  triesLeft: z.number().int(),
  checkedAt: nullableTimestamp,
  /** Until then `mfa reset` accepts the check as evidence (identityCheck: true). */
  validUntil: nullableTimestamp,
});
export type IdentityCheckResult = z.infer<typeof identityCheckResultSchema>;

// ---- Bulk invitations -----------------------------------------------------------------

/** Rows per batch request, at most. */
export const BULK_BATCH_MAX_ROWS = 1000;

export const BULK_OUTCOMES = ['invited', 'skipped', 'failed'] as const;
export type BulkOutcome = (typeof BULK_OUTCOMES)[number];

/** Why a row was not invited: skipped (nothing to do) or failed (the row needs fixing). */
export const BULK_REASONS = {
  already_registered: 'already registered for the event',
  already_invited: 'already invited to the event',
  duplicate_in_file: 'the same address appears earlier in the file',
  shut_out: 'the organiser shut this person out of the event',
  invalid_email: 'not a valid email address',
  public_domain: 'a public email provider the event refuses',
  domain_not_approved: "not at one of the event's approved domains",
  missing_name: 'first or last name missing',
  field_too_long: 'a value is too long',
  field_not_allowed: 'a value holds characters that are not allowed',
  bad_role: 'not a role of the event (attendee, speaker, moderator, organizer)',
  event_closed: 'the event has ended',
} as const;
export type BulkReason = keyof typeof BULK_REASONS;

export const bulkRowSchema = z.strictObject({
  /** The row's line number in the file, for the report. */
  row: z.number().int().min(1),
  email: z.string().max(320),
  firstName: z.string().max(500),
  lastName: z.string().max(500),
  company: z.string().max(500).optional(),
  jobTitle: z.string().max(500).optional(),
  country: z.string().max(500).optional(),
  role: z.string().max(50).optional(),
});
export type BulkRow = z.infer<typeof bulkRowSchema>;

/**
 * POST /v1/events/:event/invitations/batch. Send with an Idempotency-Key derived from the
 * file and the batch position: a batch sent again answers with its first result.
 */
export const bulkBatchBodySchema = z.strictObject({
  /** Identifies the run (e.g. a hash of the file): the audit entry and resume use it. */
  run: z.string().trim().min(8).max(100).regex(/^[A-Za-z0-9_-]+$/, 'run must be letters, digits, - or _'),
  /** The file's name, for the audit entry. */
  file: z.string().trim().max(255),
  /** 0-based position of the batch in the file. */
  batch: z.number().int().min(0),
  /** True on the run's last batch: the run's audit entry is written with its totals. */
  last: z.boolean().default(false),
  /** Checks every row and invites no one. */
  dryRun: z.boolean().default(false),
  /** Role for rows that name none. */
  role: eventRoleSchema.optional(),
  /**
   * On the last batch only: the rows of the file the client reported on its own and never
   * sent (its checks failed them, or they repeat an earlier address). The run's audit
   * entry keeps them beside its own counts, so that together they count the whole file.
   */
  notSent: z.strictObject({ skipped: z.number().int().min(0), failed: z.number().int().min(0) }).optional(),
  rows: z.array(bulkRowSchema).min(1).max(BULK_BATCH_MAX_ROWS),
  ...actionContextSchema,
});
export type BulkBatchBody = z.input<typeof bulkBatchBodySchema>;

export const bulkRowResultSchema = z.object({
  row: z.number().int(),
  email: z.string(),
  outcome: z.enum(BULK_OUTCOMES),
  reason: z.string().nullable(),
  userId: z.string().nullable(),
});
export type BulkRowResult = z.infer<typeof bulkRowResultSchema>;

export const bulkBatchResultSchema = z.object({
  run: z.string(),
  batch: z.number().int(),
  dryRun: z.boolean(),
  results: z.array(bulkRowResultSchema),
  counts: z.object({ invited: z.number().int(), skipped: z.number().int(), failed: z.number().int() }),
});
export type BulkBatchResult = z.infer<typeof bulkBatchResultSchema>;

/** GET /v1/events/:event/invitations/runs/:run: how far a run got, for --resume. */
export const bulkRunSchema = z.object({
  run: z.string(),
  file: z.string(),
  /** Batches the platform committed, 0-based, in order. */
  committedBatches: z.array(z.number().int()),
  counts: z.object({ invited: z.number().int(), skipped: z.number().int(), failed: z.number().int() }),
  finishedAt: nullableTimestamp,
});
export type BulkRun = z.infer<typeof bulkRunSchema>;

// ---- API tokens -----------------------------------------------------------------------

export const API_TOKEN_STATES = ['active', 'expired', 'revoked'] as const;
export type ApiTokenState = (typeof API_TOKEN_STATES)[number];

/** A token id in a path, e.g. tok_Xk2...; never the secret itself. */
export const tokenIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'is too long')
  .regex(/^[A-Za-z0-9_-]+$/, 'is not a token id');

export const listTokensQuerySchema = z.strictObject({
  limit: limitSchema,
  cursor: cursorSchema.optional(),
});
export type ListTokensQuery = z.input<typeof listTokensQuerySchema>;

/** An API token as admins see it: everything but its secret. */
export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  role: staffRoleSchema,
  /** The staff member it acts for (never above their own role), or null for a service token. */
  staff: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable(),
  createdBy: z.string().nullable(),
  createdAt: timestamp,
  /** Null: the token never expires. */
  expiresAt: nullableTimestamp,
  /** To the minute: a busy token records its use at most once a minute. */
  lastUsedAt: nullableTimestamp,
  state: z.enum(API_TOKEN_STATES),
  revokedAt: nullableTimestamp,
  revokedBy: z.string().nullable(),
});
export type ApiToken = z.infer<typeof apiTokenSchema>;

export const revokeTokenBodySchema = z.strictObject({ ...actionContextSchema });
export type RevokeTokenBody = z.input<typeof revokeTokenBodySchema>;

export const revokedTokenSchema = z.object({
  token: apiTokenSchema,
  /** True when it was revoked before this request; nothing changed then. */
  alreadyRevoked: z.boolean(),
});
export type RevokedToken = z.infer<typeof revokedTokenSchema>;
