// How an agent's machine gets t1: `npm pack` in a clone builds the bundle and makes a
// tarball of what t1 needs; `npm install -g` of that tarball, without development
// dependencies, gives a `t1` that runs. And a clone installed with `npm ci --omit=dev`
// (no build tools) stops with a message saying what to do instead.
import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { cleanupAll, freshDir, killTestChildren, REPO_ROOT, runCommand, type RunResult } from '../helpers/spawn.ts';

afterEach(killTestChildren);
afterAll(cleanupAll);

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** What a clone holds that building and packing t1 read (not the tests, not node_modules). */
const CLONE_ENTRIES = ['package.json', 'package-lock.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'scripts', 'src'];

function clone(): string {
  const dir = freshDir('t1-clone-');
  for (const entry of CLONE_ENTRIES) cpSync(join(REPO_ROOT, entry), join(dir, entry), { recursive: true });
  return dir;
}

// npm's own settings from the `npm test` this may run under are not the child's business.
const withoutNpmSettings = () => Object.fromEntries(Object.keys(process.env).filter((key) => key.startsWith('npm_')).map((key) => [key, undefined]));

function npm(args: string[], cwd: string, timeoutMs = 60_000): Promise<RunResult> {
  return runCommand('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd, timeoutMs, env: withoutNpmSettings() });
}

describe('installing t1 on a machine without development tools', () => {
  it('npm pack builds a tarball of bin/, the bundle and package.json; npm install -g of it runs t1 --version and users find', { timeout: 120_000 }, async () => {
    const source = clone();
    // The clone's development dependencies (esbuild) are the repository's own.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
    const out = freshDir('t1-pack-');
    const packed = await npm(['pack', '--json', '--pack-destination', out], source);
    expect(packed.code, packed.stderr).toBe(0);
    const [tarball] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const files = tarball!.files.map((file) => file.path);
    expect(files).toContain('bin/t1.js');
    expect(files).toContain('bundle/main.js');
    // Only what running t1 needs: no sources, tests, build scripts or compiler output.
    expect(files.filter((path) => !/^(bin\/t1\.js|bundle\/[\w-]+\.js|package\.json|README\.md)$/.test(path))).toEqual([]);

    const prefix = freshDir('t1-prefix-');
    const installed = await npm(['install', '--global', '--prefix', prefix, '--omit=dev', join(out, tarball!.filename)], out);
    expect(installed.code, installed.stderr).toBe(0);
    expect(existsSync(join(prefix, 'lib', 'node_modules', 't1', 'node_modules', 'typescript'))).toBe(false);
    const t1 = join(prefix, 'bin', 't1');

    const version = await runCommand(t1, ['--version'], { cwd: out });
    expect(version).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });

    const home = freshDir('t1-home-');
    const found = await runCommand(t1, ['users', 'find', 'priya'], { cwd: out, home, timeoutMs: 30_000 });
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toContain(DEMO_EXAMPLES.personWithSeveralRegistrations);
    expect(found.stderr).toContain('Using the embedded demo platform');

    // Every troubleshooting topic of the sources is in the bundle.
    const topics = await runCommand(t1, ['troubleshoot', 'list', '--json'], { cwd: out, home });
    expect(topics.code, topics.stderr).toBe(0);
    const topicFiles = readdirSync(join(REPO_ROOT, 'src', 'troubleshoot', 'topics')).filter((name) => name.endsWith('.ts'));
    expect((JSON.parse(topics.stdout) as { topics: unknown[] }).topics.length).toBe(topicFiles.length);
  });

  it('npm ci --omit=dev in a clone stops with what to do instead of a missing compiler', { timeout: 120_000 }, async () => {
    const source = clone();
    const result = await npm(['ci', '--omit=dev'], source, 90_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('t1 cannot be built here: its build tools are development dependencies');
    expect(result.stderr).toContain('npm install -g ./t1-<version>.tgz');
    expect(result.stderr).not.toMatch(/Cannot find (module|package)/);
  });
});
