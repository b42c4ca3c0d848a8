// `t1 --version`, `t1 --help`, per-command help and bare `t1` through the real binary.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, killTestChildren, REPO_ROOT, runT1 } from '../helpers/spawn.ts';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

afterEach(killTestChildren);
afterAll(cleanupAll);

describe('t1 help and version (spawned)', () => {
  it('--version prints the package.json version and nothing else', async () => {
    const result = await runT1(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${pkg.version}\n`);
    expect(result.stderr).toBe('');
  });

  it('-V is the same as --version', async () => {
    const result = await runT1(['-V']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('--help lists every command group and exits 0', async () => {
    const result = await runT1(['--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: t1 /);
    const commands = result.stdout.slice(result.stdout.indexOf('Commands:'));
    for (const group of ['users', 'status', 'events', 'login', 'logout', 'whoami', 'config', 'profiles', 'platform']) {
      expect(commands, `help lists "${group}"`).toMatch(new RegExp(`^  ${group}\\b`, 'm'));
    }
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toMatch(/Exit codes: 0 ok/);
  });

  it('users find --help shows usage, options and examples', async () => {
    const result = await runT1(['users', 'find', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: t1 users find \[options\] <query>/);
    expect(result.stdout).toContain('--limit <n>');
    expect(result.stdout).toMatch(/Examples:\n(  \$ t1 users find .+\n)+/);
  });

  it('bare t1 with stdin not a TTY prints help on stdout and exits 0', async () => {
    const result = await runT1([], { stdin: '' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: t1 /);
    expect(result.stdout).toContain('Commands:');
    expect(result.stderr).toBe('');
  });

  it('an unknown command is a usage error (exit 2) on stderr', async () => {
    const result = await runT1(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  // A closed pipe (`t1 --help | head -1`) is an expected end of output, not a crash.
  it('does not crash with a stack trace when stdout is closed early', async () => {
    const result = await runT1(['--help'], { closeStdout: true });
    expect(result.stderr).not.toMatch(/Unhandled 'error' event|EPIPE|\n\s+at /);
    expect(result.code === 0 || result.signal === 'SIGPIPE').toBe(true);
  });
});
