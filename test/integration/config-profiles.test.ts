// Settings and profiles touch no platform: every test gets its own T1_HOME.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { removeScratch, rows, scratch } from './support.ts';

afterAll(removeScratch);

const t1 = (home: string, args: string[], options: { env?: NodeJS.ProcessEnv; tty?: boolean } = {}) =>
  runT1(args, { env: { T1_HOME: home, ...options.env }, tty: options.tty });

async function getJson(home: string, key: string, env: NodeJS.ProcessEnv = {}, flags: string[] = []) {
  const result = await t1(home, [...flags, 'config', 'get', key, '--json'], { env });
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.stdout) as { key: string; value: string | null; source: string | null };
}

describe('t1 config', () => {
  it('set api-url saves it in the profile (file mode 0600); get prints it', async () => {
    const home = scratch();
    const set = await t1(home, ['config', 'set', 'api-url', 'https://events.example.com/']);
    expect(set).toEqual({ exitCode: 0, stdout: 'Set api-url to https://events.example.com in profile "default".\n', stderr: '' });
    expect(statSync(join(home, 'config.json')).mode & 0o777).toBe(0o600);

    const get = await t1(home, ['config', 'get', 'api-url']);
    expect(get).toEqual({ exitCode: 0, stdout: 'https://events.example.com\n', stderr: '' });
    expect(await getJson(home, 'api-url')).toEqual({ key: 'api-url', value: 'https://events.example.com', source: 'profile' });
  });

  it('the environment beats the profile, and the flag beats the environment', async () => {
    const home = scratch();
    await t1(home, ['config', 'set', 'api-url', 'https://profile.example.com']);
    const env = { T1_API_URL: 'https://env.example.com' };

    const plain = await t1(home, ['config', 'get', 'api-url'], { env });
    expect(plain.stdout).toBe('https://env.example.com\n');
    const onTty = await t1(home, ['config', 'get', 'api-url'], { env, tty: true });
    expect(onTty.stdout).toBe('https://env.example.com\n');
    expect(onTty.stderr).toBe('(from env)\n');
    expect(await getJson(home, 'api-url', env)).toEqual({ key: 'api-url', value: 'https://env.example.com', source: 'env' });
    expect(await getJson(home, 'api-url', env, ['--api-url', 'https://flag.example.com'])).toEqual({
      key: 'api-url',
      value: 'https://flag.example.com',
      source: 'flag',
    });
  });

  it('an unset api-url says so on stderr', async () => {
    const home = scratch();
    const get = await t1(home, ['config', 'get', 'api-url']);
    expect(get).toEqual({ exitCode: 0, stdout: '', stderr: 'api-url is not set.\n' });
    expect(await getJson(home, 'api-url')).toEqual({ key: 'api-url', value: null, source: null });
  });

  it.each([
    ['not a url', 'Error: "not a url" is not a URL.'],
    ['ftp://files.example.com', 'Error: The API URL must start with http:// or https://.'],
  ])('set api-url %j is a usage error (exit 2) and saves nothing', async (value, message) => {
    const home = scratch();
    await t1(home, ['config', 'set', 'api-url', 'https://kept.example.com']);
    const result = await t1(home, ['config', 'set', 'api-url', value]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe(message);
    expect((await getJson(home, 'api-url')).value).toBe('https://kept.example.com');
  });

  it('timeout: default 30, set saves it, get shows its source', async () => {
    const home = scratch();
    expect(await getJson(home, 'timeout')).toEqual({ key: 'timeout', value: '30', source: 'default' });
    expect((await t1(home, ['config', 'set', 'timeout', '10'])).stdout).toBe('Set timeout to 10 in profile "default".\n');
    expect(await getJson(home, 'timeout')).toEqual({ key: 'timeout', value: '10', source: 'profile' });
    expect(await getJson(home, 'timeout', { T1_TIMEOUT: '5' })).toEqual({ key: 'timeout', value: '5', source: 'env' });
  });

  it.each(['0', '-5', 'abc', '601', '0.5'])('set timeout %s is a usage error (exit 2): the range is 1 to 600', async (value) => {
    const home = scratch();
    const result = await t1(home, ['config', 'set', 'timeout', value]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`Error: timeout must be a number of seconds between 1 and 600, not "${value}".\n`);
    expect((await getJson(home, 'timeout')).value).toBe('30');
  });

  it('an unknown setting is a usage error (exit 2) naming the settings', async () => {
    const home = scratch();
    const result = await t1(home, ['config', 'get', 'colour']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('Error: Unknown setting "colour".\nSettings: api-url, timeout.\n');
  });

  it('list shows every setting with its value and source', async () => {
    const home = scratch();
    await t1(home, ['config', 'set', 'api-url', 'https://events.example.com']);
    const result = await t1(home, ['config', 'list']);
    expect(result.exitCode).toBe(0);
    expect(rows(result.stdout)).toEqual([
      ['api-url', 'https://events.example.com', 'profile'],
      ['timeout', '30', 'default'],
      ['token', 'none', '-'],
    ]);
    const json = JSON.parse((await t1(home, ['config', 'list', '--json'])).stdout) as { profile: string; configFile: string };
    expect(json.profile).toBe('default');
    expect(json.configFile).toBe(join(home, 'config.json'));
  });
});

describe('t1 profiles', () => {
  it('a fresh home has only the default profile, using the embedded platform', async () => {
    const home = scratch();
    const result = await t1(home, ['profiles']);
    expect(result.exitCode).toBe(0);
    expect(rows(result.stdout)).toEqual([['*', 'default', 'embedded', 'no']]);
  });

  it('profiles add saves a profile without switching to it; profiles use switches; settings go to the active one', async () => {
    const home = scratch();
    await t1(home, ['config', 'set', 'api-url', 'https://prod.example.com']);
    const add = await t1(home, ['profiles', 'add', 'staging']);
    expect(add.exitCode).toBe(0);
    expect(add.stdout).toBe('Added profile "staging" (embedded platform).\n');
    expect(add.stderr).toContain('t1 profiles use staging');
    expect(rows((await t1(home, ['profiles'])).stdout)).toEqual([
      ['*', 'default', 'https://prod.example.com', 'no'],
      ['', 'staging', 'embedded', 'no'],
    ]);

    const use = await t1(home, ['profiles', 'use', 'staging']);
    expect(use).toEqual({ exitCode: 0, stdout: 'Now using profile "staging".\n', stderr: '' });
    await t1(home, ['config', 'set', 'api-url', 'https://staging.example.com']);
    expect(rows((await t1(home, ['profiles'])).stdout)).toEqual([
      ['', 'default', 'https://prod.example.com', 'no'],
      ['*', 'staging', 'https://staging.example.com', 'no'],
    ]);
    expect((await getJson(home, 'api-url')).value).toBe('https://staging.example.com');
    const saved = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as { activeProfile: string };
    expect(saved.activeProfile).toBe('staging');

    const back = await t1(home, ['profiles', 'use', 'default']);
    expect(back.stdout).toBe('Now using profile "default".\n');
    expect((await getJson(home, 'api-url')).value).toBe('https://prod.example.com');
  });

  it('profiles add --api-url saves the platform URL in the new profile', async () => {
    const home = scratch();
    const add = await t1(home, ['profiles', 'add', 'staging', '--api-url', 'https://staging.example.com/']);
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stdout).toBe('Added profile "staging" (https://staging.example.com).\n');
    expect(add.stderr).toContain('t1 login');
    expect((await getJson(home, 'api-url', {}, ['--profile', 'staging'])).value).toBe('https://staging.example.com');
    // The active profile is still the default one, with no URL.
    expect((await getJson(home, 'api-url')).value).toBeNull();
  });

  it('profiles use of an unknown profile is refused (exit 2), names the profiles and how to create it, and changes nothing', async () => {
    const home = scratch();
    await t1(home, ['profiles', 'add', 'prod', '--api-url', 'https://prod.example.com']);
    const before = readFileSync(join(home, 'config.json'), 'utf8');
    const result = await t1(home, ['profiles', 'use', 'staging']);
    expect(result).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'Error: There is no profile "staging".\nProfiles: default, prod. Create it with "t1 profiles add staging".\n',
    });
    expect(readFileSync(join(home, 'config.json'), 'utf8')).toBe(before);
    expect((await t1(home, ['profiles', '--json'])).stdout).toContain('"active": "default"');
  });

  it('profiles use default works in a fresh home', async () => {
    const home = scratch();
    expect(await t1(home, ['profiles', 'use', 'default'])).toEqual({ exitCode: 0, stdout: 'Now using profile "default".\n', stderr: '' });
  });

  it('profiles add of an existing profile, or with a bad URL, is a usage error (exit 2) and saves nothing', async () => {
    const home = scratch();
    await t1(home, ['profiles', 'add', 'staging', '--api-url', 'https://staging.example.com']);
    const again = await t1(home, ['profiles', 'add', 'staging', '--api-url', 'https://other.example.com']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr.split('\n')[0]).toBe('Error: The profile "staging" already exists.');
    expect((await getJson(home, 'api-url', {}, ['--profile', 'staging'])).value).toBe('https://staging.example.com');
    expect((await t1(home, ['profiles', 'add', 'default'])).exitCode).toBe(2);

    const badUrl = await t1(home, ['profiles', 'add', 'qa', '--api-url', 'ftp://qa.example.com']);
    expect(badUrl.exitCode).toBe(2);
    expect(badUrl.stderr).toMatch(/^Error: The API URL "ftp:\/\/qa.example.com" from --api-url is not an http:\/\/ or https:\/\/ URL\./);
    expect(rows((await t1(home, ['profiles'])).stdout).map((row) => row[1])).toEqual(['default', 'staging']);
  });

  it('--profile and T1_PROFILE pick a profile for one command; the flag wins', async () => {
    const home = scratch();
    await t1(home, ['config', 'set', 'api-url', 'https://prod.example.com']);
    await t1(home, ['--profile', 'staging', 'config', 'set', 'api-url', 'https://staging.example.com']);
    // The active profile did not change.
    expect((await getJson(home, 'api-url')).value).toBe('https://prod.example.com');

    expect((await getJson(home, 'api-url', {}, ['--profile', 'staging'])).value).toBe('https://staging.example.com');
    expect((await getJson(home, 'api-url', { T1_PROFILE: 'staging' })).value).toBe('https://staging.example.com');
    expect((await getJson(home, 'api-url', { T1_PROFILE: 'staging' }, ['--profile', 'default'])).value).toBe(
      'https://prod.example.com',
    );
    const list = JSON.parse((await t1(home, ['profiles', '--json'], { env: { T1_PROFILE: 'staging' } })).stdout) as { active: string };
    expect(list.active).toBe('staging');
  });

  it.each([['use'], ['add']])('an invalid profile name is a usage error (exit 2) for profiles %s', async (verb) => {
    const home = scratch();
    const result = await t1(home, ['profiles', verb, '../etc']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('"../etc" is not a valid profile name.');
    expect(existsSync(join(home, 'config.json')) ? readFileSync(join(home, 'config.json'), 'utf8') : '').not.toContain('etc');
  });

  it('a typed profile name never puts control characters on the terminal', async () => {
    const home = scratch();
    const result = await t1(home, ['profiles', 'use', '\u001b[2Jprod']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toContain('\u001b');
    expect(result.stderr).toContain('"\\u001b[2Jprod" is not a valid profile name.');
  });
});
