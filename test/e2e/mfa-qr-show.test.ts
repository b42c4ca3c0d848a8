// `t1 mfa qr <email> --show` draws the enrollment link as a QR code in the terminal. The
// drawing is read back module by module and decoded by jsQR (independent of the
// qrcode library that drew it): it must be exactly the URL printed below it.
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { cleanupAll, exitWithin, freshDir, killTestChildren, LISTENING_LINE, runT1, startT1 } from '../helpers/spawn.ts';
import { decodeTerminalQr, findTerminalQr } from '../helpers/terminal-qr.ts';

afterEach(killTestChildren);
afterAll(cleanupAll);

const ENROLL_URL = /^(http:\/\/127\.0\.0\.1:\d+\/mfa\/enroll\/[A-Za-z0-9_-]{22,})$/m;

/** The QR drawing and the URL on stdout; the drawing comes first, the URL after it. */
function readOutput(stdout: string): { url: string; decoded: string; version: number; size: number } {
  const url = stdout.match(ENROLL_URL)?.[1];
  expect(url, `no enrollment URL on stdout:\n${stdout}`).toBeTruthy();
  const drawing = findTerminalQr(stdout);
  expect(drawing.length).toBeGreaterThan(10);
  expect(stdout.indexOf(drawing.at(-1)!)).toBeLessThan(stdout.indexOf(url!));
  const decoded = decodeTerminalQr(stdout);
  expect(decoded, `the QR code did not decode:\n${drawing.join('\n')}`).not.toBeNull();
  return { url: url!, decoded: decoded!.text, version: decoded!.version, size: decoded!.size };
}

describe('t1 mfa qr --show (spawned)', () => {
  // People not enrolled yet: for someone who already uses 2FA the link may only be emailed.
  it('on the embedded platform: the QR code decodes to the printed enrollment URL', async () => {
    const home = freshDir('t1-home-');
    const result = await runT1(['mfa', 'qr', DEMO_EXAMPLES.personWithOneRegistration, '--show', '--yes', '--reason', 'new phone'], { home });
    expect(result.code, result.stderr).toBe(0);
    const { url, decoded, version, size } = readOutput(result.stdout);
    expect(decoded).toBe(url);
    // The drawing was read at the right grid: a version-v code has 17 + 4v modules a side.
    expect(size).toBe(17 + 4 * version);
    // The agent sees the link, never the person's authenticator secret.
    expect(result.stdout + result.stderr).not.toMatch(/otpauth:|secret=/i);
    expect(result.stderr).toMatch(/works once and expires/);
  });

  it('against a separately started platform with an agent token: the decoded URL opens the enrollment page', async () => {
    const dir = freshDir('t1-mfa-qr-');
    const db = join(dir, 'p.db');
    const server = startT1(['platform', 'start', '--db', db, '--port', '0', '--demo', '--quiet'], { home: join(dir, 'server-home'), timeoutMs: 60_000 });
    const [, apiUrl] = (await server.waitForLine(LISTENING_LINE, 20_000)) as [string, string];
    const created = await runT1(['platform', 'token', 'create', '--role', 'agent', '--db', db]);
    expect(created.code, created.stderr).toBe(0);
    const env = { T1_API_URL: apiUrl, T1_TOKEN: created.stdout.trim() };

    const result = await runT1(['mfa', 'qr', DEMO_EXAMPLES.pendingVerificationPerson, '--show', '--yes', '--ticket', 'SUP-7'], { env });
    expect(result.code, result.stderr).toBe(0);
    const { url, decoded } = readOutput(result.stdout);
    expect(decoded).toBe(url);
    expect(url.startsWith(`${apiUrl}/mfa/enroll/`)).toBe(true);

    // Where the phone goes: the page with the authenticator QR code and the setup key.
    const page = await fetch(decoded);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toMatch(/setup-key/);
    expect(body).toMatch(/<svg/);

    server.child.kill('SIGTERM');
    expect(await exitWithin(server.exited, 5_000)).toEqual({ code: 0, signal: null });
  });
});
