// Schema migrations, run on every start. Kysely's migrator records what ran, so running
// them again is a no-op; each migration is written once and never edited afterwards.
import type { Kysely } from 'kysely';
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

const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
};

export async function migrate(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${(error as Error).message ?? error}`);
  }
}
