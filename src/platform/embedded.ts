// The platform t1 starts in-process when no platform is configured: a SQLite file in the
// data folder, seeded with the demo organisation on first use, listening on loopback
// only, with an admin token for the CLI kept in a file only the owner can read.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken } from './clock.ts';
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

async function cliToken(ctx: PlatformContext, file: string): Promise<string> {
  let existing: string | undefined;
  try {
    existing = readFileSync(file, 'utf8').trim();
  } catch {
    existing = undefined;
  }
  if (existing) {
    const row = await ctx.db
      .selectFrom('tokens')
      .select('id')
      .where('hash', '=', hashToken(existing))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (row) return existing;
  }
  const issued = await issueApiToken(ctx.db, ctx, {
    orgId: DEMO_ORG_ID,
    role: 'admin',
    name: 'embedded t1',
    createdBy: 'embedded platform',
  });
  writeFileSync(file, `${issued.token}\n`, { mode: 0o600 });
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
    const token = await cliToken(platform.ctx, join(options.dataDir, 'cli-token'));
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
