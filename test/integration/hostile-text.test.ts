// Text that people type reaches agents' terminals. The platform refuses control
// characters in what people submit, and t1 drops any that are already stored, so a name
// can never clear the screen, retitle the window or forge output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { personRow } from '../helpers/people.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { withoutControlCharacters } from '../../src/client/sanitize.ts';

const HOSTILE = 'Eve\u001b]0;owned\u0007\u001b[2J\u001b[31m\u009b1m';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
  await platform.platform.ctx.db
    .insertInto('users')
    .values({
      ...personRow({ id: 'usr_hostile', email: 'eve.hostile@contoso.example', first: 'eve', last: 'Mallory', company: 'Evil\u001b[0m Corp' }),
      first_name: HOSTILE,
    })
    .execute();
});
afterAll(async () => {
  await platform.close();
});

describe('control characters in stored text', () => {
  it('never reach the terminal, table or plain output', async () => {
    for (const tty of [true, false]) {
      const result = await runT1(['users', 'find', 'eve.hostile'], { env: platform.env(), tty });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain('Eve]0;owned[2J[31m1m');
      expect(result.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    }
    const show = await runT1(['users', 'show', 'eve.hostile@contoso.example', '--json'], { env: platform.env() });
    expect(JSON.parse(show.stdout).company).toBe('Evil[0m Corp');
  });

  it('are dropped from every string of a response, keeping newlines', () => {
    expect(withoutControlCharacters({ a: ['x\u001by', 'line\nbreak'], n: 3, b: null })).toEqual({ a: ['xy', 'line\nbreak'], n: 3, b: null });
  });
});

describe('control characters in submitted text', () => {
  it('are refused when an agent invites someone', async () => {
    const result = await runT1(
      ['invitations', 'send', 'new.person@contoso.example', '--event', 'product-summit-2027', '--first-name', 'New\u001b[2J', '--last-name', 'Person', '--yes'],
      { env: platform.env() },
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('must not contain control characters');
  });
});
