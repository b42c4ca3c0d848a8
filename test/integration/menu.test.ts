// The menu (t1 with no arguments on a terminal) puts troubleshooting first and can run
// the commands a diagnosis suggests, as the agent picks them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { json, startActionWorld, type ActionWorld } from '../helpers/action-kit.ts';
import { scriptedPrompter } from '../helpers/scripted-prompter.ts';

let world: ActionWorld;
beforeAll(async () => {
  world = await startActionWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('the menu', () => {
  it('diagnoses a locked person and runs the unlock it suggests', async () => {
    const prompter = scriptedPrompter([
      { select: 'diagnose' },
      { input: DEMO_EXAMPLES.lockedPerson },
      { select: /Unlock the account/ },
      { confirm: true },
      { select: 'quit' },
    ]);
    const result = await world.t1([], { tty: true, prompter });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(prompter.asked[0]).toBe('What do you need?');
    expect(result.stdout).toContain('✗');
    expect(result.stdout).toMatch(/unlocked|no longer locked/i);
    const show = json(await world.t1(['users', 'show', DEMO_EXAMPLES.lockedPerson, '--json']));
    expect(show.account.locked).toBe(false);
  });

  it('offers the next step of a status and goes back to the menu when asked', async () => {
    const prompter = scriptedPrompter([
      { select: 'status' },
      { input: DEMO_EXAMPLES.pendingVerificationPerson },
      { select: 'back' },
      { select: 'quit' },
    ]);
    const result = await world.t1([], { tty: true, prompter });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(prompter.asked).toContain('Run one of the suggested commands?');
    expect(prompter.left()).toBe(0);
  });
});
