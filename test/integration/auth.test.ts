import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { lines, record, removeScratch, scratch } from './support.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform.close();
  removeScratch();
});

interface SavedConfig {
  activeProfile: string;
  profiles: Record<string, { apiUrl?: string; token?: string }>;
}

function savedConfig(home: string): SavedConfig | undefined {
  const file = join(home, 'config.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SavedConfig) : undefined;
}

describe('authentication failures', () => {
  it('no token (API URL set, no T1_TOKEN): exit 4 with a hint to run t1 login', async () => {
    const result = await runT1(['users', 'find', 'priya'], { env: { T1_API_URL: platform.url, T1_HOME: scratch() } });
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toBe('');
    const err = lines(result.stderr);
    expect(err[0]).toMatch(/^Error: Not logged in to http:\/\/127\.0\.0\.1:\d+ \(profile "default"\)\.$/);
    expect(err[1]).toContain('t1 login');
  });

  it('a wrong token: exit 4', async () => {
    const result = await runT1(['users', 'find', 'priya'], {
      env: { T1_API_URL: platform.url, T1_TOKEN: 't1_not-a-real-token', T1_HOME: scratch() },
    });
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)[0]).toBe('Error: The API token is unknown, expired or revoked.');
    expect(result.stderr).toContain('t1 login');
  });

  it('--verbose adds the request and its id to an auth failure', async () => {
    const result = await runT1(['whoami', '--verbose'], {
      env: { T1_API_URL: platform.url, T1_TOKEN: 't1_not-a-real-token', T1_HOME: scratch() },
    });
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain(`GET ${platform.url}/v1/whoami -> HTTP 401 unauthenticated`);
    expect(result.stderr).toMatch(/request id: req_\S+/);
  });
});

describe('t1 login / whoami / logout', () => {
  it('login --token --api-url saves the profile; whoami then works from it alone', async () => {
    const home = scratch();
    const login = await runT1(['login', '--token', platform.tokens.viewer, '--api-url', platform.url], { env: { T1_HOME: home } });
    expect(login.exitCode).toBe(0);
    expect(login.stdout).toBe(`Logged in to ${platform.url} as test viewer (viewer, Northwind Events); saved in profile "default".\n`);
    expect(login.stdout).not.toContain(platform.tokens.viewer);

    const file = join(home, 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(savedConfig(home)?.profiles.default).toEqual({ apiUrl: platform.url, token: platform.tokens.viewer });

    const whoami = await runT1(['whoami'], { env: { T1_HOME: home } });
    expect(whoami.exitCode).toBe(0);
    expect(whoami.stderr).toBe('');
    expect(record(whoami.stdout)).toEqual({
      Platform: platform.url,
      Profile: 'default',
      Organisation: 'Northwind Events',
      'Signed in as': 'API token "test viewer"',
      Role: 'viewer',
    });
  });

  it('whoami --json prints who t1 acts as, JSON only', async () => {
    const home = scratch();
    await runT1(['login', '--token', platform.tokens.admin, '--api-url', platform.url], { env: { T1_HOME: home } });
    const result = await runT1(['whoami', '--json'], { env: { T1_HOME: home } });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      organisation: { id: 'org_demo', name: 'Northwind Events' },
      role: 'admin',
      via: 'api_token',
      tokenName: 'test admin',
      staff: null,
      profile: 'default',
      platform: platform.url,
    });
  });

  it('T1_TOKEN in the environment beats the token saved in the profile', async () => {
    const home = scratch();
    await runT1(['login', '--token', platform.tokens.viewer, '--api-url', platform.url], { env: { T1_HOME: home } });
    const result = await runT1(['whoami'], { env: { T1_HOME: home, T1_TOKEN: platform.tokens.admin } });
    expect(record(result.stdout).Role).toBe('admin');
  });

  it('login reads the token from stdin when --token has no value', async () => {
    const home = scratch();
    const login = await runT1(['login', '--token', '--api-url', platform.url], {
      env: { T1_HOME: home },
      stdin: `${platform.tokens.agent}\n`,
    });
    expect(login.exitCode).toBe(0);
    expect(login.stdout).toContain('as test agent (agent, Northwind Events)');
    expect(savedConfig(home)?.profiles.default?.token).toBe(platform.tokens.agent);

    const whoami = await runT1(['whoami'], { env: { T1_HOME: home } });
    expect(record(whoami.stdout).Role).toBe('agent');
  });

  it('login with a bad token: exit 4 and nothing saved', async () => {
    const home = scratch();
    const login = await runT1(['login', '--token', 't1_bad-token', '--api-url', platform.url], { env: { T1_HOME: home } });
    expect(login.exitCode).toBe(4);
    expect(login.stdout).toBe('');
    expect(lines(login.stderr)[0]).toBe('Error: The API token is unknown, expired or revoked.');
    const saved = savedConfig(home);
    expect(saved?.profiles ?? {}).toEqual({});
  });

  it('login without a platform URL is a usage error (exit 2)', async () => {
    const home = scratch();
    const login = await runT1(['login', '--token', platform.tokens.viewer], { env: { T1_HOME: home } });
    expect(login.exitCode).toBe(2);
    expect(login.stderr).toContain('Pass --api-url <url>');
    expect(savedConfig(home)?.profiles ?? {}).toEqual({});
  });

  it('login with an empty token on stdin is a usage error (exit 2)', async () => {
    const home = scratch();
    const login = await runT1(['login', '--token', '--api-url', platform.url], { env: { T1_HOME: home }, stdin: '\n' });
    expect(login.exitCode).toBe(2);
    expect(login.stderr).toBe('Error: The token is empty.\n');
  });

  it('logout forgets the token: the next command fails with exit 4', async () => {
    const home = scratch();
    await runT1(['login', '--token', platform.tokens.agent, '--api-url', platform.url], { env: { T1_HOME: home } });
    const logout = await runT1(['logout'], { env: { T1_HOME: home } });
    expect(logout).toEqual({ exitCode: 0, stdout: 'Logged out of profile "default".\n', stderr: '' });
    // The platform URL stays; the token is gone.
    expect(savedConfig(home)?.profiles.default).toEqual({ apiUrl: platform.url });

    const after = await runT1(['users', 'find', 'priya'], { env: { T1_HOME: home } });
    expect(after.exitCode).toBe(4);
    expect(after.stdout).toBe('');
    expect(after.stderr).toContain('t1 login');

    const again = await runT1(['logout'], { env: { T1_HOME: home } });
    expect(again.stdout).toBe('Profile "default" had no saved token.\n');
  });
});

describe('roles', () => {
  it('a viewer token may not create tokens: 403 envelope naming the admin role', async () => {
    const response = await fetch(`${platform.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.tokens.viewer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sneaky', role: 'viewer' }),
    });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: { code: string; message: string; requestId: string; details: { requiredRole: string } } };
    expect(body.error.code).toBe('forbidden');
    expect(body.error.details.requiredRole).toBe('admin');
    expect(body.error.message).toContain('viewer');
    expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
    const stored = await platform.platform.ctx.db.selectFrom('tokens').select('id').where('name', '=', 'sneaky').execute();
    expect(stored).toEqual([]);
  });

  it('an admin token may create tokens; an admin may not be outranked', async () => {
    const response = await fetch(`${platform.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'made by admin', role: 'viewer' }),
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { token: string; role: string };
    expect(created.role).toBe('viewer');
    const whoami = await runT1(['whoami', '--json'], { env: { T1_API_URL: platform.url, T1_TOKEN: created.token, T1_HOME: scratch() } });
    expect(JSON.parse(whoami.stdout)).toMatchObject({ role: 'viewer', tokenName: 'made by admin' });
  });
});

describe('a saved token stays with its platform', () => {
  it('is not sent when another API URL is in effect', async () => {
    const { createServer } = await import('node:http');
    const seen: (string | undefined)[] = [];
    const other = createServer((request, response) => {
      seen.push(request.headers.authorization);
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'unauthenticated', message: 'No token.', requestId: 'r1' } }));
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const address = other.address();
    const otherUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const home = scratch();
      const login = await runT1(['login', '--api-url', platform.url, '--token', platform.tokens.agent], { env: { T1_HOME: home } });
      expect(login.exitCode).toBe(0);
      const flag = await runT1(['--api-url', otherUrl, 'users', 'find', 'priya'], { env: { T1_HOME: home } });
      const env = await runT1(['users', 'find', 'priya'], { env: { T1_HOME: home, T1_API_URL: otherUrl } });
      expect([flag.exitCode, env.exitCode]).toEqual([4, 4]);
      expect(flag.stderr).toContain(`Not logged in to ${otherUrl}`);
      expect(seen).toEqual([]);
    } finally {
      other.close();
    }
  });
});
