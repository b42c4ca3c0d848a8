// `t1 --version`, `t1 --help`, per-command help, help topics and bare `t1` through the
// real binary; the walk over every command's help runs in-process.
import { readdirSync, readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import type { Command as Commander } from 'commander';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { runT1 as runInProcess } from '../helpers/cli.ts';
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

  it('help <command path> shows the help of the deepest command, as --help does', async () => {
    const viaHelp = await runT1(['help', 'users', 'find']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toMatch(/^Usage: t1 users find \[options\] <query>/);
    expect(viaHelp.stdout).toBe((await runT1(['users', 'find', '--help'])).stdout);
    expect((await runT1(['help', 'platform', 'token', 'create'])).stdout).toMatch(/^Usage: t1 platform token create \[options\]/);
  });

  it('help of an unknown command or topic is a usage error (exit 2) on stderr', async () => {
    const result = await runT1(['help', 'users', 'frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: no command or help topic "users frobnicate"$/m);
  });

  it('leaf help lists the global options too', async () => {
    const result = await runT1(['help', 'status']);
    const global = result.stdout.slice(result.stdout.indexOf('Global Options:'));
    for (const flag of ['--json', '--no-color', '--no-input', '--verbose', '--profile <name>', '--api-url <url>']) expect(global).toContain(flag);
  });

  it('root help lists the help topics', async () => {
    const result = await runT1(['--help']);
    expect(result.stdout).toMatch(/^Help topics \(t1 help <topic>\):\n  environment +\S.*\n  exit-codes +\S/m);
  });

  it('help environment explains every environment variable the code reads', async () => {
    const result = await runT1(['help', 'environment']);
    expect(result.code).toBe(0);
    // A variable read by a library (FORCE_COLOR, by chalk) does not show up in src/, so it is named here.
    const documented = ['T1_API_URL', 'T1_TOKEN', 'T1_PROFILE', 'T1_TIMEOUT', 'T1_HOME', 'T1_SECRET_KEY', 'T1_SMTP_URL', 'NO_COLOR', 'FORCE_COLOR', 'CI'];
    for (const name of new Set([...documented, ...variablesReadBySource()])) expect(result.stdout, `explains ${name}`).toMatch(new RegExp(`^  ${name} +\\S.{10,}$`, 'm'));
  });

  it('help exit-codes gives the meaning of every exit code', async () => {
    const result = await runT1(['help', 'exit-codes']);
    expect(result.code).toBe(0);
    for (const code of Object.values(EXIT)) expect(result.stdout).toMatch(new RegExp(`^  ${code} +\\S.{5,}$`, 'm'));
  });
});

/** Every NAME in `env.NAME` or `'NAME' in env` anywhere in src/. */
function variablesReadBySource(): string[] {
  const names = new Set<string>();
  const sources = readdirSync(join(REPO_ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  for (const file of sources) {
    const text = readFileSync(join(REPO_ROOT, 'src', file), 'utf8');
    for (const match of text.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b|'([A-Z][A-Z0-9_]*)' in env\b/g)) names.add(match[1] ?? match[2]!);
  }
  return [...names].sort();
}

function commandPaths(command: Commander, path: string[] = []): string[][] {
  return command.commands.flatMap((sub) => [[...path, sub.name()], ...commandPaths(sub, [...path, sub.name()])]);
}

describe('the help of every command (in-process)', () => {
  const stream = new PassThrough();
  const program = buildProgram({ stdin: stream, stdout: stream, stderr: stream, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false }, {}, { exitCode: 0 }, {});
  const paths = commandPaths(program).filter((path) => !path.includes('__complete') && path.at(-1) !== 'help');

  it.each(paths.map((path) => [path.join(' ')]))('t1 %s --help has examples', async (line) => {
    const result = await runInProcess([...line.split(' '), '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: t1 ${line} `));
    expect(result.stdout).toMatch(/\nExamples:\n(  \$ .+\n)+/);
  });
});
