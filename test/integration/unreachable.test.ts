import { afterAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { closedPort, lines, removeScratch, scratch } from './support.ts';

afterAll(removeScratch);

describe('an unreachable platform', () => {
  it('exit 1: could not reach the platform after 4 attempts, with what to check', async () => {
    const port = await closedPort();
    const result = await runT1(['users', 'find', 'priya'], {
      env: { T1_API_URL: `http://127.0.0.1:${port}`, T1_TOKEN: 't1_whatever', T1_HOME: scratch() },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([
      `Error: Could not reach the platform at http://127.0.0.1:${port} (connection refused) after 4 attempts.`,
      'Check that the platform is running and that the API URL (t1 config get api-url, T1_API_URL) is right.',
    ]);
  });

  it('--verbose tells each retry on stderr', async () => {
    const port = await closedPort();
    const result = await runT1(['events', 'list', '--verbose'], {
      env: { T1_API_URL: `http://127.0.0.1:${port}`, T1_TOKEN: 't1_whatever', T1_HOME: scratch() },
    });
    expect(result.exitCode).toBe(1);
    const retries = lines(result.stderr).filter((line) => line.includes('retrying GET'));
    expect(retries).toHaveLength(3);
    for (const line of retries) expect(line).toMatch(/^connection refused; retrying GET http:\/\/127\.0\.0\.1:\d+\/v1\/events\?limit=200 in \d+ ms$/);
  });

  it('an API URL that is not a URL is a usage error (exit 2)', async () => {
    const result = await runT1(['users', 'find', 'priya'], { env: { T1_API_URL: 'not a url', T1_TOKEN: 'x', T1_HOME: scratch() } });
    expect(result.exitCode).toBe(2);
    expect(lines(result.stderr)[0]).toBe('Error: The API URL "not a url" from T1_API_URL is not an http:// or https:// URL.');
  });
});
