// Synthetic people for benchmarks and scale tests: many plausible, repeatable names so
// that search and listing are measured on realistic volumes and name collisions, with the
// registrations, activity and mails an organisation of that size would have.
import { PostgresAdapter, sql } from 'kysely';
import type { ActivityKind, ActivityOutcome, ActivityReason } from '../../contract/activity.ts';
import type { EmailTemplate, EventRole, RegistrationStage, RegistrationStatus, RegistrationType } from '../../contract/vocabulary.ts';
import { minutesFrom, type Clock, type TokenGenerator } from '../clock.ts';
import { searchColumns } from '../services/user-search.ts';
import { insertRows } from '../storage/bulk-insert.ts';
import type { Db } from '../storage/database.ts';
import type { NewActivity, NewEmail, NewEvent, NewRegistration, NewUser } from '../storage/schema.ts';

// People per batch of inserts (each table one insertRows call: a prepared statement run
// per row on SQLite, one unnest() statement on PostgreSQL).
const BATCH_SIZE = 2_000;
// Commits cost more than inserts on SQLite (each may checkpoint the WAL), so batches share
// a transaction; bounded so the write lock is released now and then.
const TRANSACTION_SIZE = 20_000;
const DOMAIN_COUNT = 50;
const SEED = 20_260_101;
const DAY_MINUTES = 24 * 60;
// Activity is kept 90 days (retention.ts); generated history stays inside that.
const HISTORY_DAYS = 80;
// One person in this many has a long history (many sign-ins, links and mails), the kind
// a timeline must still page through from an index range.
const LONG_HISTORY_EVERY = 2_000;
const LONG_HISTORY_ENTRIES = 150;

const FIRST_NAMES = `
  Aaliyah Aarav Abdul Ada Adebayo Adrian Agnieszka Ahmed Aiden Aiko Aisha Akira Alejandro
  Alexei Ali Alice Amara Amelia Amir Ana Anders Andrea Andrei Angela Anika Anna Arjun Astrid
  Ayesha Beatriz Benjamin Bilal Bjorn Bogdan Camila Carlos Carmen Catalina Chiara Chidi Chloe
  Christopher Clara Daniel Daria David Deepa Diego Dmitri Ebony Eduardo Elena Elif Elijah
  Emeka Emily Emma Emre Esther Ethan Fatima Felipe Femi Fiona Francesca Gabriel Gabriela
  Giulia Grace Hana Hannah Hassan Hiroshi Hugo Ibrahim Ingrid Irina Isaac Isabel Ivan Jabari
  Jakub James Jasmine Javier Jia Joao Jonas Jorge Jose Julia Kai Kamala Karim Katarzyna Keiko
  Kenji Kofi Kwame Lars Laura Layla Lea Leila Leon Liam Lina Lucas Lucia Luis Maya Malik
  Marco Maria Mariam Marta Mateo Matteo Mei Mehmet Mia Michael Mihai Min Mohammed Nadia
  Naledi Nathan Nia Nikhil Nina Noah Nour Olga Olivia Omar Oscar Pablo Paolo Patricia Pedro
  Pooja Priya Rafael Rahul Rania Ravi Rosa Ruth Sakura Samuel Sara Sebastian Seoyeon Shreya
  Simone Sipho Sofia Soojin Stefan Sunita Tariq Tendai Thabo Theo Tomas Uma Valentina Victor
  Wei Xin Yara Yasmin Yusuf Zainab Zara Zoe Abena Bongani Chen Dana Eitan Farah Goran Hyun
  Imani Jae Kaveh Lucy Marek Nkechi Oluwaseun Parisa Quentin Reza Saanvi Tuan Ugo Vera
  Wanjiru Ximena Yosef Zeynep
`.trim().split(/\s+/);

const LAST_NAMES = `
  Abara Abbasi Abe Acheampong Adeyemi Agarwal Ahmadi Akhtar Alvarez Andersen Anderson Aoki
  Araujo Arslan Asante Bakker Banerjee Barros Bauer Becker Bergstrom Bianchi Bose Brown Bui
  Campbell Cardoso Castillo Castro Celik Chatterjee Chavez Chen Cho Choi Chowdhury Clarke
  Cohen Costa Cruz Dahl Das Demir Diallo Diaz Dimitrov Dlamini Dogan Dubois Duarte Dube
  Edwards Eriksson Esposito Evans Farah Fernandes Fernandez Ferrari Fischer Fontaine Fujita
  Gallagher Garcia Ghosh Gomez Gonzalez Gupta Haddad Hakimi Hansen Hashemi Hernandez Hoang
  Hoffmann Horvath Hossain Huang Hughes Hussain Ibrahim Ito Ivanov Iyer Jackson Jansen Jensen
  Johansson Johnson Jones Joshi Kaya Kang Kapoor Karimi Kato Kaur Khalil Khan Kim Kobayashi
  Koch Kowalski Kozlov Kumar Kuznetsov Lambert Larsen Laurent Le Lee Lehmann Leone Li Lim
  Lindberg Liu Lopez Lund Ma Mahlangu Malik Mansour Marino Martin Martinez Matsumoto Mbeki
  Medina Mehta Mendes Mensah Meyer Miller Mishra Mohamed Molina Moreau Moreno Morris Mueller
  Murphy Mwangi Nakamura Nair Navarro Ndlovu Nguyen Nielsen Nikolaidis Novak Nowak Nwankwo
  Obi Ochieng Odhiambo Ogunleye Okafor Okonkwo Oliveira Olsen Omondi Ortiz Osei Owusu Ozturk
  Park Patel Pereira Perez Petrov Pham Phillips Popescu Popov Qureshi Rahman Ramirez Rao Reddy
  Reyes Ribeiro Richter Rivera Rodrigues Rodriguez Romano Rossi Russo Saito Salazar Sanchez
  Santos Sato Schmidt Schneider Schulz Sen Sharma Shah Shapiro Silva Singh Smith Sokolov
  Song Sousa Suzuki Svensson Takahashi Tan Tanaka Tembo Teo Thomas Thompson Torres Tran
  Tshabalala Turner Uchenna Usman Valdez Varga Vargas Vasquez Verma Vieira Vogel Volkov
  Wagner Walker Wang Watanabe Weber Williams Wilson Wong Wu Xu Yadav Yamamoto Yang Yildiz
  Yilmaz Yoshida Young Yu Zaman Zhang Zhao Zhou Zimmermann Zulu Achebe Bakare Coulibaly
  Dossou Eze Fofana Gueye Haile Idowu Juma Kamara Keita Lungu Mbah Nkosi Ofori Phiri Quaye
  Sall Tadesse Traore Wekesa Abdi Barzani Darwish Farouk Ghani Habibi Jaber Kassem Nasser
  Rashid Saleh Taheri Zand Aguilar Beltran Cabrera Delgado Espinoza Figueroa Guerrero
  Ibarra Juarez Leal Maldonado Nunez Orozco Pacheco Quintero Rojas Soto Trujillo Urrutia
  Villalobos Zamora
`.trim().split(/\s+/);

const COUNTRIES = [
  'United States', 'India', 'Germany', 'Brazil', 'Nigeria', 'Japan', 'United Kingdom',
  'France', 'Mexico', 'Kenya', 'Singapore', 'Canada', 'Australia', 'South Africa', 'Spain',
];

const JOB_TITLES = [
  'Software Engineer', 'Product Manager', 'Sales Manager', 'Data Analyst', 'Marketing Lead',
  'IT Administrator', 'Designer', 'Account Executive', 'Operations Manager', 'Consultant',
];


/** [weight, value]: picks values in proportion to their weights. */
type Weighted<T> = readonly (readonly [number, T])[];

// Most people are registered; a fair share invited and not yet in, or attended.
const STATUS_STAGES: Weighted<{ status: RegistrationStatus; stage: RegistrationStage }> = [
  [28, { status: 'registered', stage: 'verified' }],
  [8, { status: 'registered', stage: 'pending_verification' }],
  [4, { status: 'registered', stage: 'password_not_set' }],
  [6, { status: 'registered', stage: 'login_link_sent' }],
  [12, { status: 'invited', stage: 'invite_sent' }],
  [6, { status: 'invited', stage: 'password_not_set' }],
  [22, { status: 'attended', stage: 'joined' }],
  [5, { status: 'unregistered', stage: 'cancelled_by_person' }],
  [2, { status: 'unregistered', stage: 'removed_by_organizer' }],
  [1, { status: 'blocked', stage: 'blocked_by_organizer' }],
  [1, { status: 'blocked_from_chat', stage: 'chat_restricted' }],
];
const ROLES: Weighted<EventRole> = [[92, 'attendee'], [5, 'speaker'], [2, 'moderator'], [1, 'organizer']];
const INVITED_TYPES: Weighted<RegistrationType> = [[60, 'invite'], [40, 'bulk']];
const SELF_TYPES: Weighted<RegistrationType> = [[80, 'registration'], [20, 'webhook']];
// How many events a person is registered to.
const REGISTRATION_COUNTS: Weighted<number> = [[60, 1], [28, 2], [12, 3]];
// The share of people with any activity or mail, and the entries an everyday history holds.
const WITH_HISTORY = 0.3;
const EVERYDAY_KINDS: Weighted<{ kind: ActivityKind; outcome: ActivityOutcome; reason: ActivityReason | null }> = [
  [30, { kind: 'sign_in.succeeded', outcome: 'ok', reason: null }],
  [8, { kind: 'sign_in.failed', outcome: 'failed', reason: 'wrong_password' }],
  [15, { kind: 'link.issued', outcome: 'ok', reason: null }],
  [12, { kind: 'link.used', outcome: 'ok', reason: null }],
  [4, { kind: 'link.refused', outcome: 'refused', reason: 'expired' }],
  [20, { kind: 'mail.sent', outcome: 'ok', reason: null }],
  [2, { kind: 'mail.failed', outcome: 'failed', reason: 'smtp_error' }],
  [9, { kind: 'visit.first', outcome: 'ok', reason: null }],
];
const TEMPLATE_BY_STAGE: Partial<Record<RegistrationStage, EmailTemplate>> = {
  invite_sent: 'invitation_password',
  password_not_set: 'set_password',
  pending_verification: 'verify_account',
  login_link_sent: 'login_link',
  verified: 'registration_complete',
  joined: 'registration_complete',
};
const SUBJECTS: Record<EmailTemplate, string> = {
  verify_account: 'Confirm your email address',
  registration_complete: 'You are registered',
  login_link: 'Your login link',
  set_password: 'Set your password',
  invitation_password: 'You are invited',
  invitation_login_link: 'You are invited',
  password_reset: 'Reset your password',
  mfa_enrollment: 'Set up two-factor authentication',
  mfa_removed: 'Two-factor authentication was removed',
  identity_code: 'Your identity code',
};
const BROWSERS = [
  { browser_family: 'Chrome', browser_version: '131', browser_os: 'Windows', browser_supported: 1 },
  { browser_family: 'Safari', browser_version: '18', browser_os: 'macOS', browser_supported: 1 },
  { browser_family: 'Firefox', browser_version: '133', browser_os: 'Linux', browser_supported: 1 },
  { browser_family: 'Edge', browser_version: '131', browser_os: 'Windows', browser_supported: 1 },
] as const;

/** mulberry32: tiny and fast; the same seed always yields the same people. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface GeneratedRows {
  users: number;
  registrations: number;
  activity: number;
  emails: number;
}

async function countOf(db: Db, table: 'users' | 'events', orgId: string): Promise<number> {
  const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Adds `count` synthetic events (webinars across the coming and past months); returns their ids. */
export async function generateEvents(db: Db, deps: { clock: Clock; tokens: TokenGenerator }, orgId: string, count: number): Promise<string[]> {
  const offset = await countOf(db, 'events', orgId);
  const now = deps.clock.now();
  const rows: NewEvent[] = Array.from({ length: count }, (_, i) => {
    const n = offset + i + 1;
    const starts = minutesFrom(now, (i % 2 === 0 ? 1 : -1) * (7 + 9 * i) * DAY_MINUTES);
    return {
      id: `evt_${deps.tokens.id()}`,
      org_id: orgId,
      slug: `${orgId.replace(/[^a-z0-9]/g, '')}-webinar-${n}`,
      title: `Webinar ${n}`,
      starts_at: starts.toISOString(),
      ends_at: minutesFrom(starts, 90).toISOString(),
      timezone: 'UTC',
      registration_open: 1,
      login_method: i % 3 === 0 ? 'magic_link' : 'password',
      verify_email: i % 3 === 0 ? 0 : 1,
      form_fields: '[]',
      approved_domains: '[]',
      refuse_public_domains: 1,
      password_min_length: 12,
      password_max_length: 128,
      verification_ttl_minutes: DAY_MINUTES,
      magic_link_ttl_minutes: 60,
      set_password_ttl_minutes: 3 * DAY_MINUTES,
      created_at: minutesFrom(now, -HISTORY_DAYS * DAY_MINUTES).toISOString(),
    };
  });
  if (rows.length > 0) await db.insertInto('events').values(rows).execute();
  return rows.map((row) => row.id);
}

/**
 * Inserts `count` synthetic people, each registered to one to three of `eventIds` with a
 * status and stage of the vocabulary; about a third have activity entries and mails, and
 * one in LONG_HISTORY_EVERY a long history.
 */
export async function generateUsers(
  db: Db,
  deps: { clock: Clock; tokens: TokenGenerator },
  orgId: string,
  eventIds: string[],
  count: number,
): Promise<GeneratedRows> {
  if (count > 0 && eventIds.length === 0) throw new Error('generateUsers needs at least one event id.');
  // Numbering continues after the people already in the organisation, so a second run
  // does not reuse an email address.
  const offset = await countOf(db, 'users', orgId);
  const random = seededRandom(SEED + offset);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const weighted = <T>(list: Weighted<T>): T => {
    let left = random() * list.reduce((sum, [weight]) => sum + weight, 0);
    for (const [weight, value] of list) if ((left -= weight) < 0) return value;
    return list.at(-1)![1];
  };
  const now = deps.clock.now();
  const historyStart = minutesFrom(now, -HISTORY_DAYS * DAY_MINUTES).getTime();
  /** A time between `from` (ms) and now. */
  const after = (from: number) => new Date(from + random() * (now.getTime() - from)).toISOString();
  const totals: GeneratedRows = { users: 0, registrations: 0, activity: 0, emails: 0 };

  /** Rows for the people numbered from..to (exclusive) in this run. */
  const batch = (from: number, to: number) => {
    const users: NewUser[] = [];
    const registrations: NewRegistration[] = [];
    const activity: NewActivity[] = [];
    const emails: NewEmail[] = [];
    for (let i = from; i < to; i++) {
      const firstName = pick(FIRST_NAMES);
      const lastName = pick(LAST_NAMES);
      const domain = 1 + Math.floor(random() * DOMAIN_COUNT);
      const userId = `usr_${deps.tokens.id()}`;
      const email = `${firstName}.${lastName}.${offset + i}@domain${domain}.example`.toLowerCase();
      const joinedAt = after(historyStart);
      const joined = Date.parse(joinedAt);
      const regs = Array.from(new Set(Array.from({ length: weighted(REGISTRATION_COUNTS) }, () => pick(eventIds)))).map((eventId) => ({
        eventId,
        ...weighted(STATUS_STAGES),
      }));
      const proven = regs.some((r) => r.stage === 'verified' || r.stage === 'joined');
      users.push({
        id: userId,
        org_id: orgId,
        email,
        first_name: firstName,
        last_name: lastName,
        ...searchColumns(firstName, lastName),
        country: pick(COUNTRIES),
        job_title: pick(JOB_TITLES),
        company: `Company ${domain}`,
        password_hash: null,
        email_verified_at: proven ? joinedAt : null,
        created_at: joinedAt,
        updated_at: joinedAt,
      });
      for (const reg of regs) {
        registrations.push({
          id: `reg_${deps.tokens.id()}`,
          user_id: userId,
          event_id: reg.eventId,
          role: weighted(ROLES),
          type: weighted(reg.status === 'invited' ? INVITED_TYPES : SELF_TYPES),
          status: reg.status,
          stage: reg.stage,
          attended_at: reg.stage === 'joined' ? after(joined) : null,
          created_at: joinedAt,
          updated_at: joinedAt,
        });
      }

      const longHistory = (offset + i) % LONG_HISTORY_EVERY === 0;
      if (!longHistory && random() >= WITH_HISTORY) continue;
      const entries = longHistory ? LONG_HISTORY_ENTRIES : 1 + Math.floor(random() * 5);
      const browser = pick(BROWSERS);
      for (let e = 0; e < entries; e++) {
        const { kind, outcome, reason } = weighted(EVERYDAY_KINDS);
        activity.push({
          id: `act_${deps.tokens.id()}`,
          org_id: orgId,
          user_id: userId,
          email: null,
          event_id: pick(regs).eventId,
          kind,
          outcome,
          reason,
          detail: null,
          cause: kind.startsWith('link.') || kind.startsWith('mail.') ? 'system' : null,
          actor: null,
          staff_id: null,
          request_id: `req_${deps.tokens.id()}`,
          ...browser,
          network: `203.0.${domain}.0/24`,
          token_id: null,
          email_id: null,
          webhook_id: null,
          created_at: after(joined),
        });
      }
      const mails = longHistory ? LONG_HISTORY_ENTRIES / 5 : regs.length;
      for (let m = 0; m < mails; m++) {
        const reg = regs[m % regs.length]!;
        const template = TEMPLATE_BY_STAGE[reg.stage] ?? 'login_link';
        const failed = random() < 0.03;
        const sentAt = m === 0 ? joinedAt : after(joined);
        emails.push({
          id: `eml_${deps.tokens.id()}`,
          org_id: orgId,
          user_id: userId,
          staff_id: null,
          event_id: reg.eventId,
          recipient: email,
          template,
          subject: SUBJECTS[template],
          // Delivered (or given up) long ago: like every such mail, its body is gone.
          body_sealed: null,
          status: failed ? 'failed' : 'sent',
          attempts: failed ? 5 : 1,
          last_error: failed ? '550 5.1.1 mailbox unavailable' : null,
          next_attempt_at: sentAt,
          lease_until: null,
          message_id: `<${deps.tokens.id()}@t1.platform>`,
          created_at: sentAt,
          sent_at: failed ? null : sentAt,
          updated_at: sentAt,
          cause: 'system',
          cause_actor: null,
        });
      }
    }
    return { users, registrations, activity, emails };
  };

  for (let txStart = 0; txStart < count; txStart += TRANSACTION_SIZE) {
    const txEnd = Math.min(txStart + TRANSACTION_SIZE, count);
    await db.transaction().execute(async (trx) => {
      for (let from = txStart; from < txEnd; from += BATCH_SIZE) {
        const rows = batch(from, Math.min(from + BATCH_SIZE, txEnd));
        await insertRows(trx, 'users', rows.users);
        await insertRows(trx, 'registrations', rows.registrations);
        await insertRows(trx, 'activity', rows.activity);
        await insertRows(trx, 'emails', rows.emails);
        totals.users += rows.users.length;
        totals.registrations += rows.registrations.length;
        totals.activity += rows.activity.length;
        totals.emails += rows.emails.length;
      }
    });
  }
  // A bulk load leaves the query planner's statistics behind; refresh them. On PostgreSQL
  // a vacuum also marks the new pages all-visible, as autovacuum soon would, so index-only
  // scans need not visit the table.
  await sql`${sql.raw(db.getExecutor().adapter instanceof PostgresAdapter ? 'vacuum analyze' : 'analyze')}`.execute(db);
  return totals;
}
