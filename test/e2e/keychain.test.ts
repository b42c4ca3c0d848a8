// `t1 login --keychain` keeps the token in the operating system's keychain instead of the
// config file, and `t1 config list` says where the token in effect lives. On Linux the
// keychain is the Secret Service: these tests start a private one (GNOME Keyring on its
// own D-Bus bus) where the machine has the tools, and point t1 at a bus that does not
// exist to see what an agent without a keychain gets.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, freshDir, LISTENING_LINE, runT1, startT1, type RunningT1 } from '../helpers/spawn.ts';
import { secretServiceAvailable, startSecretService, type SecretService } from '../helpers/secret-service.ts';

let server: RunningT1;
let apiUrl: string;
let token: string;

beforeAll(async () => {
  const dir = freshDir('t1-keychain-platform-');
  const db = join(dir, 'p.db');
  server = startT1(['platform', 'start', '--db', db, '--port', '0', '--demo', '--quiet'], { home: join(dir, 'home'), timeoutMs: 120_000, shared: true });
  [, apiUrl] = (await server.waitForLine(LISTENING_LINE, 30_000)) as unknown as [string, string];
  const created = await runT1(['platform', 'token', 'create', '--role', 'agent', '--name', 'keychain tests', '--db', db]);
  expect(created.code, created.stderr).toBe(0);
  token = created.stdout.trim();
});

afterAll(cleanupAll);

/** The token row of `t1 config list --json`. */
async function tokenRow(home: string, env: Record<string, string>): Promise<{ value: string; source: string | null }> {
  const listed = await runT1(['config', 'list', '--json'], { home, env });
  expect(listed.code, listed.stderr).toBe(0);
  const view = JSON.parse(listed.stdout) as { settings: { key: string; value: string; source: string | null }[] };
  return view.settings.find((setting) => setting.key === 'token')!;
}

const savedConfig = (home: string) => JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as { profiles: Record<string, Record<string, unknown>> };

describe.skipIf(process.platform !== 'linux')('without a keychain (no Secret Service on the bus)', () => {
  const noBus = () => ({ DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(freshDir('t1-no-bus-'), 'bus')}` });

  it('login --keychain refuses before signing in, says why and where the token can go instead, and saves nothing', async () => {
    const home = freshDir('t1-home-');
    const env = noBus();
    const login = await runT1(['login', '--api-url', apiUrl, '--token', token, '--keychain'], { home, env });
    expect(login.code).toBe(1);
    expect(login.stdout).toBe('');
    const lines = login.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Error: t1 cannot keep the token in a keychain here, so it did not sign in\. The keychain could not be read: .+\.$/);
    expect(lines.slice(1)).toEqual([`Run "t1 login" without --keychain to keep the token in ${join(home, 'config.json')}, a file only you can read.`]);
    expect(login.stderr).not.toContain(token);
    expect(existsSync(join(home, 'config.json'))).toBe(false);
    expect(await tokenRow(home, env)).toMatchObject({ value: 'none', source: null });
  });

  it('login without --keychain keeps the token in the config file (mode 0600), and config list says so', async () => {
    const home = freshDir('t1-home-');
    const env = noBus();
    const login = await runT1(['login', '--api-url', apiUrl, '--token', token], { home, env });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe(`Logged in to ${apiUrl} as keychain tests (agent, Northwind Events); saved in profile "default".\n`);
    expect(statSync(join(home, 'config.json')).mode & 0o777).toBe(0o600);
    expect(savedConfig(home).profiles.default).toEqual({ apiUrl, token });
    expect(await tokenRow(home, env)).toEqual({ key: 'token', value: `file (${join(home, 'config.json')})`, source: 'profile', description: expect.any(String) });
    // T1_TOKEN wins over the saved token, and config list says that too.
    expect(await tokenRow(home, { ...env, T1_TOKEN: token })).toMatchObject({ value: 'T1_TOKEN environment', source: 'env' });
    // Another platform than the saved one: no token for it.
    expect(await tokenRow(home, { ...env, T1_API_URL: 'https://other.example.com' })).toMatchObject({ value: `none (the saved token is for ${apiUrl})`, source: null });
  });
});

describe.skipIf(!secretServiceAvailable)("with a keychain (GNOME Keyring's Secret Service on a private bus)", () => {
  let keychain: SecretService;
  beforeAll(async () => {
    keychain = await startSecretService();
  });
  afterAll(() => keychain?.stop());

  const account = (home: string) => `default (${join(home, 'config.json')})`;

  it('login --keychain puts the token in the keychain and only a mention of it in the file; commands use it; config list says where', async () => {
    const home = freshDir('t1-home-');
    const login = await runT1(['login', '--api-url', apiUrl, '--token', token, '--keychain'], { home, env: keychain.env });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe(`Logged in to ${apiUrl} as keychain tests (agent, Northwind Events); saved in profile "default", its token in the keychain.\n`);
    expect(keychain.read('t1', account(home))).toBe(token);
    expect(readFileSync(join(home, 'config.json'), 'utf8')).not.toContain(token);
    expect(savedConfig(home).profiles.default).toEqual({ apiUrl, tokenIn: 'keychain' });

    expect(await tokenRow(home, keychain.env)).toMatchObject({ value: `keychain (service "t1", account "${account(home)}")`, source: 'profile' });
    const whoami = await runT1(['whoami', '--json'], { home, env: keychain.env });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ platform: apiUrl, role: 'agent', tokenName: 'keychain tests' });

    // The keychain gone (another session, a locked machine): a clear error, not a sign-in as nobody.
    const unreachable = await runT1(['whoami'], { home, env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, 'no-bus')}` } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^Error: The keychain could not be read: .+\.\n$/);
  });

  it('login without --keychain moves the token back to the file; logout removes it from the keychain', async () => {
    const home = freshDir('t1-home-');
    expect((await runT1(['login', '--api-url', apiUrl, '--token', token, '--keychain'], { home, env: keychain.env })).code).toBe(0);
    const toFile = await runT1(['login', '--api-url', apiUrl, '--token', token], { home, env: keychain.env });
    expect(toFile.code, toFile.stderr).toBe(0);
    expect(keychain.read('t1', account(home))).toBeUndefined();
    expect(savedConfig(home).profiles.default).toEqual({ apiUrl, token });

    expect((await runT1(['login', '--api-url', apiUrl, '--token', token, '--keychain'], { home, env: keychain.env })).code).toBe(0);
    expect(keychain.read('t1', account(home))).toBe(token);
    const logout = await runT1(['logout'], { home, env: keychain.env });
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stdout).toBe('Logged out of profile "default".\n');
    expect(keychain.read('t1', account(home))).toBeUndefined();
    expect(savedConfig(home).profiles.default).toEqual({ apiUrl });
    expect(await tokenRow(home, keychain.env)).toMatchObject({ value: 'none', source: null });
  });
});
