import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform.close();
});

describe('t1 users find', () => {
  it('prints tab-separated rows when stdout is not a terminal', async () => {
    const result = await runT1(['users', 'find', DEMO_EXAMPLES.searchName], { env: platform.env() });
    expect(result.exitCode).toBe(0);
    const rows = result.stdout.trim().split('\n').map((line) => line.split('\t'));
    expect(rows.length).toBe(2);
    expect(rows.map((r) => r[0])).toEqual(['Priya Natarajan', 'Priya Sharma']);
  });
});
