// The platform t1 starts in-process when no platform is configured: a SQLite file in the
// data folder, seeded with the demo organisation on first use, listening on loopback
// only, with an admin token for the CLI kept in a file only the owner can read.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tokenKeys } from './clock.ts';
import { cliTokenFile, readCliToken } from './embedded-serving.ts';
import { openPlatform, type Platform } from './platform.ts';
import { DEMO_ORG_ID, seedDemo } from './seed/demo.ts';
import { issueApiToken } from './services/staff-auth.ts';
import type { PlatformContext } from './context.ts';

/** Links in emails and QR codes point here; `t1 platform start` serves it by default. */
export const EMBEDDED_PUBLIC_URL = 'http://127.0.0.1:4747';

export interface EmbeddedPlatform {
  url: string;
  token: string;
  /** True when this start created the demo data. */
  seeded: boolean;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  publicUrl?: string;
}

export function embeddedDatabase(dataDir: string): string {
  return join(dataDir, 'platform.db');
}

/**
 * The admin token the CLI uses on the embedded database, kept in `<dataDir>/cli-token`
 * (mode 0600): the one in the file while it is still valid, else a new one. Both the
 * in-process platform and `t1 platform start` (without --db) make sure it exists.
 */
export async function ensureCliToken(ctx: PlatformContext, dataDir: string): Promise<string> {
  const existing = readCliToken(dataDir);
  if (existing) {
    const row = await ctx.db
      .selectFrom('tokens')
      .select('id')
      .where('hash', 'in', tokenKeys(existing))
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', ctx.clock.now().toISOString())]))
      .executeTakeFirst();
    if (row) return existing;
  }
  const issued = await issueApiToken(ctx.db, ctx, {
    orgId: DEMO_ORG_ID,
    role: 'admin',
    name: 'embedded t1',
    createdBy: 'embedded platform',
  });
  writeFileSync(cliTokenFile(dataDir), `${issued.token}\n`, { mode: 0o600 });
  return issued.token;
}

export async function startEmbeddedPlatform(options: EmbeddedOptions): Promise<EmbeddedPlatform> {
  const platform: Platform = await openPlatform({
    database: embeddedDatabase(options.dataDir),
    publicUrl: options.publicUrl ?? EMBEDDED_PUBLIC_URL,
    env: options.env,
    smtpUrl: options.env.T1_SMTP_URL,
  });
  try {
    const { created } = await seedDemo(platform.ctx.db, platform.ctx);
    const token = await ensureCliToken(platform.ctx, options.dataDir);
    const url = await platform.listen('127.0.0.1', 0);
    return {
      url,
      token,
      seeded: created,
      async close() {
        // The CLI exits right after its command: send what the command queued first.
        await platform.delivery?.deliverDue();
        await platform.close();
      },
    };
  } catch (error) {
    await platform.close();
    throw error;
  }
}
