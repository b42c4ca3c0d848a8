// The embedded default: with nothing configured and a clean T1_HOME, t1 starts the
// reference platform in-process on SQLite, seeded with the demo organisation.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { exitWithin, freshDir, cleanupAll, killTestChildren, LISTENING_LINE, runT1, startT1 } from '../helpers/spawn.ts';

afterEach(killTestChildren);
afterAll(cleanupAll);

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

describe('embedded default platform (spawned)', () => {
  it('users find prints TSV rows on stdout and one notice about the embedded platform on stderr', async () => {
    const home = freshDir('t1-home-');
    const result = await runT1(['users', 'find', DEMO_EXAMPLES.searchName], { home });
    expect(result.code, result.stderr).toBe(0);

    const rows = lines(result.stdout);
    expect(rows.length).toBeGreaterThanOrEqual(2); // Priya Sharma and Priya Natarajan
    for (const row of rows) {
      const cells = row.split('\t');
      expect(cells, row).toHaveLength(4); // name, email, company, registrations
      expect(cells[0]).toMatch(new RegExp(DEMO_EXAMPLES.searchName));
      expect(cells[1]).toMatch(/@/);
    }
    expect(rows.map((r) => r.split('\t')[1])).toContain(DEMO_EXAMPLES.personWithSeveralRegistrations);
    expect(result.stdout).not.toMatch(/[┌│└─]/);

    const notices = lines(result.stderr);
    expect(notices, result.stderr).toHaveLength(1);
    expect(notices[0]).toMatch(/embedded/i);
    expect(notices[0]).toContain(join(home, 'data'));
    expect(existsSync(join(home, 'data', 'platform.db'))).toBe(true);
  });

  it('users find --json prints only JSON on stdout', async () => {
    const result = await runT1(['users', 'find', DEMO_EXAMPLES.searchName, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().startsWith('{')).toBe(true);
    const body = JSON.parse(result.stdout) as { items: { email: string; firstName: string; registrations: unknown[] }[] };
    expect(body.items.length).toBeGreaterThanOrEqual(2);
    for (const item of body.items) expect(item.firstName).toBe(DEMO_EXAMPLES.searchName);
    expect(body.items.map((i) => i.email)).toContain(DEMO_EXAMPLES.personWithSeveralRegistrations);
    const notices = lines(result.stderr);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/embedded/i);
  });

  it('a second run reuses the seeded data of the same T1_HOME', async () => {
    const home = freshDir('t1-home-');
    const first = await runT1(['users', 'find', DEMO_EXAMPLES.sharedLastName, '--json'], { home });
    const second = await runT1(['users', 'find', DEMO_EXAMPLES.sharedLastName, '--json'], { home });
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const ids = (out: string) => (JSON.parse(out) as { items: { id: string }[] }).items.map((i) => i.id).sort();
    expect(ids(second.stdout)).toEqual(ids(first.stdout));
    expect(ids(first.stdout).length).toBeGreaterThanOrEqual(2);
  });

  it('platform start without --db serves the embedded database of T1_HOME', async () => {
    const home = freshDir('t1-home-');
    const seeded = await runT1(['users', 'find', 'x'], { home });
    expect(seeded.code, seeded.stderr).toBe(0);

    const server = startT1(['platform', 'start', '--port', '0', '--quiet'], { home });
    const listening = await server.waitForLine(LISTENING_LINE);
    const url = listening[1]!;
    expect(listening.input).toContain(join(home, 'data', 'platform.db'));

    const health = await fetch(`${url}/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });

    // The data the CLI seeded is what the server serves: no second seeding.
    expect(server.stderr()).not.toMatch(/Seeded the demo organisation/);

    server.child.kill('SIGTERM');
    const { code } = await exitWithin(server.exited, 5_000);
    expect(code).toBe(0);
    expect(server.stderr()).toMatch(/Stopped \(SIGTERM\)/);
  });
});
