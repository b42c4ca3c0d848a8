// A real platform for tests: a temporary SQLite file, the demo organisation, one API
// token per role, listening on loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { DEMO_ORG_ID, seedDemo } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import type { Clock } from '../../src/platform/clock.ts';
import type { StaffRole } from '../../src/contract/vocabulary.ts';

export interface TestPlatform {
  url: string;
  dir: string;
  /** The SQLite file. */
  database: string;
  platform: Platform;
  tokens: Record<StaffRole, string>;
  /** Environment that points t1 at this platform with the given role's token. */
  env(role?: StaffRole): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export interface TestPlatformOptions {
  clock?: Clock;
  seed?: boolean;
  /** Deliver mail through this SMTP server (otherwise mail is only captured). */
  smtpUrl?: string;
  mailPollMs?: number;
  /**
   * Base URL put into emailed links. 'self' listens on a port reserved up front and
   * uses that address, so the links in mails lead back to this very platform.
   * Default: http://127.0.0.1:4747 (nothing listens there).
   */
  publicUrl?: string | 'self';
  signInDelayMs?: (failures: number) => number;
  /** Request log (JSON lines). */
  logStream?: NodeJS.WritableStream;
}

export function tempDir(prefix = 't1-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A free loopback port (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const dir = tempDir();
  const database = join(dir, 'platform.db');
  const port = options.publicUrl === 'self' ? await freePort() : 0;
  const publicUrl = options.publicUrl === 'self' ? `http://127.0.0.1:${port}` : (options.publicUrl ?? 'http://127.0.0.1:4747');
  const platform = await openPlatform({
    database,
    publicUrl,
    env: {},
    clock: options.clock,
    smtpUrl: options.smtpUrl,
    mailPollMs: options.mailPollMs,
    signInDelayMs: options.signInDelayMs,
    logStream: options.logStream,
  });
  if (options.seed !== false) await seedDemo(platform.ctx.db, platform.ctx);
  const tokens = {} as Record<StaffRole, string>;
  for (const role of ['viewer', 'agent', 'admin'] as const) {
    tokens[role] = (
      await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role, name: `test ${role}`, createdBy: 'test' })
    ).token;
  }
  const url = await platform.listen('127.0.0.1', port);
  return {
    url,
    dir,
    database,
    platform,
    tokens,
    env: (role = 'agent') => ({ T1_API_URL: url, T1_TOKEN: tokens[role], T1_HOME: join(dir, 'home') }),
    async close() {
      await platform.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
