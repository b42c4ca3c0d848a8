// Creating an event and changing its settings: the checked API bodies turned into the
// columns of the events table. The schedule is checked where it is written, so two
// changes racing (one to the start, one to the end) cannot leave an event that ends
// before it starts. A new event has no webhook secret until an admin makes one.
import { EVENT_DEFAULTS, FORM_FIELD_LABELS, type CreateEventInput, type UpdateEventInput } from '../../contract/event-settings.ts';
import type { FormField } from '../../contract/schemas.ts';
import { HttpError } from '../http-error.ts';
import type { PlatformContext } from '../context.ts';
import type { Db } from '../storage/database.ts';
import type { EventRow, NewEvent } from '../storage/schema.ts';
import { isUniqueViolation } from '../storage/errors.ts';
import { isPublicEmailDomain } from '../data/public-email-domains.ts';
import { resolveDateTime } from './event-schedule.ts';

type Settings = Omit<UpdateEventInput, 'title' | 'startsAt' | 'endsAt' | 'timezone' | 'reason' | 'ticket'>;
type Columns = Partial<Omit<NewEvent, 'id' | 'org_id' | 'slug' | 'created_at' | 'webhook_secret_sealed'>>;

const fieldError = (field: string, message: string) => new HttpError('validation_failed', `The request is not valid (body.${field}: ${message}).`, { fields: [{ field: `body.${field}`, message }] });

function instant(field: 'startsAt' | 'endsAt', text: string, timeZone: string): string {
  const resolved = resolveDateTime(text, timeZone);
  if (!resolved.ok) throw fieldError(field, `${field} ${resolved.message}`);
  return resolved.iso;
}

const endsBeforeStarts = () => fieldError('endsAt', 'endsAt must be after startsAt');

function formFieldsColumn(fields: { name: keyof typeof FORM_FIELD_LABELS; required: boolean }[]): string {
  const stored: FormField[] = fields.map((f) => ({ name: f.name, label: FORM_FIELD_LABELS[f.name], required: f.required }));
  return JSON.stringify(stored);
}

function settingColumns(settings: Settings): Columns {
  const columns: Columns = {};
  const flag = (value: boolean) => (value ? 1 : 0);
  if (settings.registrationOpen !== undefined) columns.registration_open = flag(settings.registrationOpen);
  if (settings.loginMethod !== undefined) columns.login_method = settings.loginMethod;
  if (settings.verifyEmail !== undefined) columns.verify_email = flag(settings.verifyEmail);
  if (settings.formFields !== undefined) columns.form_fields = formFieldsColumn(settings.formFields);
  if (settings.approvedDomains !== undefined) columns.approved_domains = JSON.stringify(settings.approvedDomains);
  if (settings.refusePublicDomains !== undefined) columns.refuse_public_domains = flag(settings.refusePublicDomains);
  if (settings.passwordPolicy !== undefined) {
    columns.password_min_length = settings.passwordPolicy.minLength;
    columns.password_max_length = settings.passwordPolicy.maxLength;
  }
  const lifetimes = settings.linkLifetimes;
  if (lifetimes?.verificationMinutes !== undefined) columns.verification_ttl_minutes = lifetimes.verificationMinutes;
  if (lifetimes?.loginLinkMinutes !== undefined) columns.magic_link_ttl_minutes = lifetimes.loginLinkMinutes;
  if (lifetimes?.setPasswordMinutes !== undefined) columns.set_password_ttl_minutes = lifetimes.setPasswordMinutes;
  return columns;
}

/** What the audit log says about a change: the settings and their new values, never a secret. */
export function changeDetail(input: Partial<CreateEventInput>): Record<string, string | number | boolean> {
  const detail: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || key === 'reason' || key === 'ticket') continue;
    if (key === 'formFields') detail.formFields = (value as { name: string; required: boolean }[]).map((f) => `${f.name}:${f.required ? 'required' : 'optional'}`).join(',');
    else if (key === 'approvedDomains') detail.approvedDomains = (value as string[]).join(',') || 'any';
    else if (key === 'passwordPolicy') detail.passwordLength = `${(value as { minLength: number }).minLength}..${(value as { maxLength: number }).maxLength}`;
    else if (key === 'linkLifetimes') Object.assign(detail, value);
    else detail[key] = value as string | number | boolean;
  }
  return detail;
}

/**
 * Approving a public provider's domain while refusing public providers would turn away
 * everyone at it (the public rule applies after the approved list), so it is refused.
 */
function checkDomainRules(approvedDomains: string[], refusePublicDomains: boolean, changed: 'approvedDomains' | 'refusePublicDomains'): void {
  if (!refusePublicDomains) return;
  const publicOnes = approvedDomains.filter((domain) => isPublicEmailDomain(`name@${domain}`));
  if (publicOnes.length === 0) return;
  const message =
    changed === 'approvedDomains'
      ? `${publicOnes.join(', ')} ${publicOnes.length === 1 ? 'is a public email provider' : 'are public email providers'}, which this event refuses; allow public domains as well, or approve other domains`
      : `the approved domains include public email providers (${publicOnes.join(', ')}); remove them first, or keep public domains allowed`;
  throw fieldError(changed, message);
}

async function slugTaken(trx: Db, slug: string): Promise<boolean> {
  return (await trx.selectFrom('events').select('id').where('slug', '=', slug).executeTakeFirst()) !== undefined;
}

const slugConflict = (slug: string) =>
  new HttpError('conflict', `An event with the slug "${slug}" already exists; choose another slug.`, { reason: 'slug_taken', fields: [{ field: 'body.slug', message: 'already taken' }] });

export async function createEvent(trx: Db, ctx: PlatformContext, orgId: string, input: CreateEventInput): Promise<EventRow> {
  const startsAt = instant('startsAt', input.startsAt, input.timezone);
  const endsAt = instant('endsAt', input.endsAt, input.timezone);
  if (endsAt <= startsAt) throw endsBeforeStarts();
  checkDomainRules(input.approvedDomains ?? EVENT_DEFAULTS.approvedDomains, input.refusePublicDomains ?? EVENT_DEFAULTS.refusePublicDomains, 'approvedDomains');
  // Slugs are the events' web addresses, so they are unique across organisations.
  if (await slugTaken(trx, input.slug)) throw slugConflict(input.slug);
  const id = `evt_${ctx.tokens.id()}`;
  const row: NewEvent = {
    ...(settingColumns({ ...EVENT_DEFAULTS, ...withoutUndefined(input), linkLifetimes: { ...EVENT_DEFAULTS.linkLifetimes, ...input.linkLifetimes } }) as Required<Columns>),
    id,
    org_id: orgId,
    slug: input.slug,
    title: input.title,
    starts_at: startsAt,
    ends_at: endsAt,
    timezone: input.timezone,
    created_at: ctx.clock.now().toISOString(),
  };
  try {
    await trx.insertInto('events').values(row).execute();
  } catch (error) {
    // Another request took the slug between the check and the insert.
    if (isUniqueViolation(error)) throw slugConflict(input.slug);
    throw error;
  }
  return trx.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function updateEvent(trx: Db, event: EventRow, input: UpdateEventInput): Promise<EventRow> {
  const { title, startsAt, endsAt, timezone, reason: _reason, ticket: _ticket, ...settings } = input;
  const zone = timezone ?? event.timezone;
  const columns: Columns = settingColumns(settings);
  if (title !== undefined) columns.title = title;
  if (timezone !== undefined) columns.timezone = timezone;
  if (startsAt !== undefined) columns.starts_at = instant('startsAt', startsAt, zone);
  if (endsAt !== undefined) columns.ends_at = instant('endsAt', endsAt, zone);
  if (columns.starts_at !== undefined && columns.ends_at !== undefined && columns.ends_at <= columns.starts_at) throw endsBeforeStarts();
  if (settings.approvedDomains !== undefined || settings.refusePublicDomains !== undefined) {
    checkDomainRules(
      settings.approvedDomains ?? (JSON.parse(event.approved_domains) as string[]),
      settings.refusePublicDomains ?? event.refuse_public_domains === 1,
      settings.approvedDomains !== undefined ? 'approvedDomains' : 'refusePublicDomains',
    );
  }
  const result = await trx
    .updateTable('events')
    .set(columns)
    .where('id', '=', event.id)
    // Checked against the stored other end in the same statement, so a concurrent change cannot slip between.
    .$if(columns.starts_at !== undefined && columns.ends_at === undefined, (q) => q.where('ends_at', '>', columns.starts_at!))
    .$if(columns.ends_at !== undefined && columns.starts_at === undefined, (q) => q.where('starts_at', '<', columns.ends_at!))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw endsBeforeStarts();
  return trx.selectFrom('events').selectAll().where('id', '=', event.id).executeTakeFirstOrThrow();
}
