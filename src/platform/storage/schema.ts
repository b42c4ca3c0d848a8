// Table shapes as Kysely sees them. Times are ISO-8601 UTC strings, flags are 0/1
// integers, ids are prefixed random strings: the same on SQLite and PostgreSQL.
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface OrganisationsTable {
  id: string;
  name: string;
  mfa_policy: string;
  ticket_required: number;
  /** JSON array of identity questions asked before a 2FA reset. */
  identity_checklist: Generated<string>;
  /** Second-factor methods allowed besides the app, comma-separated: "app" or "app,sms". */
  mfa_methods: Generated<string>;
  created_at: string;
}

export interface EventsTable {
  id: string;
  org_id: string;
  slug: string;
  title: string;
  starts_at: string;
  ends_at: string;
  timezone: string;
  registration_open: number;
  login_method: string;
  verify_email: number;
  form_fields: string;
  approved_domains: string;
  refuse_public_domains: number;
  password_min_length: number;
  password_max_length: number;
  verification_ttl_minutes: number;
  magic_link_ttl_minutes: number;
  set_password_ttl_minutes: number;
  webhook_secret_sealed: Generated<string | null>;
  created_at: string;
}

export interface PlatformSettingsTable {
  key: string;
  value: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  received_at: string;
}

export interface UsersTable {
  id: string;
  org_id: string;
  email: string;
  first_name: string;
  last_name: string;
  first_name_lc: string;
  last_name_lc: string;
  full_name_lc: string;
  country: string | null;
  job_title: string | null;
  company: string | null;
  password_hash: string | null;
  email_verified_at: string | null;
  mfa_secret_enc: string | null;
  mfa_confirmed_at: string | null;
  mfa_last_step: number | null;
  failed_logins: Generated<number>;
  locked_until: string | null;
  blocked: Generated<number>;
  /** 1 after a reset replaced 2FA: sign-in waits for a new enrollment. */
  mfa_enrollment_required: Generated<number>;
  created_at: string;
  updated_at: string;
}

export interface RegistrationsTable {
  id: string;
  user_id: string;
  event_id: string;
  role: string;
  type: string;
  status: string;
  stage: string;
  attended_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface StaffTable {
  id: string;
  org_id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string | null;
  mfa_secret_enc: string | null;
  mfa_confirmed_at: string | null;
  mfa_last_step: number | null;
  failed_logins: Generated<number>;
  locked_until: string | null;
  created_at: string;
}

export interface TokensTable {
  id: string;
  kind: string;
  hash: string;
  org_id: string;
  user_id: string | null;
  staff_id: string | null;
  event_id: string | null;
  role: string | null;
  name: string | null;
  expires_at: string | null;
  used_at: string | null;
  revoked_at: string | null;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  payload_sealed: Generated<string | null>;
  /** What led to the token (an activity cause code), for links. */
  cause: Generated<string | null>;
  /** The newer link that replaced this one. */
  replaced_by: Generated<string | null>;
  /** Who revoked an API token (a staff email or a token's name). */
  revoked_by: Generated<string | null>;
}

export interface EmailsTable {
  id: string;
  org_id: string;
  user_id: string | null;
  staff_id: string | null;
  event_id: string | null;
  recipient: string;
  template: string;
  subject: string;
  body_sealed: string | null;
  status: string;
  attempts: Generated<number>;
  last_error: string | null;
  next_attempt_at: string;
  lease_until: string | null;
  message_id: string;
  created_at: string;
  sent_at: string | null;
  updated_at: string;
  /** What led to the email (an activity cause code) and, for agents, who. */
  cause: Generated<string | null>;
  cause_actor: Generated<string | null>;
}

/** Append-only: what happened to a person or an address. Never a secret. */
export interface ActivityTable {
  id: string;
  org_id: string | null;
  user_id: string | null;
  /** The address as typed, lower-cased, when no account matched or before one existed. */
  email: string | null;
  event_id: string | null;
  kind: string;
  outcome: string;
  reason: string | null;
  /** JSON object of descriptive facts (counts, field names, templates). */
  detail: string | null;
  cause: string | null;
  actor: string | null;
  staff_id: string | null;
  request_id: string | null;
  browser_family: string | null;
  browser_version: string | null;
  browser_os: string | null;
  browser_supported: number | null;
  /** The address truncated to its /24 (IPv4) or /48 (IPv6). */
  network: string | null;
  token_id: string | null;
  email_id: string | null;
  webhook_id: string | null;
  created_at: string;
}

export interface AuditLogTable {
  id: string;
  org_id: string;
  actor: string;
  actor_role: string | null;
  action: string;
  target_user_id: string | null;
  target: string | null;
  event_id: string | null;
  reason: string | null;
  ticket: string | null;
  result: string;
  detail: string | null;
  request_id: string | null;
  created_at: string;
}

export interface RecoveryCodesTable {
  id: string;
  user_id: string | null;
  staff_id: string | null;
  hash: string;
  used_at: string | null;
  created_at: string;
}

export interface RateLimitsTable {
  key: string;
  hits: number;
  window_started_at: string;
}

export interface IdempotencyKeysTable {
  key: string;
  token_id: string;
  fingerprint: string;
  status_code: number;
  body: string;
  created_at: string;
}

export interface BulkRunsTable {
  id: string;
  org_id: string;
  event_id: string;
  /** The client's name for the run (e.g. a hash of the file). */
  run: string;
  dry_run: number;
  file: string;
  invited: Generated<number>;
  skipped: Generated<number>;
  failed: Generated<number>;
  started_at: string;
  finished_at: string | null;
  created_by: string;
}

export interface BulkBatchesTable {
  run_id: string;
  batch: number;
  idempotency_key: string | null;
  /** SHA-256 of what the batch asked for, so a key reused for other rows is refused. */
  fingerprint: string;
  /** The batch's answer (JSON), given again when the batch is repeated. */
  result: string;
  created_at: string;
}

/** Registrants of an event (every status but "unregistered"): the sum of its rows, kept by triggers. */
export interface EventRegistrantCountsTable {
  event_id: string;
  slot: number;
  registrants: number;
}

export interface BulkRunEmailsTable {
  run_id: string;
  email: string;
  /** The batch the address first appeared in. */
  batch: number;
}

/** A phone enrolled for SMS codes: pending until confirmed_at is set. */
export interface SmsPhonesTable {
  id: string;
  org_id: string;
  user_id: string | null;
  staff_id: string | null;
  /** E.164, sealed. */
  phone_sealed: string;
  /** Keyed hash of the E.164 number, for per-number limits. */
  phone_hash: string;
  masked_phone: string;
  confirmed_at: string | null;
  created_at: string;
}

/** A one-time SMS code, stored only as a keyed hash. */
export interface SmsCodesTable {
  id: string;
  org_id: string;
  user_id: string | null;
  staff_id: string | null;
  phone_id: string;
  purpose: string;
  code_hash: string;
  attempts: Generated<number>;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}

/** The SMS outbox: the number and body sealed (and dropped once sent or given up). */
export interface SmsMessagesTable {
  id: string;
  org_id: string;
  user_id: string | null;
  staff_id: string | null;
  purpose: string;
  masked_phone: string;
  phone_hash: string;
  to_sealed: string | null;
  body_sealed: string | null;
  status: string;
  attempts: Generated<number>;
  last_error: string | null;
  next_attempt_at: string;
  /** A code is worth sending only until it expires. */
  expires_at: string;
  lease_until: string | null;
  created_at: string;
  sent_at: string | null;
  updated_at: string;
}

export interface Database {
  organisations: OrganisationsTable;
  events: EventsTable;
  users: UsersTable;
  registrations: RegistrationsTable;
  staff: StaffTable;
  tokens: TokensTable;
  emails: EmailsTable;
  audit_log: AuditLogTable;
  recovery_codes: RecoveryCodesTable;
  rate_limits: RateLimitsTable;
  idempotency_keys: IdempotencyKeysTable;
  webhook_deliveries: WebhookDeliveriesTable;
  platform_settings: PlatformSettingsTable;
  activity: ActivityTable;
  bulk_runs: BulkRunsTable;
  bulk_batches: BulkBatchesTable;
  bulk_run_emails: BulkRunEmailsTable;
  event_registrant_counts: EventRegistrantCountsTable;
  sms_phones: SmsPhonesTable;
  sms_codes: SmsCodesTable;
  sms_messages: SmsMessagesTable;
}

export type OrganisationRow = Selectable<OrganisationsTable>;
export type EventRow = Selectable<EventsTable>;
export type NewEvent = Insertable<EventsTable>;
export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type RegistrationRow = Selectable<RegistrationsTable>;
export type NewRegistration = Insertable<RegistrationsTable>;
export type StaffRow = Selectable<StaffTable>;
export type TokenRow = Selectable<TokensTable>;
export type NewToken = Insertable<TokensTable>;
export type EmailRow = Selectable<EmailsTable>;
export type NewEmail = Insertable<EmailsTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type ActivityRow = Selectable<ActivityTable>;
export type NewActivity = Insertable<ActivityTable>;
export type SmsMessageRow = Selectable<SmsMessagesTable>;
export type NewSmsMessage = Insertable<SmsMessagesTable>;
