// An event's settings as both sides speak of them: the bodies that create an event
// (POST /v1/events) and change one (PATCH /v1/events/:event), their limits and defaults,
// and the words of `t1 events set <event> <setting> <value>`, each turned into a body here
// so the CLI refuses what the platform would refuse before anything is sent.
import { z } from 'zod';
import { checkEmailAddress } from './email-address.ts';
import { NO_CONTROL_CHARACTERS, PLAIN_TEXT_MESSAGE } from './plain-text.ts';
import { actionContextSchema, MAX_LINK_TTL_MINUTES } from './schemas.ts';
import { LOGIN_METHODS, type LoginMethod } from './vocabulary.ts';

const DAY_MINUTES = 24 * 60;

/** The fields a registration form can hold, each stored on the person's profile. */
export const FORM_FIELD_LABELS = {
  first_name: 'First name',
  last_name: 'Last name',
  country: 'Country',
  job_title: 'Job title',
  company: 'Company',
} as const;
export type FormFieldName = keyof typeof FORM_FIELD_LABELS;
export const FORM_FIELD_NAMES = Object.keys(FORM_FIELD_LABELS) as FormFieldName[];

/** Every person has a name: these two are always on the form, and required. */
export const NAME_FIELDS = ['first_name', 'last_name'] as const satisfies readonly FormFieldName[];

export const PASSWORD_LENGTH_LIMITS = { min: 8, max: 128 } as const;
export const MAX_APPROVED_DOMAINS = 100;

/** The longest each link may live, in minutes; the shortest is one minute. */
export const LINK_LIFETIME_LIMITS = {
  verificationMinutes: 30 * DAY_MINUTES,
  loginLinkMinutes: MAX_LINK_TTL_MINUTES,
  setPasswordMinutes: 30 * DAY_MINUTES,
} as const;

/** What an event created with only its schedule gets. */
export const EVENT_DEFAULTS = {
  registrationOpen: true,
  loginMethod: 'password' as LoginMethod,
  verifyEmail: true,
  formFields: [
    { name: 'first_name', required: true },
    { name: 'last_name', required: true },
    { name: 'company', required: false },
    { name: 'job_title', required: false },
  ] as { name: FormFieldName; required: boolean }[],
  approvedDomains: [] as string[],
  refusePublicDomains: true,
  passwordPolicy: { minLength: 10, maxLength: 128 },
  linkLifetimes: { verificationMinutes: 2 * DAY_MINUTES, loginLinkMinutes: 15, setPasswordMinutes: 3 * DAY_MINUTES },
};

// ---- Values ------------------------------------------------------------------------

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$/;

/** Lower case letters, digits and hyphens: it is the event's web address (/e/<slug>). */
export const slugSchema = z
  .string({ error: 'slug must be text' })
  .trim()
  .toLowerCase()
  .refine((slug) => SLUG_PATTERN.test(slug) && !slug.includes('--'), {
    message: 'slug must be 3 to 60 lower case letters, digits and single hyphens, starting and ending with a letter or digit (e.g. product-summit-2027)',
  });

export const titleSchema = z
  .string({ error: 'title must be text' })
  .trim()
  .min(1, 'title must not be empty')
  .max(200, 'title can be at most 200 characters')
  .regex(NO_CONTROL_CHARACTERS, `title ${PLAIN_TEXT_MESSAGE}`);

/** The zone's canonical IANA name ("europe/paris" -> "Europe/Paris"), or null when there is no such zone. */
export function canonicalTimeZone(text: string): string | null {
  // Letters, digits and _ + - / only: no offsets such as "+02:00", which are not zones.
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(text)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

export const timeZoneSchema = z
  .string({ error: 'timezone must be text' })
  .trim()
  .transform((text, ctx) => {
    const zone = canonicalTimeZone(text);
    if (zone) return zone;
    ctx.addIssue({ code: 'custom', message: `timezone "${text.slice(0, 64)}" is not an IANA time zone (e.g. Europe/London, America/New_York, Asia/Singapore)` });
    return z.NEVER;
  });

/** A date and time as typed: local ("2027-03-14T09:00") or with an offset ("...+01:00", "...Z"). */
export const DATE_TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?$/i;

export interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Minutes east of UTC when an offset was given; null: local time in the event's zone. */
  offsetMinutes: number | null;
}

/** The parts of a typed date and time, or null when it is not one (30 February included). */
export function parseDateTime(text: string): DateTimeParts | null {
  const match = DATE_TIME_PATTERN.exec(text.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  const offset = match[7]?.toUpperCase();
  let offsetMinutes: number | null = null;
  if (offset === 'Z') offsetMinutes = 0;
  else if (offset) {
    const digits = offset.replace(':', '');
    const hours = Number(digits.slice(1, 3));
    const minutes = Number(digits.slice(3, 5));
    if (hours > 14 || minutes > 59) return null;
    offsetMinutes = (digits[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  return { year, month, day, hour, minute, second, offsetMinutes };
}

const dateTimeSchema = (name: string) =>
  z
    .string({ error: `${name} must be text` })
    .trim()
    .max(40, `${name} is too long`)
    .refine((text) => parseDateTime(text) !== null, {
      message: `${name} must be a date and time such as 2027-03-14T09:00 (in the event's time zone) or 2027-03-14T09:00+01:00`,
    });

/** A domain an address can have (the address rule's domain part), in lower case. */
export function approvedDomainProblem(domain: string): string | null {
  const checked = checkEmailAddress(`name@${domain}`);
  if (!checked.ok || checked.email !== `name@${domain}`) return `"${domain.slice(0, 80)}" is not a domain (e.g. contoso.com)`;
  return null;
}

const approvedDomainsSchema = z
  .array(z.string({ error: 'a domain must be text' }).trim().toLowerCase().max(253, 'a domain can be at most 253 characters'))
  .max(MAX_APPROVED_DOMAINS, `at most ${MAX_APPROVED_DOMAINS} approved domains`)
  .superRefine((domains, ctx) => {
    domains.forEach((domain, index) => {
      const problem = approvedDomainProblem(domain);
      if (problem) ctx.addIssue({ code: 'custom', path: [index], message: problem });
    });
  })
  .transform((domains) => [...new Set(domains)]);

const formFieldsSchema = z
  .array(z.strictObject({ name: z.enum(FORM_FIELD_NAMES, { error: `a form field is one of ${FORM_FIELD_NAMES.join(', ')}` }), required: z.boolean() }))
  .superRefine((fields, ctx) => {
    const names = fields.map((f) => f.name);
    const repeated = names.filter((name, i) => names.indexOf(name) !== i);
    if (repeated.length > 0) ctx.addIssue({ code: 'custom', message: `each form field appears once (${[...new Set(repeated)].join(', ')} more than once)` });
    for (const name of NAME_FIELDS) {
      const field = fields.find((f) => f.name === name);
      if (!field || !field.required) ctx.addIssue({ code: 'custom', message: `${name} is always on the form and required` });
    }
  });

const passwordLength = (name: string) =>
  z
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(PASSWORD_LENGTH_LIMITS.min, `${name} must be at least ${PASSWORD_LENGTH_LIMITS.min}`)
    .max(PASSWORD_LENGTH_LIMITS.max, `${name} must be at most ${PASSWORD_LENGTH_LIMITS.max}`);

const passwordPolicySchema = z
  .strictObject({ minLength: passwordLength('minLength'), maxLength: passwordLength('maxLength') })
  .refine((policy) => policy.minLength <= policy.maxLength, { path: ['maxLength'], message: 'maxLength must not be below minLength' });

const lifetime = (name: keyof typeof LINK_LIFETIME_LIMITS) =>
  z
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number of minutes`)
    .min(1, `${name} must be at least 1`)
    .max(LINK_LIFETIME_LIMITS[name], `${name} must be at most ${LINK_LIFETIME_LIMITS[name]} (${LINK_LIFETIME_LIMITS[name] / DAY_MINUTES} days)`);

const linkLifetimesSchema = z
  .strictObject({
    verificationMinutes: lifetime('verificationMinutes').optional(),
    loginLinkMinutes: lifetime('loginLinkMinutes').optional(),
    setPasswordMinutes: lifetime('setPasswordMinutes').optional(),
  })
  .refine((lifetimes) => Object.values(lifetimes).some((v) => v !== undefined), { message: 'name at least one link lifetime' });

/** The settings an event has besides its slug and schedule. */
const settingsShape = {
  registrationOpen: z.boolean({ error: 'registrationOpen must be true or false' }).optional(),
  loginMethod: z.enum(LOGIN_METHODS, { error: `loginMethod is one of ${LOGIN_METHODS.join(', ')}` }).optional(),
  verifyEmail: z.boolean({ error: 'verifyEmail must be true or false' }).optional(),
  formFields: formFieldsSchema.optional(),
  approvedDomains: approvedDomainsSchema.optional(),
  refusePublicDomains: z.boolean({ error: 'refusePublicDomains must be true or false' }).optional(),
  passwordPolicy: passwordPolicySchema.optional(),
  linkLifetimes: linkLifetimesSchema.optional(),
};

export const createEventBodySchema = z.strictObject({
  slug: slugSchema,
  title: titleSchema,
  startsAt: dateTimeSchema('startsAt'),
  endsAt: dateTimeSchema('endsAt'),
  timezone: timeZoneSchema,
  ...settingsShape,
  ...actionContextSchema,
});
export type CreateEventBody = z.input<typeof createEventBodySchema>;
export type CreateEventInput = z.output<typeof createEventBodySchema>;

const CHANGES = ['title', 'startsAt', 'endsAt', 'timezone', ...Object.keys(settingsShape)] as const;

export const updateEventBodySchema = z
  .strictObject({
    title: titleSchema.optional(),
    /** Local times are read in the event's time zone (the new one when it changes too). */
    startsAt: dateTimeSchema('startsAt').optional(),
    endsAt: dateTimeSchema('endsAt').optional(),
    /** A new zone alone keeps the start and end at the same moments. */
    timezone: timeZoneSchema.optional(),
    ...settingsShape,
    ...actionContextSchema,
  })
  .refine((body) => CHANGES.some((key) => (body as Record<string, unknown>)[key] !== undefined), { message: 'name at least one setting to change' });
export type UpdateEventBody = z.input<typeof updateEventBodySchema>;
export type UpdateEventInput = z.output<typeof updateEventBodySchema>;

/** Settings the body changes, without the reason and ticket. */
export type EventChanges = Omit<UpdateEventBody, 'reason' | 'ticket'>;

// ---- `t1 events set` ----------------------------------------------------------------

export interface EventSetting {
  name: string;
  /** The values it takes, as `t1 events set` lists them. */
  accepts: string;
  describe: string;
  /** The change the typed value makes, or why the value is not one. */
  parse(value: string): EventChanges | { problem: string };
}

const UNITS: Record<string, number> = { m: 1, h: 60, d: DAY_MINUTES };

/** "15m", "2h", "3d" (or plain minutes) as minutes. */
function parseLifetime(text: string): number | null {
  const match = /^(\d{1,6})\s*([mhd]?)$/i.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * UNITS[(match[2] || 'm').toLowerCase()]!;
}

function choice<T>(value: string, options: Record<string, T>, setting: string): T | { problem: string } {
  const key = value.trim().toLowerCase();
  if (Object.hasOwn(options, key)) return options[key]!;
  return { problem: `${setting} is ${Object.keys(options).join(' or ')}, not "${value}".` };
}

const isProblem = (value: unknown): value is { problem: string } => typeof value === 'object' && value !== null && 'problem' in value;

function fromChoice<T>(value: string, options: Record<string, T>, setting: string, change: (picked: T) => EventChanges) {
  const picked = choice(value, options, setting);
  return isProblem(picked) ? picked : change(picked);
}

function lifetimeSetting(name: string, key: keyof typeof LINK_LIFETIME_LIMITS, what: string): EventSetting {
  const most = LINK_LIFETIME_LIMITS[key] / DAY_MINUTES;
  return {
    name,
    accepts: `1m to ${most}d (e.g. 30m, 2h, 3d)`,
    describe: `how long a ${what} link works`,
    parse(value) {
      const minutes = parseLifetime(value);
      if (minutes === null) return { problem: `${name} "${value}" is not a duration: use minutes, hours or days, e.g. 30m, 2h, 3d.` };
      if (minutes < 1 || minutes > LINK_LIFETIME_LIMITS[key]) return { problem: `${name} must be from 1 minute to ${most} days.` };
      return { linkLifetimes: { [key]: minutes } };
    },
  };
}

/** "company:required,job_title:optional" (first and last name are always there, required). */
function parseFormFields(value: string): EventChanges | { problem: string } {
  const text = value.trim().toLowerCase();
  const listed = text === 'none' || text === '' ? [] : text.split(/[\s,]+/).filter(Boolean);
  const fields: { name: FormFieldName; required: boolean }[] = [];
  for (const item of listed) {
    const [name = '', requirement = 'optional', ...rest] = item.split(':');
    const normalised = name.replaceAll('-', '_');
    if (!(FORM_FIELD_NAMES as string[]).includes(normalised)) return { problem: `"${name}" is not a form field; the fields are ${FORM_FIELD_NAMES.join(', ')}.` };
    if (rest.length > 0 || !['required', 'optional'].includes(requirement)) return { problem: `Write each field as name:required or name:optional, not "${item}".` };
    if (fields.some((f) => f.name === normalised)) return { problem: `${normalised} is listed twice.` };
    if ((NAME_FIELDS as readonly string[]).includes(normalised) && requirement !== 'required') return { problem: `${normalised} is always required.` };
    fields.push({ name: normalised as FormFieldName, required: requirement === 'required' });
  }
  const names = NAME_FIELDS.filter((name) => !fields.some((f) => f.name === name)).map((name) => ({ name, required: true }));
  return { formFields: [...names, ...fields] };
}

function parseApprovedDomains(value: string): EventChanges | { problem: string } {
  const text = value.trim().toLowerCase();
  // "any", not "none": no approved domains means every domain may register.
  if (text === 'any') return { approvedDomains: [] };
  const domains = text.split(/[\s,]+/).filter(Boolean);
  for (const domain of domains) {
    const problem = approvedDomainProblem(domain);
    if (problem) return { problem: `${problem[0]!.toUpperCase()}${problem.slice(1)}.` };
  }
  if (domains.length > MAX_APPROVED_DOMAINS) return { problem: `An event can approve at most ${MAX_APPROVED_DOMAINS} domains.` };
  return { approvedDomains: [...new Set(domains)] };
}

function parsePasswordLength(value: string): EventChanges | { problem: string } {
  const match = /^(\d{1,3})\s*(?:\.\.|-|to)\s*(\d{1,3})$/i.exec(value.trim());
  const { min, max } = PASSWORD_LENGTH_LIMITS;
  if (!match) return { problem: `password-length is MIN..MAX, e.g. 12..64 (from ${min} to ${max}), not "${value}".` };
  const minLength = Number(match[1]);
  const maxLength = Number(match[2]);
  if (minLength < min || maxLength > max) return { problem: `Password lengths must be from ${min} to ${max} characters.` };
  if (minLength > maxLength) return { problem: `The shortest password (${minLength}) cannot be longer than the longest (${maxLength}).` };
  return { passwordPolicy: { minLength, maxLength } };
}

export const EVENT_SETTINGS: readonly EventSetting[] = [
  { name: 'title', accepts: 'text (up to 200 characters)', describe: "the event's name on its pages and emails", parse: (value) => ({ title: value }) },
  {
    name: 'starts',
    accepts: "date-time, e.g. 2027-03-14T09:00 (the event's zone) or with +01:00",
    describe: 'when the event starts',
    parse: (value) => (parseDateTime(value) ? { startsAt: value } : { problem: `starts "${value}" is not a date and time.` }),
  },
  {
    name: 'ends',
    accepts: "date-time, e.g. 2027-03-14T17:00 (the event's zone) or with +01:00",
    describe: 'when the event ends',
    parse: (value) => (parseDateTime(value) ? { endsAt: value } : { problem: `ends "${value}" is not a date and time.` }),
  },
  {
    name: 'timezone',
    accepts: 'an IANA time zone, e.g. Europe/London',
    describe: 'the zone its times are shown in (start and end stay the same moments)',
    parse: (value) => (canonicalTimeZone(value.trim()) ? { timezone: value.trim() } : { problem: `"${value}" is not an IANA time zone (e.g. Europe/London, America/New_York).` }),
  },
  {
    name: 'registration',
    accepts: 'open | closed',
    describe: 'whether the registration form takes new registrations',
    parse: (value) => fromChoice(value, { open: true, closed: false }, 'registration', (registrationOpen) => ({ registrationOpen })),
  },
  {
    name: 'login-method',
    accepts: 'password | magic_link',
    describe: 'email and password, or a login link by email',
    // magic-link is read as magic_link: the setting names use hyphens, so people type them.
    parse: (value) => fromChoice(value.replace('-', '_'), { password: 'password', magic_link: 'magic_link' } as Record<string, LoginMethod>, 'login-method', (loginMethod) => ({ loginMethod })),
  },
  {
    name: 'email-verification',
    accepts: 'on | off',
    describe: 'whether people confirm their address before signing in (password events)',
    parse: (value) => fromChoice(value, { on: true, off: false }, 'email-verification', (verifyEmail) => ({ verifyEmail })),
  },
  {
    name: 'form-fields',
    accepts: `field:required|optional,... of ${FORM_FIELD_NAMES.filter((n) => !(NAME_FIELDS as readonly string[]).includes(n)).join(', ')} (or none)`,
    describe: 'the registration form, in order; first and last name are always there and required',
    parse: parseFormFields,
  },
  { name: 'approved-domains', accepts: 'domain,domain,... (or any)', describe: 'the only email domains that may register; any: every domain', parse: parseApprovedDomains },
  {
    name: 'public-domains',
    accepts: 'refused | allowed',
    describe: 'whether addresses at public email providers (gmail.com, outlook.com...) may register',
    parse: (value) => fromChoice(value, { refused: true, allowed: false }, 'public-domains', (refusePublicDomains) => ({ refusePublicDomains })),
  },
  { name: 'password-length', accepts: `MIN..MAX, from ${PASSWORD_LENGTH_LIMITS.min} to ${PASSWORD_LENGTH_LIMITS.max} (e.g. 12..64)`, describe: 'the shortest and longest password allowed', parse: parsePasswordLength },
  lifetimeSetting('verification-link-lifetime', 'verificationMinutes', 'verification'),
  lifetimeSetting('login-link-lifetime', 'loginLinkMinutes', 'login'),
  lifetimeSetting('set-password-link-lifetime', 'setPasswordMinutes', 'set-password'),
];

export const EVENT_SETTING_NAMES = EVENT_SETTINGS.map((s) => s.name);

export function findEventSetting(name: string): EventSetting | undefined {
  return EVENT_SETTINGS.find((s) => s.name === name.trim().toLowerCase());
}
