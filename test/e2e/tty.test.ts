// On a real terminal (a PTY from util-linux `script`), results are a table; NO_COLOR and
// --no-color take the colour out.
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { ANSI_SGR, freshDir, cleanupAll, killTestChildren, runT1, runT1InPty } from '../helpers/spawn.ts';

const hasScript = existsSync('/usr/bin/script');

afterEach(killTestChildren);
afterAll(cleanupAll);

describe.runIf(hasScript)('t1 on a terminal (spawned in a PTY)', () => {
  let home: string;

  beforeAll(async () => {
    // Seed the embedded platform once, so each PTY run below is quick.
    home = freshDir('t1-home-');
    const seeded = await runT1(['users', 'find', 'x'], { home });
    expect(seeded.code, seeded.stderr).toBe(0);
  });

  it('users find prints a box-drawn table with a Name header', async () => {
    const result = await runT1InPty(['users', 'find', DEMO_EXAMPLES.searchName], { home });
    expect(result.code, result.stdout).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/[┌┬┐]/);
    expect(out).toMatch(/[└┴┘]/);
    expect(out).toContain('│');
    expect(out).toMatch(/│ (\x1b\[\d+m)?Name(\x1b\[\d+m)? +│/);
    expect(out).toContain(DEMO_EXAMPLES.personWithSeveralRegistrations);
    // Not the plain rows of a pipe.
    expect(out).not.toMatch(/\t/);
  });

  it('styles the table header when colour is allowed', async () => {
    const result = await runT1InPty(['users', 'find', DEMO_EXAMPLES.searchName], { home });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(ANSI_SGR);
  });

  it('NO_COLOR=1 leaves no ANSI colour escapes', async () => {
    const result = await runT1InPty(['users', 'find', DEMO_EXAMPLES.searchName], { home, env: { NO_COLOR: '1' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Name');
    expect(result.stdout).toContain('│');
    expect(result.stdout).not.toMatch(ANSI_SGR);
  });

  it('--no-color leaves no ANSI colour escapes', async () => {
    const result = await runT1InPty(['--no-color', 'users', 'find', DEMO_EXAMPLES.searchName], { home });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('│');
    expect(result.stdout).not.toMatch(ANSI_SGR);
  });

  it('status on a terminal prints an aligned record, not tab-separated pairs', async () => {
    const result = await runT1InPty(['--no-color', 'status', DEMO_EXAMPLES.personWithOneRegistration], { home });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^Status +\S/m);
    expect(result.stdout).toMatch(/^Stage +\S/m);
    expect(result.stdout).not.toMatch(/^Status\t/m);
  });
});
