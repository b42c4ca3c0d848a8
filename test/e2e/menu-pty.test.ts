// `t1` with no arguments on a terminal opens the menu: the test picks "Find a person",
// types a name, sees the table, then quits with the arrow keys, as a person would.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { hasPython3, startT1InPty } from '../helpers/pty.ts';
import { cleanupAll, killTestChildren } from '../helpers/spawn.ts';

afterEach(killTestChildren);
afterAll(cleanupAll);

const DOWN = '\x1b[B';

describe.runIf(hasPython3)('t1 with no arguments on a terminal', () => {
  it('finds a person from the menu and quits', async () => {
    const pty = startT1InPty([], { timeoutMs: 25_000 });
    await pty.expect(/What do you need\?/);
    pty.send(DOWN + DOWN + '\r'); // "Find a person" comes after the two troubleshooting choices
    await pty.expect(/Email or name/);
    pty.sendLine(DEMO_EXAMPLES.searchName);
    await pty.expect(/priya\.sharma@contoso\.example/);
    expect(pty.transcript()).toMatch(/Name.*Email.*Company/);
    expect(pty.transcript()).toContain('priya.natarajan@fabrikam.example');
    await pty.expect(/What do you need\?/);
    pty.send(DOWN.repeat(6) + '\r'); // Quit
    const exit = await pty.exited;
    expect(exit.code).toBe(0);
  });

  it('checks a registration status from the menu', async () => {
    const pty = startT1InPty([], { timeoutMs: 25_000 });
    await pty.expect(/What do you need\?/);
    pty.send(DOWN.repeat(3) + '\r'); // "Check a registration status"
    await pty.expect(/Person's email/);
    pty.sendLine(DEMO_EXAMPLES.personWithOneRegistration);
    await pty.expect(/Next step:/);
    expect(pty.transcript()).toContain('registered/login_link_sent');
    await pty.expect(/Run one of the suggested commands\?/);
    expect(pty.transcript()).toContain('t1 magic-link create ngozi.okafor@litware.example --event customer-day-live --send');
    pty.send(DOWN + '\r'); // Back to the menu
    await pty.expect(/What do you need\?/);
    pty.send('\x03'); // Ctrl-C leaves the menu, as cancelled
    const exit = await pty.exited;
    expect(exit.code).toBe(130);
  });
});
