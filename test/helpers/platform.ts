// A real platform for tests: a temporary SQLite file, the demo organisation, one API
// token per role, listening on loopback.
import { mkdtempSync, rmSync } from 'node:fs';
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
  platform: Platform;
  tokens: Record<StaffRole, string>;
  /** Environment that points t1 at this platform with the given role's token. */
  env(role?: StaffRole): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export function tempDir(prefix = 't1-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestPlatform(options: { clock?: Clock; seed?: boolean } = {}): Promise<TestPlatform> {
  const dir = tempDir();
  const platform = await openPlatform({
    database: join(dir, 'platform.db'),
    publicUrl: 'http://127.0.0.1:4747',
    env: {},
    clock: options.clock,
  });
  if (options.seed !== false) await seedDemo(platform.ctx.db, platform.ctx);
  const tokens = {} as Record<StaffRole, string>;
  for (const role of ['viewer', 'agent', 'admin'] as const) {
    tokens[role] = (
      await issueApiToken(platform.ctx.db, platform.ctx, { orgId: DEMO_ORG_ID, role, name: `test ${role}`, createdBy: 'test' })
    ).token;
  }
  const url = await platform.listen('127.0.0.1', 0);
  return {
    url,
    dir,
    platform,
    tokens,
    env: (role = 'agent') => ({ T1_API_URL: url, T1_TOKEN: tokens[role], T1_HOME: join(dir, 'home') }),
    async close() {
      await platform.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
