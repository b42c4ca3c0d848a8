// `t1 login` on a real terminal (test/helpers/pty_driver.py) enrolling a phone: the arrow
// key picks text messages, the number is typed, and the code texted to it (read from the
// captured message, as the phone would show it) signs in. The platform runs in the test.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES, DEMO_ORG_ID, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import { hasPython3, startT1InPty } from '../helpers/pty.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { cleanupAll, exitWithin, freshDir, killTestChildren } from '../helpers/spawn.ts';

const STAFF = DEMO_EXAMPLES.adminStaff;
const DOWN = '\x1b[B';

let platform: TestPlatform;

async function textedCode(): Promise<string> {
  const db = platform.platform.ctx.db;
  const staff = await db.selectFrom('staff').select('id').where('email', '=', STAFF).where('org_id', '=', DEMO_ORG_ID).executeTakeFirstOrThrow();
  const row = await db.selectFrom('sms_messages').select('body_sealed').where('staff_id', '=', staff.id).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirstOrThrow();
  return /\b(\d{6})\b/.exec(platform.platform.ctx.secrets.open(row.body_sealed!))![1]!;
}

afterEach(killTestChildren);

describe.runIf(hasPython3)('t1 login enrolling a phone on a terminal (PTY)', () => {
  beforeAll(async () => {
    platform = await startTestPlatform({ signInDelayMs: () => 0 });
    await platform.platform.ctx.db.updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
  });
  afterAll(async () => {
    await platform?.close();
    await cleanupAll();
  });

  it('picks text messages, types the number, signs in with the texted code; the number shows only masked', async () => {
    const pty = startT1InPty(['login', '--api-url', platform.url, '--email', STAFF], { home: freshDir('t1-home-'), timeoutMs: 25_000 });
    await pty.expect(/Password/);
    pty.sendLine(DEMO_PASSWORD);
    await pty.expect(/How do you want to get your codes\?/);
    pty.send(DOWN);
    await pty.expect(/Text message/);
    pty.sendLine('');
    await pty.expect(/Mobile number, with its country code/);
    pty.sendLine('+44 7911 123456');
    await pty.expect(/Code texted to \+44 •+456/);
    pty.sendLine(await textedCode());
    await pty.expect(/Recovery codes \(each works once/);
    const exit = await exitWithin(pty.exited, 10_000);
    expect(exit.code, exit.transcript).toBe(0);
    expect(exit.transcript.replace(/\s+/g, ' ')).toContain(`as ${STAFF} (admin, Northwind Events)`);
    // The typed number is echoed once, where it was typed; nothing after it repeats it.
    const afterTyping = exit.transcript.slice(exit.transcript.indexOf('Code texted to'));
    expect(afterTyping).not.toMatch(/7911\s*123\s*456/);
  });
});
