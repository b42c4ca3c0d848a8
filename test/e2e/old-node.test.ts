// On a Node.js older than t1 needs, bin/t1.js says so in one line and exits 1, before it
// loads anything that the old Node would fail on. Run with the machine's own older Node
// when it has one (the tests themselves run on a current Node).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cleanupAll, runCommand } from '../helpers/spawn.ts';

afterAll(cleanupAll);

const CANDIDATES = ['/usr/bin/node', '/usr/local/bin/node', '/bin/node'];

function versionOf(node: string): string | undefined {
  const result = spawnSync(node, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim().replace(/^v/, '') : undefined;
}

const tooOld = (version: string) => {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < 22 || (major === 22 && minor < 22);
};

const oldNode = CANDIDATES.filter(existsSync)
  .map((path) => ({ path, version: versionOf(path) }))
  .find((node): node is { path: string; version: string } => node.version !== undefined && tooOld(node.version));

describe.skipIf(!oldNode)(`t1 on an older Node.js (${oldNode?.path ?? 'none on this machine'})`, () => {
  it.each(['--version', 'users find priya', '--help'])('t1 %s: one line naming the versions, exit 1', async (line) => {
    const result = await runCommand(oldNode!.path, [BIN, ...line.split(' ')]);
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `t1 needs Node.js 22.22 or later; this is ${oldNode!.version}.\n`,
    });
  });
});
