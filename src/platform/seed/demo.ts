// The demo organisation "Northwind Events": three events (upcoming, live, ended) and about
// forty people whose registrations show every status and stage an agent can meet, so a
// newcomer can try every t1 command on the embedded platform straight away.
import { Secret } from 'otpauth';
import type { FormField } from '../../contract/schemas.ts';
import type {
  EmailTemplate,
  EventRole,
  RegistrationStage,
  RegistrationStatus,
  RegistrationType,
  StaffRole,
} from '../../contract/vocabulary.ts';
import { minutesFrom, type Clock, type TokenGenerator } from '../clock.ts';
import { hashPassword } from '../passwords.ts';
import type { SecretBox } from '../secret-box.ts';
import { searchColumns } from '../services/user-search.ts';
import { hashRecoveryCode, newRecoveryCodes } from '../services/recovery-codes.ts';
import type { Db } from '../storage/database.ts';
import type { NewActivity, NewEmail, NewEvent, NewRegistration, NewUser } from '../storage/schema.ts';
import type { ActivityCause } from '../../contract/activity.ts';
import { renderEmail } from '../mail/templates.ts';

export const DEMO_ORG_ID = 'org_demo';

/** Shared by every demo person and staff member that has a password. */
export const DEMO_PASSWORD = 'northwind-demo-2026';

export const DEMO_EVENT_SLUGS = {
  upcoming: 'product-summit-2027',
  live: 'customer-day-live',
  ended: 'partner-kickoff-2026',
} as const;

/** Demo records worth naming in docs and tests. */
export const DEMO_EXAMPLES = {
  personWithOneRegistration: 'ngozi.okafor@litware.example',
  personWithSeveralRegistrations: 'priya.sharma@contoso.example',
  /** First name of two people (Priya Sharma, Priya Natarajan). */
  searchName: 'Priya',
  /** Last name of two people (Chidi Okafor, Ngozi Okafor). */
  sharedLastName: 'Okafor',
  lockedPerson: 'yuki.sato@proseware.example',
  blockedPerson: 'ahmed.karimi@graphicdesigninstitute.example',
  pendingVerificationPerson: 'priya.natarajan@fabrikam.example',
  passwordNotSetPerson: 'benjamin.cohen@wideworldimporters.example',
  twoFactorPerson: 'hiroshi.tanaka@contoso.example',
  adminStaff: 'morgan.blake@northwind.example',
  agentStaff: 'sam.okonkwo@northwind.example',
  viewerStaff: 'alex.moreau@northwind.example',
} as const;

/** What an admin confirms with the caller before removing their 2FA. */
export const DEMO_IDENTITY_CHECKLIST = [
  'The caller gave the full name and email address on the account',
  'The caller named an event they are registered for',
  'A code sent to the email address on the account was read back by the caller',
];

export interface SeedDeps {
  clock: Clock;
  tokens: TokenGenerator;
  secrets: SecretBox;
}

type EventKey = keyof typeof DEMO_EVENT_SLUGS;

const DAY = 24 * 60;

const PROFILE_FIELDS: FormField[] = [
  { name: 'first_name', label: 'First name', required: true },
  { name: 'last_name', label: 'Last name', required: true },
  { name: 'country', label: 'Country', required: true },
  { name: 'job_title', label: 'Job title', required: false },
  { name: 'company', label: 'Company', required: true },
];

const LIVE_FIELDS: FormField[] = [
  { name: 'first_name', label: 'First name', required: true },
  { name: 'last_name', label: 'Last name', required: true },
  { name: 'company', label: 'Company', required: true },
  { name: 'job_title', label: 'Job title', required: false },
];

const POLICY = {
  password_min_length: 10,
  password_max_length: 128,
  verification_ttl_minutes: 2 * DAY,
  magic_link_ttl_minutes: 15,
  set_password_ttl_minutes: 3 * DAY,
};

type EventColumns = Omit<NewEvent, 'id' | 'org_id' | 'slug' | 'starts_at' | 'ends_at' | 'created_at'>;

/** Times are minutes relative to now. */
interface EventSpec extends EventColumns {
  startsIn: number;
  lasts: number;
  createdAgo: number;
}

const EVENTS: Record<EventKey, EventSpec> = {
  upcoming: {
    title: 'Northwind Product Summit 2027',
    startsIn: 21 * DAY,
    lasts: DAY,
    createdAgo: 40 * DAY,
    timezone: 'America/New_York',
    login_method: 'password',
    verify_email: 1,
    registration_open: 1,
    form_fields: JSON.stringify(PROFILE_FIELDS),
    approved_domains: JSON.stringify([]),
    refuse_public_domains: 1,
    ...POLICY,
  },
  live: {
    title: 'Northwind Customer Day',
    startsIn: -120,
    lasts: 120 + 2 * DAY,
    createdAgo: 50 * DAY,
    timezone: 'Europe/London',
    login_method: 'magic_link',
    verify_email: 0,
    registration_open: 1,
    form_fields: JSON.stringify(LIVE_FIELDS),
    approved_domains: JSON.stringify([]),
    refuse_public_domains: 1,
    ...POLICY,
    magic_link_ttl_minutes: 30,
  },
  ended: {
    title: 'Northwind Partner Kickoff 2026',
    startsIn: -61 * DAY,
    lasts: DAY,
    createdAgo: 120 * DAY,
    timezone: 'Asia/Singapore',
    login_method: 'password',
    verify_email: 1,
    registration_open: 0,
    form_fields: JSON.stringify(PROFILE_FIELDS),
    approved_domains: JSON.stringify(['northwind.example', 'contoso.example']),
    refuse_public_domains: 1,
    ...POLICY,
  },
};

type Reg = readonly [EventKey, EventRole, RegistrationType, RegistrationStatus, RegistrationStage];

interface Person {
  first: string;
  last: string;
  email: string;
  country: string;
  jobTitle: string;
  company: string;
  regs: readonly Reg[];
  twoFactor?: boolean;
  locked?: boolean;
  blocked?: boolean;
}

// Stages on a password event that mean the person typed a password (the form asks for
// one before verification) or has signed in since.
const PASSWORD_STAGES: ReadonlySet<RegistrationStage> = new Set([
  'pending_verification',
  'verified',
  'joined',
  'chat_restricted',
  'cancelled_by_person',
]);

// Stages reached only after the person followed a link sent to their address.
const EMAIL_PROVEN_STAGES: ReadonlySet<RegistrationStage> = new Set([
  'verified',
  'joined',
  'chat_restricted',
  'cancelled_by_person',
]);

// Everyone registered on the ended event has an address on its approved domains.
const PEOPLE: readonly Person[] = [
  { first: 'Priya', last: 'Sharma', email: 'priya.sharma@contoso.example', country: 'India', jobTitle: 'Senior Product Manager', company: 'Contoso', twoFactor: true, regs: [
    ['ended', 'attendee', 'registration', 'attended', 'joined'],
    ['upcoming', 'speaker', 'invite', 'registered', 'verified'],
    ['live', 'attendee', 'registration', 'attended', 'joined'],
  ] },
  { first: 'Priya', last: 'Natarajan', email: 'priya.natarajan@fabrikam.example', country: 'Singapore', jobTitle: 'Data Engineer', company: 'Fabrikam', regs: [
    ['upcoming', 'attendee', 'registration', 'registered', 'pending_verification'],
  ] },
  { first: 'Chidi', last: 'Okafor', email: 'chidi.okafor@woodgrovebank.example', country: 'Nigeria', jobTitle: 'Head of Digital Channels', company: 'Woodgrove Bank', regs: [
    ['upcoming', 'speaker', 'invite', 'registered', 'verified'],
    ['live', 'speaker', 'invite', 'attended', 'joined'],
  ] },
  { first: 'Ngozi', last: 'Okafor', email: 'ngozi.okafor@litware.example', country: 'United Kingdom', jobTitle: 'Solutions Architect', company: 'Litware', regs: [
    ['live', 'attendee', 'registration', 'registered', 'login_link_sent'],
  ] },
  { first: 'Lukas', last: 'Becker', email: 'lukas.becker@fabrikam.example', country: 'Germany', jobTitle: 'IT Administrator', company: 'Fabrikam', regs: [
    ['upcoming', 'attendee', 'bulk', 'registered', 'password_not_set'],
    ['live', 'attendee', 'bulk', 'registered', 'login_link_sent'],
  ] },
  { first: 'Sofía', last: 'García', email: 'sofia.garcia@adventure-works.example', country: 'Spain', jobTitle: 'Marketing Director', company: 'Adventure Works', regs: [
    ['upcoming', 'moderator', 'invite', 'invited', 'invite_sent'],
  ] },
  { first: 'Hiroshi', last: 'Tanaka', email: 'hiroshi.tanaka@contoso.example', country: 'Japan', jobTitle: 'Engineering Manager', company: 'Contoso', twoFactor: true, regs: [
    ['ended', 'attendee', 'registration', 'attended', 'joined'],
    ['upcoming', 'attendee', 'registration', 'registered', 'verified'],
    ['live', 'attendee', 'registration', 'registered', 'verified'],
  ] },
  { first: 'Amara', last: 'Nwosu', email: 'amara.nwosu@northwind.example', country: 'Ireland', jobTitle: 'Event Programme Lead', company: 'Northwind Events', regs: [
    ['ended', 'organizer', 'invite', 'attended', 'joined'],
    ['upcoming', 'organizer', 'invite', 'registered', 'verified'],
  ] },
  { first: 'Elena', last: 'Petrova', email: 'elena.petrova@contoso.example', country: 'Bulgaria', jobTitle: 'Partner Success Manager', company: 'Contoso', regs: [
    ['ended', 'speaker', 'invite', 'attended', 'joined'],
    ['upcoming', 'attendee', 'registration', 'registered', 'verified'],
  ] },
  { first: 'Tomás', last: 'Silva', email: 'tomas.silva@contoso.example', country: 'Portugal', jobTitle: 'Account Executive', company: 'Contoso', regs: [
    ['ended', 'attendee', 'registration', 'registered', 'verified'],
    ['upcoming', 'attendee', 'registration', 'registered', 'verified'],
  ] },
  { first: 'Fatima', last: 'Al-Sayed', email: 'fatima.alsayed@northwind.example', country: 'United Arab Emirates', jobTitle: 'Community Manager', company: 'Northwind Events', regs: [
    ['ended', 'moderator', 'invite', 'attended', 'joined'],
    ['live', 'speaker', 'invite', 'registered', 'verified'],
  ] },
  { first: 'Oliver', last: 'Bennett', email: 'oliver.bennett@contoso.example', country: 'United Kingdom', jobTitle: 'Channel Sales Lead', company: 'Contoso', regs: [
    ['ended', 'attendee', 'registration', 'unregistered', 'cancelled_by_person'],
  ] },
  { first: 'Grace', last: 'Kim', email: 'grace.kim@contoso.example', country: 'South Korea', jobTitle: 'Customer Success Manager', company: 'Contoso', regs: [
    ['ended', 'attendee', 'webhook', 'unregistered', 'removed_by_organizer'],
  ] },
  { first: 'Jonas', last: 'Lindqvist', email: 'jonas.lindqvist@northwind.example', country: 'Sweden', jobTitle: 'Partner Manager', company: 'Northwind Events', regs: [
    ['ended', 'attendee', 'invite', 'invited', 'invite_sent'],
  ] },
  { first: 'Mei', last: 'Chen', email: 'mei.chen@contoso.example', country: 'Taiwan', jobTitle: 'Business Analyst', company: 'Contoso', regs: [
    ['ended', 'attendee', 'registration', 'blocked_from_chat', 'chat_restricted'],
  ] },
  { first: 'Aisha', last: 'Mohammed', email: 'aisha.mohammed@northwind.example', country: 'Kenya', jobTitle: 'Sales Operations Analyst', company: 'Northwind Events', regs: [
    ['ended', 'attendee', 'bulk', 'attended', 'joined'],
  ] },
  { first: 'Rahul', last: 'Mehta', email: 'rahul.mehta@tailspintoys.example', country: 'India', jobTitle: 'VP of Engineering', company: 'Tailspin Toys', regs: [
    ['upcoming', 'speaker', 'invite', 'invited', 'password_not_set'],
    ['live', 'attendee', 'invite', 'invited', 'invite_sent'],
  ] },
  { first: 'Benjamin', last: 'Cohen', email: 'benjamin.cohen@wideworldimporters.example', country: 'Israel', jobTitle: 'Procurement Manager', company: 'Wide World Importers', regs: [
    ['upcoming', 'attendee', 'webhook', 'registered', 'password_not_set'],
  ] },
  { first: 'Kwame', last: 'Mensah', email: 'kwame.mensah@fourthcoffee.example', country: 'Ghana', jobTitle: 'Operations Director', company: 'Fourth Coffee', regs: [
    ['upcoming', 'attendee', 'registration', 'registered', 'pending_verification'],
    ['live', 'attendee', 'registration', 'registered', 'login_link_sent'],
  ] },
  { first: 'Isabella', last: 'Rossi', email: 'isabella.rossi@lucernepublishing.example', country: 'Italy', jobTitle: 'Managing Editor', company: 'Lucerne Publishing', regs: [
    ['upcoming', 'attendee', 'registration', 'unregistered', 'cancelled_by_person'],
  ] },
  { first: 'Dmitri', last: 'Volkov', email: 'dmitri.volkov@treyresearch.example', country: 'Estonia', jobTitle: 'Research Scientist', company: 'Trey Research', regs: [
    ['upcoming', 'attendee', 'registration', 'unregistered', 'removed_by_organizer'],
  ] },
  { first: 'Yuki', last: 'Sato', email: 'yuki.sato@proseware.example', country: 'Japan', jobTitle: 'QA Lead', company: 'Proseware', locked: true, regs: [
    ['upcoming', 'attendee', 'registration', 'registered', 'verified'],
  ] },
  { first: 'Camille', last: 'Dubois', email: 'camille.dubois@alpineskihouse.example', country: 'France', jobTitle: 'HR Business Partner', company: 'Alpine Ski House', regs: [
    ['upcoming', 'attendee', 'bulk', 'registered', 'verified'],
  ] },
  { first: 'Noah', last: 'Williams', email: 'noah.williams@relecloud.example', country: 'United States', jobTitle: 'Cloud Architect', company: 'Relecloud', regs: [
    ['upcoming', 'attendee', 'webhook', 'registered', 'verified'],
  ] },
  { first: 'Ana', last: 'Souza', email: 'ana.souza@cohowinery.example', country: 'Brazil', jobTitle: 'Digital Marketing Specialist', company: 'Coho Winery', regs: [
    ['upcoming', 'attendee', 'registration', 'registered', 'verified'],
  ] },
  { first: 'Omar', last: 'Haddad', email: 'omar.haddad@blueyonderairlines.example', country: 'Jordan', jobTitle: 'IT Security Analyst', company: 'Blue Yonder Airlines', regs: [
    ['upcoming', 'attendee', 'registration', 'registered', 'pending_verification'],
  ] },
  { first: 'Zanele', last: 'Dlamini', email: 'zanele.dlamini@northwind.example', country: 'South Africa', jobTitle: 'Head of Events', company: 'Northwind Events', twoFactor: true, regs: [
    ['upcoming', 'organizer', 'invite', 'registered', 'verified'],
    ['live', 'organizer', 'invite', 'attended', 'joined'],
  ] },
  { first: 'Sarah', last: "O'Connor", email: 'sarah.oconnor@humongousinsurance.example', country: 'Ireland', jobTitle: 'Claims Manager', company: 'Humongous Insurance', regs: [
    ['live', 'attendee', 'registration', 'attended', 'joined'],
  ] },
  { first: 'Liam', last: 'Nguyen', email: 'liam.nguyen@relecloud.example', country: 'Australia', jobTitle: 'Developer Advocate', company: 'Relecloud', regs: [
    ['live', 'attendee', 'webhook', 'attended', 'joined'],
  ] },
  { first: 'Mariana', last: 'López', email: 'mariana.lopez@margiestravel.example', country: 'Mexico', jobTitle: 'Customer Experience Lead', company: "Margie's Travel", regs: [
    ['live', 'moderator', 'invite', 'attended', 'joined'],
  ] },
  { first: 'Ahmed', last: 'Karimi', email: 'ahmed.karimi@graphicdesigninstitute.example', country: 'Canada', jobTitle: 'Instructor', company: 'Graphic Design Institute', blocked: true, regs: [
    ['live', 'attendee', 'registration', 'blocked', 'blocked_by_organizer'],
  ] },
  { first: 'Emily', last: 'Clarke', email: 'emily.clarke@adventure-works.example', country: 'Canada', jobTitle: 'Store Manager', company: 'Adventure Works', regs: [
    ['live', 'attendee', 'registration', 'blocked_from_chat', 'chat_restricted'],
  ] },
  { first: 'Hannah', last: 'Schmidt', email: 'hannah.schmidt@fabrikam.example', country: 'Austria', jobTitle: 'Project Coordinator', company: 'Fabrikam', regs: [
    ['live', 'attendee', 'registration', 'registered', 'verified'],
  ] },
  { first: 'Jamal', last: 'Robinson', email: 'jamal.robinson@woodgrovebank.example', country: 'United States', jobTitle: 'Financial Analyst', company: 'Woodgrove Bank', regs: [
    ['live', 'attendee', 'registration', 'unregistered', 'cancelled_by_person'],
  ] },
  { first: 'Valentina', last: 'Moretti', email: 'valentina.moretti@northwind.example', country: 'Italy', jobTitle: 'Event Producer', company: 'Northwind Events', regs: [
    ['live', 'organizer', 'invite', 'attended', 'joined'],
  ] },
  { first: 'Arjun', last: 'Patel', email: 'arjun.patel@litware.example', country: 'India', jobTitle: 'Support Engineer', company: 'Litware', regs: [
    ['live', 'attendee', 'bulk', 'registered', 'verified'],
  ] },
  { first: 'Diego', last: 'Fernández', email: 'diego.fernandez@tailspintoys.example', country: 'Argentina', jobTitle: 'Product Designer', company: 'Tailspin Toys', regs: [
    ['live', 'attendee', 'webhook', 'registered', 'login_link_sent'],
  ] },
  { first: 'Sven', last: 'Johansson', email: 'sven.johansson@proseware.example', country: 'Norway', jobTitle: 'Sales Engineer', company: 'Proseware', regs: [
    ['live', 'attendee', 'registration', 'unregistered', 'removed_by_organizer'],
  ] },
  { first: 'Leila', last: 'Rahimi', email: 'leila.rahimi@treyresearch.example', country: 'Germany', jobTitle: 'Lab Manager', company: 'Trey Research', regs: [
    ['live', 'speaker', 'invite', 'invited', 'invite_sent'],
  ] },
  { first: 'Kenji', last: 'Watanabe', email: 'kenji.watanabe@proseware.example', country: 'Japan', jobTitle: 'Chief Technology Officer', company: 'Proseware', regs: [
    ['upcoming', 'speaker', 'webhook', 'registered', 'verified'],
  ] },
];

const STAFF: readonly { name: string; email: string; role: StaffRole }[] = [
  { name: 'Morgan Blake', email: DEMO_EXAMPLES.adminStaff, role: 'admin' },
  { name: 'Sam Okonkwo', email: DEMO_EXAMPLES.agentStaff, role: 'agent' },
  { name: 'Alex Moreau', email: DEMO_EXAMPLES.viewerStaff, role: 'viewer' },
];

async function demoExists(db: Db): Promise<boolean> {
  const row = await db.selectFrom('organisations').select('id').where('id', '=', DEMO_ORG_ID).executeTakeFirst();
  return row !== undefined;
}

/** Creates the demo organisation unless it exists; safe to call on every start. */
export async function seedDemo(db: Db, deps: SeedDeps): Promise<{ created: boolean; orgId: string }> {
  if (await demoExists(db)) return { created: false, orgId: DEMO_ORG_ID };
  // Hashed once for every account: argon2id is slow on purpose.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const rows = demoRows(deps, passwordHash);
  try {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('organisations').values(rows.organisation).execute();
      await trx.insertInto('events').values(rows.events).execute();
      await trx.insertInto('users').values(rows.users).execute();
      await trx.insertInto('registrations').values(rows.registrations).execute();
      await trx.insertInto('emails').values(rows.emails).execute();
      for (let i = 0; i < rows.activity.length; i += 200) await trx.insertInto('activity').values(rows.activity.slice(i, i + 200)).execute();
      await trx.insertInto('staff').values(rows.staff).execute();
      // Recovery codes nobody knows, so agents see realistic counts; some already used.
      const enrolled = rows.users.filter((user) => user.mfa_confirmed_at);
      await trx
        .insertInto('recovery_codes')
        .values(
          enrolled.flatMap((user, index) =>
            newRecoveryCodes().map((code, n) => ({
              id: `rc_${deps.tokens.id()}`,
              user_id: user.id,
              staff_id: null,
              hash: hashRecoveryCode(code),
              used_at: n < index * 3 ? user.mfa_confirmed_at! : null,
              created_at: user.mfa_confirmed_at!,
            })),
          ),
        )
        .execute();
    });
  } catch (error) {
    // A seeder racing this one committed the organisation first, so its demo stands.
    if (await demoExists(db)) return { created: false, orgId: DEMO_ORG_ID };
    throw error;
  }
  return { created: true, orgId: DEMO_ORG_ID };
}

// Events start on the hour, at a sensible local time: 09:00 in New York and Singapore;
// the live one on the hour before it started.
const START_HOUR_UTC: Record<EventKey, number | null> = { upcoming: 14, live: null, ended: 1 };

function onTheHour(date: Date, utcHour: number | null): Date {
  const rounded = new Date(date);
  rounded.setUTCMinutes(0, 0, 0);
  if (utcHour !== null) rounded.setUTCHours(utcHour);
  return rounded;
}

/** The email a registration in this stage was sent when it got there, for the mail log. */
function demoEmailFor(stage: RegistrationStage, type: RegistrationType, loginMethod: string): EmailTemplate | null {
  switch (stage) {
    case 'pending_verification':
      return 'verify_account';
    case 'login_link_sent':
      return 'login_link';
    case 'invite_sent':
      return loginMethod === 'password' ? 'invitation_password' : 'invitation_login_link';
    case 'password_not_set':
      return type === 'invite' ? 'invitation_password' : 'set_password';
    case 'verified':
    case 'joined':
      return loginMethod === 'password' ? 'registration_complete' : 'login_link';
    default:
      return null;
  }
}

// The demo's people all used a current Chrome on Windows from a documentation network.
const DEMO_VISITOR = {
  email: null,
  event_id: null,
  outcome: 'ok',
  reason: null,
  detail: null,
  cause: null,
  actor: null,
  staff_id: null,
  request_id: null,
  browser_family: 'chrome',
  browser_version: '156',
  browser_os: 'Windows',
  browser_supported: 1,
  network: '203.0.113.0/24',
  token_id: null,
  email_id: null,
  webhook_id: null,
} satisfies Omit<NewActivity, 'id' | 'org_id' | 'user_id' | 'kind' | 'created_at'>;

// What the platform did on its own (webhooks, mail) has no browser.
const NO_VISITOR = { browser_family: null, browser_version: null, browser_os: null, browser_supported: null, network: null };

const DEMO_CAUSES: Record<RegistrationType, ActivityCause> = {
  registration: 'registration_form',
  invite: 'invitation',
  webhook: 'webhook',
  bulk: 'system',
};

function demoRows(deps: SeedDeps, passwordHash: string) {
  const now = deps.clock.now();
  const iso = (date: Date) => date.toISOString();
  const orgCreated = minutesFrom(now, -180 * DAY);

  const events = new Map<EventKey, { row: NewEvent; starts: Date; created: Date }>();
  for (const [key, spec] of Object.entries(EVENTS) as [EventKey, EventSpec][]) {
    const { startsIn, lasts, createdAgo, ...columns } = spec;
    const starts = onTheHour(minutesFrom(now, startsIn), START_HOUR_UTC[key]);
    const created = minutesFrom(now, -createdAgo);
    const row: NewEvent = {
      ...columns,
      id: `evt_${deps.tokens.id()}`,
      org_id: DEMO_ORG_ID,
      slug: DEMO_EVENT_SLUGS[key],
      starts_at: iso(starts),
      ends_at: iso(minutesFrom(starts, lasts)),
      created_at: iso(created),
    };
    events.set(key, { row, starts, created });
  }
  const eventOf = (key: EventKey) => events.get(key)!;

  const users: NewUser[] = [];
  const registrations: NewRegistration[] = [];
  const emails: NewEmail[] = [];
  const activity: NewActivity[] = [];
  PEOPLE.forEach((person, index) => {
    const note = (at: Date, kind: string, fields: Partial<NewActivity> = {}) =>
      activity.push({ ...DEMO_VISITOR, id: `act_${deps.tokens.id()}`, org_id: DEMO_ORG_ID, user_id: userId, kind, created_at: iso(at), ...fields });
    const userId = `usr_${deps.tokens.id()}`;
    // Spread sign-ups out: ten days after the event was announced, twelve hours apart.
    const regs = person.regs.map(([key, role, type, status, stage]) => {
      const event = eventOf(key);
      const created = minutesFrom(event.created, 10 * DAY + index * 12 * 60);
      const attended = stage === 'joined' ? minutesFrom(event.starts, 5 + ((index * 7) % 90)) : null;
      return { event, role, type, status, stage, created, attended };
    });
    const signedUpAt = new Date(Math.min(...regs.map((r) => r.created.getTime())));
    const proven = regs.filter((r) => EMAIL_PROVEN_STAGES.has(r.stage)).map((r) => r.created.getTime());
    const hasPassword = regs.some((r) => r.event.row.login_method === 'password' && PASSWORD_STAGES.has(r.stage));

    users.push({
      id: userId,
      org_id: DEMO_ORG_ID,
      email: person.email,
      first_name: person.first,
      last_name: person.last,
      ...searchColumns(person.first, person.last),
      country: person.country,
      job_title: person.jobTitle,
      company: person.company,
      password_hash: hasPassword ? passwordHash : null,
      email_verified_at: proven.length > 0 ? iso(minutesFrom(new Date(Math.min(...proven)), 7)) : null,
      mfa_secret_enc: person.twoFactor ? deps.secrets.seal(new Secret({ size: 20 }).base32) : null,
      mfa_confirmed_at: person.twoFactor ? iso(minutesFrom(signedUpAt, DAY)) : null,
      mfa_last_step: null,
      failed_logins: person.locked ? 10 : 0,
      // Locked for a year, so the demo person stays locked until an agent unlocks them.
      locked_until: person.locked ? iso(minutesFrom(now, 365 * DAY)) : null,
      blocked: person.blocked ? 1 : 0,
      created_at: iso(signedUpAt),
      updated_at: iso(person.locked ? now : signedUpAt),
    });
    if (person.locked) {
      // Ten wrong passwords in a row yesterday evening locked the account.
      for (let failures = 1; failures <= 10; failures++) {
        note(minutesFrom(now, -DAY + failures), 'sign_in.failed', { event_id: regs[0]!.event.row.id, outcome: 'refused', reason: 'wrong_password', detail: JSON.stringify({ failures }) });
      }
      note(minutesFrom(now, -DAY + 10), 'account.locked', { event_id: regs[0]!.event.row.id, detail: JSON.stringify({ failures: 10, until: iso(minutesFrom(now, 365 * DAY)) }) });
    }
    for (const reg of regs) {
      const template = demoEmailFor(reg.stage, reg.type, reg.event.row.login_method);
      const cause = DEMO_CAUSES[reg.type];
      const about = { event_id: reg.event.row.id, cause };
      if (reg.type === 'registration') note(minutesFrom(reg.created, -0.05), 'registration.submitted', { ...about, detail: JSON.stringify({ loginMethod: reg.event.row.login_method }) });
      if (reg.type === 'webhook') note(reg.created, 'webhook.received', { ...about, ...NO_VISITOR, detail: JSON.stringify({ created: true }) });
      if (EMAIL_PROVEN_STAGES.has(reg.stage)) {
        const via = reg.event.row.login_method === 'magic_link' ? 'login link' : reg.type === 'invite' ? 'password set' : 'email verified';
        note(minutesFrom(reg.created, 7), 'registration.completed', { ...about, detail: JSON.stringify({ via }) });
      }
      if (reg.attended) note(reg.attended, 'visit.first', about);
      if (template) {
        const sentAt = minutesFrom(reg.created, 1);
        const emailId = `eml_${deps.tokens.id()}`;
        emails.push({
          id: emailId,
          org_id: DEMO_ORG_ID,
          user_id: userId,
          staff_id: null,
          event_id: reg.event.row.id,
          recipient: person.email,
          template,
          subject: renderEmail(template, {
            recipientName: `${person.first} ${person.last}`,
            organisationName: 'Northwind Events',
            eventTitle: reg.event.row.title,
            eventStartsAt: reg.event.row.starts_at,
            eventTimezone: reg.event.row.timezone,
            actionUrl: 'http://127.0.0.1:4747/',
          }).subject,
          // Delivered long ago: like every sent mail, its body (and link) is gone.
          body_sealed: null,
          status: 'sent',
          attempts: 1,
          last_error: null,
          next_attempt_at: iso(reg.created),
          lease_until: null,
          message_id: `<${emailId}@t1.platform>`,
          created_at: iso(reg.created),
          sent_at: iso(sentAt),
          updated_at: iso(sentAt),
          cause,
        });
        const subject = emails.at(-1)!.subject;
        note(reg.created, 'mail.queued', { ...about, ...NO_VISITOR, email_id: emailId, detail: JSON.stringify({ template, subject, cause }) });
        note(sentAt, 'mail.sent', { ...about, ...NO_VISITOR, cause: 'system', email_id: emailId, detail: JSON.stringify({ template, subject, attempts: 1 }) });
      }
      registrations.push({
        id: `reg_${deps.tokens.id()}`,
        user_id: userId,
        event_id: reg.event.row.id,
        role: reg.role,
        type: reg.type,
        status: reg.status,
        stage: reg.stage,
        attended_at: reg.attended ? iso(reg.attended) : null,
        created_at: iso(reg.created),
        updated_at: iso(reg.attended ?? reg.created),
      });
    }
  });

  return {
    organisation: {
      id: DEMO_ORG_ID,
      name: 'Northwind Events',
      mfa_policy: 'staff',
      ticket_required: 0,
      identity_checklist: JSON.stringify(DEMO_IDENTITY_CHECKLIST),
      created_at: iso(orgCreated),
    },
    events: [...events.values()].map((event) => event.row),
    users,
    registrations,
    emails,
    activity,
    staff: STAFF.map((member) => ({
      id: `stf_${deps.tokens.id()}`,
      org_id: DEMO_ORG_ID,
      email: member.email,
      name: member.name,
      role: member.role,
      password_hash: passwordHash,
      mfa_secret_enc: null,
      mfa_confirmed_at: null,
      mfa_last_step: null,
      locked_until: null,
      created_at: iso(orgCreated),
    })),
  };
}
