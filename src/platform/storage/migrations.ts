// Schema migrations, run on every start. Kysely's migrator records what ran, so running
// them again is a no-op; each migration is written once and never edited afterwards.
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';

const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('organisations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('mfa_policy', 'text', (c) => c.notNull().defaultTo('off'))
      .addColumn('ticket_required', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('starts_at', 'text', (c) => c.notNull())
      .addColumn('ends_at', 'text', (c) => c.notNull())
      .addColumn('timezone', 'text', (c) => c.notNull())
      .addColumn('registration_open', 'integer', (c) => c.notNull())
      .addColumn('login_method', 'text', (c) => c.notNull())
      .addColumn('verify_email', 'integer', (c) => c.notNull())
      .addColumn('form_fields', 'text', (c) => c.notNull())
      .addColumn('approved_domains', 'text', (c) => c.notNull())
      .addColumn('refuse_public_domains', 'integer', (c) => c.notNull())
      .addColumn('password_min_length', 'integer', (c) => c.notNull())
      .addColumn('password_max_length', 'integer', (c) => c.notNull())
      .addColumn('verification_ttl_minutes', 'integer', (c) => c.notNull())
      .addColumn('magic_link_ttl_minutes', 'integer', (c) => c.notNull())
      .addColumn('set_password_ttl_minutes', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_org_starts').on('events').columns(['org_id', 'starts_at', 'id']).execute();

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('first_name', 'text', (c) => c.notNull())
      .addColumn('last_name', 'text', (c) => c.notNull())
      .addColumn('first_name_lc', 'text', (c) => c.notNull())
      .addColumn('last_name_lc', 'text', (c) => c.notNull())
      .addColumn('full_name_lc', 'text', (c) => c.notNull())
      .addColumn('country', 'text')
      .addColumn('job_title', 'text')
      .addColumn('company', 'text')
      .addColumn('password_hash', 'text')
      .addColumn('email_verified_at', 'text')
      .addColumn('mfa_secret_enc', 'text')
      .addColumn('mfa_confirmed_at', 'text')
      .addColumn('mfa_last_step', 'bigint')
      .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'text')
      .addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('users_org_email', ['org_id', 'email'])
      .execute();
    // Search runs prefix range scans on these.
    await db.schema.createIndex('users_org_full_name').on('users').columns(['org_id', 'full_name_lc', 'id']).execute();
    await db.schema.createIndex('users_org_first_name').on('users').columns(['org_id', 'first_name_lc']).execute();
    await db.schema.createIndex('users_org_last_name').on('users').columns(['org_id', 'last_name_lc']).execute();

    await db.schema
      .createTable('registrations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('attended_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('registrations_user_event', ['user_id', 'event_id'])
      .execute();
    await db.schema.createIndex('registrations_event_status').on('registrations').columns(['event_id', 'status']).execute();

    await db.schema
      .createTable('staff')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('mfa_secret_enc', 'text')
      .addColumn('mfa_confirmed_at', 'text')
      .addColumn('mfa_last_step', 'bigint')
      .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('staff_org_email', ['org_id', 'email'])
      .execute();

    await db.schema
      .createTable('tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
      .addColumn('user_id', 'text', (c) => c.references('users.id'))
      .addColumn('staff_id', 'text', (c) => c.references('staff.id'))
      .addColumn('event_id', 'text', (c) => c.references('events.id'))
      .addColumn('role', 'text')
      .addColumn('name', 'text')
      .addColumn('expires_at', 'text')
      .addColumn('used_at', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .execute();
    await db.schema.createIndex('tokens_user_kind').on('tokens').columns(['user_id', 'kind']).execute();
  },
};

// Mail outbox, audit log, 2FA recovery codes, rate limits and idempotency keys.
const supportActions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('organisations')
      .addColumn('identity_checklist', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
    // A pending 2FA secret travels sealed with its enrollment token until confirmed.
    await db.schema.alterTable('tokens').addColumn('payload_sealed', 'text').execute();

    await db.schema
      .createTable('emails')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
      .addColumn('user_id', 'text', (c) => c.references('users.id'))
      .addColumn('staff_id', 'text', (c) => c.references('staff.id'))
      .addColumn('event_id', 'text', (c) => c.references('events.id'))
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('template', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      // Bodies carry link tokens, so they are stored sealed and dropped once delivered.
      .addColumn('body_sealed', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('lease_until', 'text')
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('emails_status_next').on('emails').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('emails_user_created').on('emails').columns(['user_id', 'created_at']).execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('actor_role', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target_user_id', 'text')
      .addColumn('target', 'text')
      .addColumn('event_id', 'text')
      .addColumn('reason', 'text')
      .addColumn('ticket', 'text')
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('request_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_org_created').on('audit_log').columns(['org_id', 'created_at']).execute();

    await db.schema
      .createTable('recovery_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.references('users.id'))
      .addColumn('staff_id', 'text', (c) => c.references('staff.id'))
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('recovery_codes_user').on('recovery_codes').columns(['user_id']).execute();
    await db.schema.createIndex('recovery_codes_staff').on('recovery_codes').columns(['staff_id']).execute();

    await db.schema
      .createTable('rate_limits')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('hits', 'integer', (c) => c.notNull())
      .addColumn('window_started_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('token_id', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('status_code', 'integer', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['token_id', 'key'])
      .execute();
  },
};

// Webhook registrations: each event's signing secret (sealed) and the ids already seen.
const webhooks: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('events').addColumn('webhook_secret_sealed', 'text').execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
  },
};

// A password reset that replaces 2FA leaves the person owing a new enrollment.
const enrollmentOwed: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('users').addColumn('mfa_enrollment_required', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
};

// Search compares prefixes with byte-order ranges; on PostgreSQL a linguistic collation
// would ignore spaces and punctuation there, so the searched columns compare as bytes,
// as they already do on SQLite.
const byteOrderSearch: Migration = {
  async up(db: Kysely<unknown>) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    for (const column of ['email', 'first_name_lc', 'last_name_lc', 'full_name_lc']) {
      await sql`alter table users alter column ${sql.ref(column)} type text collate "C"`.execute(db);
    }
  },
};

// Platform-wide settings, such as the check that the secret key is the right one.
const platformSettings: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('platform_settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
};

// The activity log, the causes of links and emails, and which link replaced which.
const activityLog: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('activity')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text')
      .addColumn('user_id', 'text')
      .addColumn('email', 'text')
      .addColumn('event_id', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('detail', 'text')
      .addColumn('cause', 'text')
      .addColumn('actor', 'text')
      .addColumn('staff_id', 'text')
      .addColumn('request_id', 'text')
      .addColumn('browser_family', 'text')
      .addColumn('browser_version', 'text')
      .addColumn('browser_os', 'text')
      .addColumn('browser_supported', 'integer')
      .addColumn('network', 'text')
      .addColumn('token_id', 'text')
      .addColumn('email_id', 'text')
      .addColumn('webhook_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    // A person's timeline, an address's refusals, a link's opens, and pruning by age.
    await db.schema.createIndex('activity_user_created').on('activity').columns(['user_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('activity_org_email_created').on('activity').columns(['org_id', 'email', 'created_at', 'id']).execute();
    await db.schema.createIndex('activity_token').on('activity').columns(['token_id']).execute();
    await db.schema.createIndex('activity_created').on('activity').columns(['created_at']).execute();
    await db.schema.alterTable('tokens').addColumn('cause', 'text').execute();
    await db.schema.alterTable('tokens').addColumn('replaced_by', 'text').execute();
    await db.schema.alterTable('emails').addColumn('cause', 'text').execute();
    await db.schema.alterTable('emails').addColumn('cause_actor', 'text').execute();
    await db.schema.createIndex('audit_target_created').on('audit_log').columns(['target_user_id', 'created_at', 'id']).execute();
    // The timeline pages by (time, id) in SQL and merges its sources in code: both must
    // order these columns as bytes, as SQLite does.
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      for (const [table, column] of [['activity', 'id'], ['activity', 'created_at'], ['audit_log', 'id'], ['audit_log', 'created_at']] as const) {
        await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} type text collate "C"`.execute(db);
      }
    }
  },
};

// Bulk invitation runs: each run's totals, the batches it committed (with the answer a
// repeated batch gets again) and the addresses it saw, so a duplicate in a later batch is
// recognised. Dry runs keep their own records and never count as the run's progress.
const bulkRuns: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('bulk_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
      .addColumn('run', 'text', (c) => c.notNull())
      .addColumn('dry_run', 'integer', (c) => c.notNull())
      .addColumn('file', 'text', (c) => c.notNull())
      .addColumn('invited', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('skipped', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addUniqueConstraint('bulk_runs_org_event_run', ['org_id', 'event_id', 'run', 'dry_run'])
      .execute();
    await db.schema
      .createTable('bulk_batches')
      .addColumn('run_id', 'text', (c) => c.notNull().references('bulk_runs.id'))
      .addColumn('batch', 'integer', (c) => c.notNull())
      .addColumn('idempotency_key', 'text')
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('bulk_batches_pk', ['run_id', 'batch'])
      .execute();
    await db.schema
      .createTable('bulk_run_emails')
      .addColumn('run_id', 'text', (c) => c.notNull().references('bulk_runs.id'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('batch', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('bulk_run_emails_pk', ['run_id', 'email'])
      .execute();
  },
};

// API tokens an admin can list and revoke: who revoked one, and the listing's order.
const apiTokenRevocation: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('tokens').addColumn('revoked_by', 'text').execute();
    await db.schema.createIndex('tokens_org_kind_created').on('tokens').columns(['org_id', 'kind', 'created_at', 'id']).execute();
  },
};

// Most activity entries (every one a bulk invitation writes) are about a person, not a
// typed address, and many name no link: the indexes for those two lookups hold only the
// entries that have one, so writing the others costs two index updates fewer. Both
// lookups compare the column with a value, which the planners know excludes NULL.
const partialActivityIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('activity_org_email_created').execute();
    await db.schema
      .createIndex('activity_org_email_created')
      .on('activity')
      .columns(['org_id', 'email', 'created_at', 'id'])
      .where(sql.ref('email'), 'is not', null)
      .execute();
    await db.schema.dropIndex('activity_token').execute();
    await db.schema.createIndex('activity_token').on('activity').column('token_id').where(sql.ref('token_id'), 'is not', null).execute();
  },
};

// The SMS second factor: the organisation's allowed methods, the phones people and staff
// enrol (sealed, with a keyed hash for per-number limits), the one-time codes (hashed),
// and the SMS outbox (number and body sealed, the number also kept masked for agents).
const smsSecondFactor: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('organisations').addColumn('mfa_methods', 'text', (c) => c.notNull().defaultTo('app')).execute();
    await db.schema
      .createTable('sms_phones')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
      .addColumn('user_id', 'text', (c) => c.references('users.id'))
      .addColumn('staff_id', 'text', (c) => c.references('staff.id'))
      .addColumn('phone_sealed', 'text', (c) => c.notNull())
      .addColumn('phone_hash', 'text', (c) => c.notNull())
      .addColumn('masked_phone', 'text', (c) => c.notNull())
      .addColumn('confirmed_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sms_phones_user').on('sms_phones').column('user_id').execute();
    await db.schema.createIndex('sms_phones_staff').on('sms_phones').column('staff_id').execute();
    await db.schema
      .createTable('sms_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
      .addColumn('user_id', 'text', (c) => c.references('users.id'))
      .addColumn('staff_id', 'text', (c) => c.references('staff.id'))
      .addColumn('phone_id', 'text', (c) => c.notNull().references('sms_phones.id'))
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sms_codes_user').on('sms_codes').columns(['user_id', 'purpose', 'created_at']).execute();
    await db.schema.createIndex('sms_codes_staff').on('sms_codes').columns(['staff_id', 'purpose', 'created_at']).execute();
    await db.schema.createIndex('sms_codes_phone').on('sms_codes').column('phone_id').execute();
    await db.schema
      .createTable('sms_messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
      .addColumn('user_id', 'text', (c) => c.references('users.id'))
      .addColumn('staff_id', 'text', (c) => c.references('staff.id'))
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('masked_phone', 'text', (c) => c.notNull())
      .addColumn('phone_hash', 'text', (c) => c.notNull())
      .addColumn('to_sealed', 'text')
      .addColumn('body_sealed', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('lease_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sms_messages_user_created').on('sms_messages').columns(['user_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('sms_messages_staff_created').on('sms_messages').columns(['staff_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('sms_messages_due').on('sms_messages').columns(['status', 'next_attempt_at']).execute();
  },
};

// Staff sign in by email alone, across every organisation that has them: the unique
// (org_id, email) pair cannot serve that lookup.
const staffOrganisations: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('staff_email').on('staff').column('email').execute();
  },
};

// The pruner finds old text message codes by expiry and old messages by age.
const smsRetention: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('sms_codes_expires').on('sms_codes').column('expires_at').execute();
    await db.schema.createIndex('sms_messages_created').on('sms_messages').column('created_at').execute();
  },
};

// At a million people, each read an agent makes answers from an index range:
// - an event's registrants are counted as registrations change, in counter rows kept by
//   triggers (every writer, bulk or single, keeps them in step in its own transaction)
//   instead of counting hundreds of thousands of registrations per listing. Registrants
//   are every status but "unregistered" (COUNTED_STATUSES in events.ts). On PostgreSQL
//   a statement adds its change to one of 16 rows per event picked at random, so parallel
//   registrations to one event rarely wait for each other's row lock; SQLite has one
//   writer at a time, so one row per event.
// - a last-name search reads each last name under the prefix in full-name order;
// - a person's mail log reads (user, time, id) in index order, ties included.
const scaleIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    const apply = async (trx: Kysely<unknown>) => {
      await trx.schema
        .createTable('event_registrant_counts')
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('slot', 'integer', (c) => c.notNull())
        .addColumn('registrants', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('event_registrant_counts_pk', ['event_id', 'slot'])
        .execute();
      if (postgres) {
        // Statement-level, over the transition tables: a bulk insert of 1,000 rows costs
        // one counter update per event, not 1,000.
        for (const [operation, changes] of [
          ['insert', `select event_id, 1 as delta from new_rows where status <> 'unregistered'`],
          ['update', `select event_id, 1 as delta from new_rows where status <> 'unregistered' union all select event_id, -1 from old_rows where status <> 'unregistered'`],
          ['delete', `select event_id, -1 as delta from old_rows where status <> 'unregistered'`],
        ] as const) {
          await sql
            .raw(
              `create function count_registrants_${operation}() returns trigger language plpgsql as $$
              begin
                insert into event_registrant_counts (event_id, slot, registrants)
                select event_id, floor(random() * 16)::integer, sum(delta) from (${changes}) as changes
                group by event_id having sum(delta) <> 0 order by event_id
                on conflict (event_id, slot) do update set registrants = event_registrant_counts.registrants + excluded.registrants;
                return null;
              end $$`,
            )
            .execute(trx);
          const tables = { insert: 'new table as new_rows', update: 'old table as old_rows new table as new_rows', delete: 'old table as old_rows' }[operation];
          await sql
            .raw(`create trigger registrations_count_${operation} after ${operation} on registrations referencing ${tables} for each statement execute function count_registrants_${operation}()`)
            .execute(trx);
        }
      } else {
        const add = (event: string, delta: number) =>
          `insert into event_registrant_counts (event_id, slot, registrants) values (${event}, 0, ${delta}) on conflict (event_id, slot) do update set registrants = registrants + ${delta};`;
        await sql.raw(`create trigger registrations_count_insert after insert on registrations when new.status <> 'unregistered' begin ${add('new.event_id', 1)} end`).execute(trx);
        await sql.raw(`create trigger registrations_count_delete after delete on registrations when old.status <> 'unregistered' begin ${add('old.event_id', -1)} end`).execute(trx);
        await sql
          .raw(
            `create trigger registrations_count_update after update of status, event_id on registrations
            when (old.status <> 'unregistered') <> (new.status <> 'unregistered') or old.event_id <> new.event_id
            begin
              insert into event_registrant_counts (event_id, slot, registrants) select old.event_id, 0, -1 where old.status <> 'unregistered'
                on conflict (event_id, slot) do update set registrants = registrants - 1;
              insert into event_registrant_counts (event_id, slot, registrants) select new.event_id, 0, 1 where new.status <> 'unregistered'
                on conflict (event_id, slot) do update set registrants = registrants + 1;
            end`,
          )
          .execute(trx);
      }
      // The registrations already there, counted once the triggers see every later change.
      await sql`insert into event_registrant_counts (event_id, slot, registrants)
        select event_id, 0, count(*) from registrations where status <> 'unregistered' group by event_id
        on conflict (event_id, slot) do update set registrants = event_registrant_counts.registrants + excluded.registrants`.execute(trx);

      await trx.schema.dropIndex('users_org_last_name').execute();
      await trx.schema.createIndex('users_org_last_name').on('users').columns(['org_id', 'last_name_lc', 'full_name_lc', 'id']).execute();
      await trx.schema.dropIndex('emails_user_created').execute();
      await trx.schema.createIndex('emails_user_created').on('emails').columns(['user_id', 'created_at', 'id']).execute();
    };
    // The migrator wraps a migration in a transaction only where DDL is transactional
    // (PostgreSQL); on SQLite the triggers and the first count must commit together too,
    // or a registration in between would be counted twice.
    if (db.getExecutor().adapter.supportsTransactionalDdl) await apply(db);
    else await db.transaction().execute(apply);
  },
};

// On PostgreSQL an email-prefix search reads the people it finds from the email index
// alone: at a million people the table is larger than the server's buffer cache, and a
// search filtered by event visits a hundred or more rows before it has a page, each on a
// page of its own. SQLite already answers that search well within its budget.
const coveringEmailSearch: Migration = {
  async up(db: Kysely<unknown>) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    // The same uniqueness under the same name: inserts that skip a known address still
    // name (org_id, email) as their conflict.
    await sql`alter table users drop constraint users_org_email`.execute(db);
    await sql`create unique index users_org_email on users (org_id, email) include (id, first_name, last_name, full_name_lc, company)`.execute(db);
  },
};

const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_support_actions': supportActions,
  '0003_webhooks': webhooks,
  '0004_enrollment_owed': enrollmentOwed,
  '0005_byte_order_search': byteOrderSearch,
  '0006_platform_settings': platformSettings,
  '0007_activity_log': activityLog,
  '0008_bulk_runs': bulkRuns,
  '0009_api_token_revocation': apiTokenRevocation,
  '0010_partial_activity_indexes': partialActivityIndexes,
  '0011_scale_indexes': scaleIndexes,
  '0012_sms_second_factor': smsSecondFactor,
  '0013_staff_organisations': staffOrganisations,
  '0014_sms_retention': smsRetention,
  '0015_covering_email_search': coveringEmailSearch,
};

/** Whether the database has exactly the migrations above applied, as on most starts. */
async function upToDate(db: Kysely<any>): Promise<boolean> {
  const names = Object.keys(MIGRATIONS);
  try {
    const applied = await db.selectFrom('kysely_migration').select('name').execute();
    return applied.length === names.length && applied.every((row: { name: string }) => names.includes(row.name));
  } catch {
    return false; // a new database: no migration table yet
  }
}

export async function migrate(db: Kysely<any>): Promise<void> {
  // One read instead of the migrator's lock (a write) and checks, which every CLI command
  // on the embedded platform would otherwise pay.
  if (await upToDate(db)) return;
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${(error as Error).message ?? error}`);
  }
}
