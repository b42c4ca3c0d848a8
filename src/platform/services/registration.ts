// Registration from an event's form, and from invitations and webhooks. The rules of
// the tier-one guide: required fields and the terms box, no public email domains unless
// the event allows them, approved domains only when the event names some, and a second
// registration with a registered address sends "registration complete" and creates
// nothing new.
import type { FormField } from '../../contract/schemas.ts';
import { checkEmailAddress, emailLookupKey, normalizeEmail } from '../../contract/email-address.ts';
import { isPlainText } from '../../contract/plain-text.ts';
import type { ActivityReason } from '../../contract/activity.ts';
import { recordActivity, typedAddress, type ActivityDetail } from '../activity/record.ts';
import type { EmailTemplate, EventRole, RegistrationStage, RegistrationStatus, RegistrationType } from '../../contract/vocabulary.ts';
import { emailDomain, isPublicEmailDomain } from '../data/public-email-domains.ts';
import type { PlatformContext } from '../context.ts';
import { hashPassword } from '../passwords.ts';
import type { Db } from '../storage/database.ts';
import type { EventRow, NewRegistration, NewUser, UserRow } from '../storage/schema.ts';
import { issueLink } from './link-tokens.ts';
import { notifyPerson } from './notify.ts';
import { passwordProblem } from './password-policy.ts';
import { organisationOf } from './registration-state.ts';
import { sendActivationEmail } from './verification.ts';
import { searchColumns } from './user-search.ts';
import { eventPhase } from './views.ts';

/** Form fields that map onto the person's profile. */
export const PROFILE_FIELDS = ['first_name', 'last_name', 'country', 'job_title', 'company'] as const;
type ProfileField = (typeof PROFILE_FIELDS)[number];

export const MAX_FIELD_LENGTH = 200;

export type FieldErrors = Record<string, string>;

/** Why a submission was refused, as the activity log records it. */
export interface Refusal {
  reason: ActivityReason;
  detail: ActivityDetail;
}

export interface RegistrationForm {
  values: Record<string, string>;
  email: string;
  password: string;
  confirmation: string;
  termsAccepted: boolean;
}

export type RegistrationOutcome =
  | { kind: 'invalid'; errors: FieldErrors; refusal: Refusal }
  | { kind: 'closed' }
  /** The email the person was sent; none when the organiser shut them out. */
  | { kind: 'done'; sent: EmailTemplate | null };

export function formFields(event: EventRow): FormField[] {
  return JSON.parse(event.form_fields) as FormField[];
}

export function approvedDomains(event: EventRow): string[] {
  return JSON.parse(event.approved_domains) as string[];
}

export interface EmailProblem {
  reason: 'invalid_email' | 'domain_not_approved' | 'public_domain';
  message: string;
}

export interface EventAddress {
  /** The address under the rule of contract/email-address.ts (only normalised when it breaks it). */
  email: string;
  /** Why it may not register for the event, or null. */
  problem: EmailProblem | null;
}

/** A typed address as the event would register it: the one address rule, then the event's domain rules. */
export function eventAddress(event: EventRow, typed: string): EventAddress {
  const checked = checkEmailAddress(typed);
  if (!checked.ok) return { email: normalizeEmail(typed), problem: { reason: 'invalid_email', message: checked.message } };
  const { email } = checked;
  const domain = emailDomain(email);
  const approved = approvedDomains(event);
  if (approved.length > 0 && !approved.includes(domain)) {
    return {
      email,
      problem: {
        reason: 'domain_not_approved',
        message: `Registration for this event is open to addresses at ${approved.join(', ')} only. Register with your address at one of those domains.`,
      },
    };
  }
  if (event.refuse_public_domains === 1 && isPublicEmailDomain(email)) {
    return { email, problem: { reason: 'public_domain', message: `Addresses at ${domain} are not accepted for this event. Register with your work email address.` } };
  }
  return { email, problem: null };
}

export interface RegistrationCheck {
  /** The address as it would be registered (see eventAddress). */
  email: string;
  errors: FieldErrors;
  /** The main reason when there are errors: the address first, then fields, terms, password. */
  refusal: Refusal | null;
}

export function validateRegistration(event: EventRow, form: RegistrationForm): RegistrationCheck {
  const errors: FieldErrors = {};
  const missing: string[] = [];
  const tooLong: string[] = [];
  const notAllowed: string[] = [];
  for (const field of formFields(event)) {
    const value = form.values[field.name]?.trim() ?? '';
    if (field.required && !value) {
      errors[field.name] = `${field.label} is required; please fill it in.`;
      missing.push(field.name);
    } else if (value.length > MAX_FIELD_LENGTH) {
      errors[field.name] = `${field.label} can be at most ${MAX_FIELD_LENGTH} characters.`;
      tooLong.push(field.name);
    } else if (!isPlainText(value)) {
      errors[field.name] = `${field.label} contains characters that are not allowed.`;
      notAllowed.push(field.name);
    }
  }
  const { email, problem: emailError } = eventAddress(event, form.email);
  if (emailError) errors.email = emailError.message;
  const password =
    event.login_method === 'password'
      ? passwordProblem(form.password, form.confirmation, { minLength: event.password_min_length, maxLength: event.password_max_length }, email)
      : null;
  if (password) errors[password.field] = password.message;
  if (!form.termsAccepted) errors.terms = 'Tick this box to accept the terms and conditions; registration needs it.';

  const problems: Refusal[] = [];
  if (emailError) problems.push({ reason: emailError.reason, detail: {} });
  if (missing.length > 0) problems.push({ reason: 'required_field_missing', detail: { fields: missing } });
  if (tooLong.length > 0) problems.push({ reason: 'field_too_long', detail: { fields: tooLong } });
  if (notAllowed.length > 0) problems.push({ reason: 'field_not_allowed', detail: { fields: notAllowed } });
  if (!form.termsAccepted) problems.push({ reason: 'terms_not_accepted', detail: {} });
  if (password) problems.push({ reason: 'password_rejected', detail: { passwordReason: password.reason } });
  const first = problems[0];
  const refusal = first ? { reason: first.reason, detail: { ...first.detail, problems: problems.map((p) => p.reason) } } : null;
  return { email, errors, refusal };
}

/** Records a refused registration against the address typed (and the person, if one has it). */
export async function recordRegistrationRefusal(ctx: PlatformContext, event: EventRow, email: string, refusal: Refusal): Promise<void> {
  const typed = typedAddress(email);
  const user = typed
    ? await ctx.db.selectFrom('users').select('id').where('org_id', '=', event.org_id).where('email', '=', typed).executeTakeFirst()
    : undefined;
  await recordActivity(ctx.db, ctx, {
    orgId: event.org_id,
    userId: user?.id ?? null,
    email: typed,
    eventId: event.id,
    kind: 'registration.refused',
    outcome: 'refused',
    reason: refusal.reason,
    detail: refusal.detail,
  });
}

function profile(values: Record<string, string>): Partial<Record<ProfileField, string>> {
  const out: Partial<Record<ProfileField, string>> = {};
  for (const name of PROFILE_FIELDS) {
    const value = values[name]?.trim();
    if (value) out[name] = value.slice(0, MAX_FIELD_LENGTH);
  }
  return out;
}

export interface NewPerson {
  email: string;
  values: Record<string, string>;
  passwordHash: string | null;
}

/** Creates the person (unique by email in the organisation) or returns the existing one. */
export async function findOrCreateUser(trx: Db, ctx: PlatformContext, orgId: string, person: NewPerson): Promise<{ user: UserRow; created: boolean }> {
  const existing = await trx.selectFrom('users').selectAll().where('org_id', '=', orgId).where('email', '=', person.email).executeTakeFirst();
  if (existing) return { user: existing, created: false };
  const user = newUserRow(ctx, orgId, person);
  await trx.insertInto('users').values(user).execute();
  return { user: await trx.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow(), created: true };
}

/** The row of a new person, as findOrCreateUser writes it (bulk flows insert many). */
export function newUserRow(ctx: Pick<PlatformContext, 'clock' | 'tokens'>, orgId: string, person: NewPerson): NewUser & { id: string } {
  const now = ctx.clock.now().toISOString();
  const fields = profile(person.values);
  const first = fields.first_name ?? '';
  const last = fields.last_name ?? '';
  const user = {
    id: `usr_${ctx.tokens.id()}`,
    org_id: orgId,
    email: person.email,
    first_name: first,
    last_name: last,
    ...searchColumns(first, last),
    country: fields.country ?? null,
    job_title: fields.job_title ?? null,
    company: fields.company ?? null,
    password_hash: person.passwordHash,
    // Verification, 2FA and lock columns start empty (NULL), as for every new account.
    created_at: now,
    updated_at: now,
  };
  return user;
}

export async function createRegistration(
  trx: Db,
  ctx: PlatformContext,
  input: { user: UserRow; event: EventRow; role: EventRole; type: RegistrationType; status: RegistrationStatus; stage: RegistrationStage },
): Promise<void> {
  await trx.insertInto('registrations').values(registrationRow(ctx, input)).execute();
}

/** The row createRegistration writes (bulk flows insert many). */
export function registrationRow(
  ctx: Pick<PlatformContext, 'clock' | 'tokens'>,
  input: { user: Pick<UserRow, 'id'>; event: Pick<EventRow, 'id'>; role: EventRole; type: RegistrationType; status: RegistrationStatus; stage: RegistrationStage },
): NewRegistration {
  const now = ctx.clock.now().toISOString();
  return {
    id: `reg_${ctx.tokens.id()}`,
    user_id: input.user.id,
    event_id: input.event.id,
    role: input.role,
    type: input.type,
    status: input.status,
    stage: input.stage,
    attended_at: null,
    created_at: now,
    updated_at: now,
  };
}

/** Sends the login link a login-link event promises right after registering. */
async function sendLoginLink(trx: Db, ctx: PlatformContext, orgName: string, user: UserRow, event: EventRow): Promise<EmailTemplate> {
  const link = await issueLink(trx, ctx, { kind: 'magic_link', orgId: user.org_id, userId: user.id, eventId: event.id, ttlMinutes: event.magic_link_ttl_minutes, createdBy: 'registration' });
  return (await notifyPerson(trx, ctx, { orgName, user, event, template: 'login_link', actionUrl: link.url, expiresAt: link.expiresAt })).template;
}

export async function registerFromForm(ctx: PlatformContext, event: EventRow, form: RegistrationForm): Promise<RegistrationOutcome> {
  if (event.registration_open !== 1 || eventPhase(event, ctx.clock.now()) === 'ended') {
    await recordRegistrationRefusal(ctx, event, form.email, { reason: 'registration_closed', detail: {} });
    return { kind: 'closed' };
  }
  const { email, errors, refusal } = validateRegistration(event, form);
  if (refusal) {
    await recordRegistrationRefusal(ctx, event, email, refusal);
    return { kind: 'invalid', errors, refusal };
  }
  const passwordHash = event.login_method === 'password' ? await hashPassword(form.password) : null;

  const sent = await ctx.db.transaction().execute(async (trx): Promise<EmailTemplate | null> => {
    const tctx = { ...ctx, db: trx };
    const org = await organisationOf(trx, event.org_id);
    const { user, created } = await findOrCreateUser(trx, ctx, event.org_id, { email, values: form.values, passwordHash });
    const registration = await trx.selectFrom('registrations').selectAll().where('user_id', '=', user.id).where('event_id', '=', event.id).executeTakeFirst();
    const note = (kind: 'registration.submitted' | 'registration.completed' | 'registration.repeated' | 'registration.refused', detail: ActivityDetail = {}, reason?: 'shut_out') =>
      recordActivity(trx, tctx, { orgId: event.org_id, userId: user.id, eventId: event.id, kind, detail, outcome: reason ? 'refused' : 'ok', reason });
    await note('registration.submitted', { loginMethod: event.login_method, newAccount: created });

    // Shut out by the organiser: the form changes nothing and sends nothing (only people who
    // cancelled themselves may register again).
    const removed = registration?.status === 'unregistered' && registration.stage !== 'cancelled_by_person';
    if (user.blocked === 1 || registration?.status === 'blocked' || removed) {
      await note('registration.refused', {}, 'shut_out');
      return null;
    }

    // An account made without a password (invitation, webhook, import) gets its password
    // through an emailed link only: a form anyone can fill in must not set it.
    if (!created && event.login_method === 'password' && user.password_hash === null) {
      if (!registration) await createRegistration(trx, ctx, { user, event, role: 'attendee', type: 'registration', status: 'registered', stage: 'password_not_set' });
      const template = (await sendActivationEmail(trx, ctx, org.name, user, event, 'registration')).template;
      if (registration) await note('registration.repeated', { template, status: registration.status });
      return template;
    }

    // Already registered: remind them how to get in, change nothing.
    if (registration && registration.status !== 'invited' && registration.status !== 'unregistered') {
      const template =
        event.login_method === 'magic_link' ? await sendLoginLink(trx, ctx, org.name, user, event) : (await sendActivationEmail(trx, ctx, org.name, user, event, 'registration')).template;
      await note('registration.repeated', { template, status: registration.status });
      return template;
    }

    const verified = user.email_verified_at !== null;
    let stage: RegistrationStage;
    if (event.login_method === 'magic_link') stage = 'login_link_sent';
    else if (event.verify_email === 1 && !verified) stage = 'pending_verification';
    else stage = 'verified';

    if (registration) {
      await trx
        .updateTable('registrations')
        .set({ status: 'registered', stage, updated_at: ctx.clock.now().toISOString() })
        .where('id', '=', registration.id)
        .execute();
    } else {
      await createRegistration(trx, ctx, { user, event, role: 'attendee', type: 'registration', status: 'registered', stage });
    }
    if (stage === 'verified') await note('registration.completed', { via: 'registration form' });
    if (stage === 'login_link_sent') return sendLoginLink(trx, ctx, org.name, user, event);
    return (await sendActivationEmail(trx, ctx, org.name, user, event, 'registration')).template;
  });
  ctx.mail.wake();
  return { kind: 'done', sent };
}

/**
 * What the person was sent never shows on the page, so the form cannot be used to find
 * out who is registered: the confirmation depends only on how the event signs people in.
 */
export type ConfirmationPage = 'check_inbox' | 'login_link' | 'sign_in';

export function confirmationPage(event: EventRow): ConfirmationPage {
  if (event.login_method === 'magic_link') return 'login_link';
  return event.verify_email === 1 ? 'check_inbox' : 'sign_in';
}

/**
 * The "send activation email" page: a verification email for people who have not
 * confirmed their address, "registration complete" for those who have. Sends nothing
 * for addresses not registered for the event; the page says the same either way.
 */
export async function requestActivationEmail(ctx: PlatformContext, event: EventRow, rawEmail: string): Promise<void> {
  const email = emailLookupKey(rawEmail);
  await ctx.db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').selectAll().where('org_id', '=', event.org_id).where('email', '=', email).executeTakeFirst();
    if (!user || user.blocked === 1) return;
    const registration = await trx.selectFrom('registrations').select(['status']).where('user_id', '=', user.id).where('event_id', '=', event.id).executeTakeFirst();
    if (!registration || registration.status === 'blocked' || registration.status === 'unregistered') return;
    const org = await organisationOf(trx, event.org_id);
    await sendActivationEmail(trx, ctx, org.name, user, event, 'self-service');
  });
  ctx.mail.wake();
}
