// Mistakes people make setting t1 up get a clear answer and exit 2, never a "bug".
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, tempDir, type TestPlatform } from '../helpers/platform.ts';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform.close();
});

describe('profiles and settings', () => {
  it('a profile that does not exist is a usage error, not the demo', async () => {
    const result = await runT1(['--profile', 'prodd', 'whoami'], { env: { T1_HOME: tempDir() } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('There is no profile "prodd".');
  });

  it('changing the API URL forgets a token saved for the old one; unset returns to the embedded platform', async () => {
    const home = tempDir();
    expect((await runT1(['login', '--api-url', platform.url, '--token', platform.tokens.viewer], { env: { T1_HOME: home } })).exitCode).toBe(0);
    const set = await runT1(['config', 'set', 'api-url', 'https://events.example.com'], { env: { T1_HOME: home } });
    expect(set.stderr).toContain('The saved token was for the previous platform');
    const saved = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
    expect(saved.profiles.default).toEqual({ apiUrl: 'https://events.example.com' });
    const unset = await runT1(['config', 'unset', 'api-url'], { env: { T1_HOME: home } });
    expect(unset.stdout).toBe('Removed api-url from profile "default".\n');
    const who = await runT1(['whoami', '--json'], { env: { T1_HOME: home } });
    expect(JSON.parse(who.stdout).platform).toBe('embedded');
  });

  it('API URLs that are not http(s) or that end in /v1 are usage errors naming their source', async () => {
    const ftp = await runT1(['--api-url', 'ftp://x', 'users', 'find', 'priya'], { env: { T1_HOME: tempDir() } });
    expect(ftp.exitCode).toBe(2);
    expect(ftp.stderr).toContain('from --api-url is not an http:// or https:// URL');
    const v1 = await runT1(['users', 'find', 'priya'], { env: { T1_HOME: tempDir(), T1_API_URL: `${platform.url}/v1`, T1_TOKEN: platform.tokens.viewer } });
    expect(v1.exitCode).toBe(2);
    expect(v1.stderr).toContain('ends in /v1');
  });

  it('a T1_TIMEOUT that is not a number of seconds is a usage error', async () => {
    const result = await runT1(['config', 'list'], { env: { T1_HOME: tempDir(), T1_TIMEOUT: 'abc' } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('T1_TIMEOUT "abc"');
  });
});

describe('platform databases', () => {
  it('refuse a secret key other than the one the database was set up with', async () => {
    const dir = tempDir();
    const db = join(dir, 'p.db');
    const key = randomBytes(32).toString('hex');
    expect((await runT1(['platform', 'seed', '--demo', '--db', db], { env: { T1_HOME: dir, T1_SECRET_KEY: key } })).exitCode).toBe(0);
    expect(statSync(db).mode & 0o777).toBe(0o600);
    const other = await runT1(['platform', 'token', 'create', '--role', 'agent', '--db', db], { env: { T1_HOME: dir } });
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toContain('This database was set up with a different secret key.');
    const bad = await runT1(['platform', 'seed', '--demo', '--db', db], { env: { T1_HOME: dir, T1_SECRET_KEY: 'abc' } });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('The secret key must be 32 bytes');
    expect(existsSync(db)).toBe(true);
  });
});

describe('2FA removal', () => {
  it('emails nobody when there was no 2FA to remove', async () => {
    const result = await runT1(['mfa', 'reset', DEMO_EXAMPLES.personWithOneRegistration, '--verified-by', 'video call', '--yes'], { env: platform.env('admin') });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`${DEMO_EXAMPLES.personWithOneRegistration} had no 2FA enrolled; nothing was removed.\n`);
  });
});
