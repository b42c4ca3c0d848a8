// Whether t1 colours its output, decided the way chalk decides for the real process: piped
// output has no colour unless FORCE_COLOR asks for it, and NO_COLOR or --no-color always
// take it out. `t1 status` styles its "Next step:" label whether or not stdout is a terminal.
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { ANSI_SGR, cleanupAll, freshDir, killTestChildren, runT1, runT1InPty } from '../helpers/spawn.ts';

const hasScript = existsSync('/usr/bin/script');
const STATUS = ['status', DEMO_EXAMPLES.personWithOneRegistration];

afterEach(killTestChildren);
afterAll(cleanupAll);

describe('colour', () => {
  let home: string;

  beforeAll(async () => {
    // Seed the embedded platform once, so each run below is quick.
    home = freshDir('t1-home-');
    const seeded = await runT1(['users', 'find', 'x'], { home });
    expect(seeded.code, seeded.stderr).toBe(0);
  }, 60_000);

  it('piped: no colour', async () => {
    const result = await runT1(STATUS, { home });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Next step:');
    expect(result.stdout).not.toMatch(ANSI_SGR);
  });

  it('piped with FORCE_COLOR=1: colour', async () => {
    const result = await runT1(STATUS, { home, env: { FORCE_COLOR: '1' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\x1b\[1mNext step:\x1b\[22m/);
  });

  it('NO_COLOR wins over FORCE_COLOR', async () => {
    const result = await runT1(STATUS, { home, env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Next step:');
    expect(result.stdout).not.toMatch(ANSI_SGR);
  });

  it('--no-color wins over FORCE_COLOR', async () => {
    const result = await runT1(['--no-color', ...STATUS], { home, env: { FORCE_COLOR: '1' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Next step:');
    expect(result.stdout).not.toMatch(ANSI_SGR);
  });

  it.runIf(hasScript)('on a terminal, FORCE_COLOR=0 takes the colour out', async () => {
    const result = await runT1InPty(STATUS, { home, env: { FORCE_COLOR: '0' } });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain('Next step:');
    expect(result.stdout).not.toMatch(ANSI_SGR);
  });

  it.runIf(hasScript)('on a terminal, an empty NO_COLOR does not count (no-color.org)', async () => {
    const result = await runT1InPty(STATUS, { home, env: { NO_COLOR: '' } });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/\x1b\[1mNext step:\x1b\[22m/);
  });
});
