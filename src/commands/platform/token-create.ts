// t1 platform token create --role R [--expires 90d|never]: issues an API token straight
// into a platform database (how the first token of a new platform comes to be). Printed once.
import type { StaffRole } from '../../contract/vocabulary.ts';
import { parseTokenLifetime, type TokenLifetime } from '../../contract/token-lifetime.ts';
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { expiryText } from '../tokens/list.ts';
import { openPlatform } from '../../platform/platform.ts';
import { issueApiToken } from '../../platform/services/staff-auth.ts';
import { describeDatabase, platformDatabase } from './database.ts';

export interface Options {
  role: StaffRole;
  name?: string;
  db?: string;
  orgName: string;
  /** "90d", "12h", "1y" or "never"; a year when left out. */
  expires?: string;
}

export interface View {
  token: string;
  id: string;
  role: StaffRole;
  name: string;
  organisation: string;
  database: string;
  /** Null: it never expires. */
  expiresAt: string | null;
}

function lifetimeOf(text: string | undefined): TokenLifetime | undefined {
  if (text === undefined) return undefined;
  const lifetime = parseTokenLifetime(text);
  if (typeof lifetime === 'object' && 'problem' in lifetime) throw usageError(`--expires "${text}" ${lifetime.problem}.`);
  return lifetime;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const lifetime = lifetimeOf(options.expires);
  const { location } = platformDatabase(options.db, deps);
  const platform = await openPlatform({ database: location, publicUrl: 'http://127.0.0.1:4747', env: deps.env });
  try {
    const { db, clock, tokens } = platform.ctx;
    let org = await db.selectFrom('organisations').select(['id', 'name']).orderBy('created_at').executeTakeFirst();
    if (!org) {
      // A brand-new platform: its first token comes with its organisation.
      org = { id: `org_${tokens.id()}`, name: options.orgName };
      await db
        .insertInto('organisations')
        .values({ ...org, mfa_policy: 'off', ticket_required: 0, created_at: clock.now().toISOString() })
        .execute();
    }
    const name = options.name ?? `${options.role} token`;
    const issued = await issueApiToken(db, platform.ctx, {
      orgId: org.id,
      role: options.role,
      name,
      createdBy: 't1 platform token create',
      lifetime,
    });
    return {
      token: issued.token,
      id: issued.id,
      role: options.role,
      name,
      organisation: org.name,
      database: describeDatabase(location),
      expiresAt: issued.expiresAt,
    };
  } finally {
    await platform.close();
  }
}

export function render(view: View, out: Output): void {
  out.line(view.token);
  out.notice(`Created ${view.role} token "${view.name}" (${view.id}) for ${view.organisation} in ${view.database}.`);
  out.notice(view.expiresAt === null ? 'It never expires; revoke it with "t1 platform token revoke" when it is no longer needed.' : `It expires on ${expiryText(view.expiresAt)}.`);
  out.notice('It is shown only this once; store it somewhere safe.');
}
