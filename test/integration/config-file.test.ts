// The config file as t1 reads and writes it: plain JSON, written whole with mode 0600, and
// a file that is not t1 configuration refused with a clear error and left as it was.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { removeScratch, scratch } from './support.ts';

afterAll(removeScratch);

const t1 = (home: string, args: string[]) => runT1(args, { env: { T1_HOME: home } });

describe('the config file', () => {
  it('is JSON with the active profile and the profiles, mode 0600, readable by the next command', async () => {
    const home = scratch();
    expect((await t1(home, ['config', 'set', 'timeout', '12'])).exitCode).toBe(0);
    expect((await t1(home, ['--profile', 'staging', 'config', 'set', 'api-url', 'https://staging.example.com'])).exitCode).toBe(0);
    const file = join(home, 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      activeProfile: 'default',
      profiles: { default: { timeout: 12 }, staging: { apiUrl: 'https://staging.example.com' } },
    });
    const get = await t1(home, ['config', 'get', 'timeout']);
    expect(get).toEqual({ exitCode: 0, stdout: '12\n', stderr: '' });
  });

  it.each([
    ['not JSON', '{"activeProfile": "default", '],
    ['JSON of the wrong shape', '["default"]'],
    ['profiles that are not an object', '{"activeProfile": "default", "profiles": "none"}'],
  ])('%s: a usage error naming the file, and the file is not touched', async (_case, text) => {
    const home = scratch();
    const file = join(home, 'config.json');
    writeFileSync(file, text, { mode: 0o600 });
    for (const args of [['config', 'list'], ['config', 'set', 'timeout', '5']]) {
      const result = await t1(home, args);
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`Error: The configuration file ${file} is not valid t1 configuration.\nCorrect it, or move it away and sign in again ("t1 login").\n`);
    }
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});
