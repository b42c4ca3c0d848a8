// `t1 login` with 2FA through a real terminal: the platform runs as its own process, t1
// runs on a pseudo-terminal (test/helpers/pty_driver.py), and the test types what a staff
// member would: email, password, then the code an authenticator app shows, computed from
// the setup key on screen by the test's own RFC 6238 code (not the platform's library).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import { hasPython3, startT1InPty, type PtySession } from '../helpers/pty.ts';
import { cleanupAll, exitWithin, freshDir, killTestChildren, LISTENING_LINE, runT1, startT1, type RunningT1 } from '../helpers/spawn.ts';
import { decodeTerminalQr } from '../helpers/terminal-qr.ts';
import { stepAt, totpForStep } from '../helpers/totp.ts';

const STAFF = DEMO_EXAMPLES.adminStaff;
const RECOVERY_CODE = /^ {2}([A-Za-z0-9]{4}(?:-[A-Za-z0-9]{4})+)$/gm;
const CODE_PROMPT = /Authenticator code \(or a recovery code\)/;
const BAD_CODE = /That code is not valid or was already used\./;
const LOGGED_IN = /Logged in to (\S+) as (\S+) \((\w+), ([^)]+)\); saved in profile "([^"]+)"\./;

let server: RunningT1 | undefined;
let url: string;

afterEach(killTestChildren);
afterAll(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await exitWithin(server.exited, 5_000).catch(() => {});
  }
  await cleanupAll();
});

/** Starts `t1 login --api-url URL` on a terminal and answers the email and password prompts. */
async function startLogin(home: string): Promise<PtySession> {
  const pty = startT1InPty(['login', '--api-url', url], { home, timeoutMs: 25_000 });
  await pty.expect(/Email/);
  pty.sendLine(STAFF);
  await pty.expect(/Password/);
  pty.sendLine(DEMO_PASSWORD);
  return pty;
}

/** Six digits that are the code of no step near now (two either side). */
function wrongCode(secret: string): string {
  const step = stepAt(Date.now());
  const near = new Set([-2, -1, 0, 1, 2].map((delta) => totpForStep(secret, step + delta)));
  for (let n = 0; ; n++) {
    const candidate = String((123_456 + n * 7919) % 1_000_000).padStart(6, '0');
    if (!near.has(candidate)) return candidate;
  }
}

describe.runIf(hasPython3)('t1 login with 2FA on a terminal (PTY) against a spawned platform', () => {
  beforeAll(async () => {
    const dir = freshDir('t1-login-pty-');
    server = startT1(['platform', 'start', '--db', join(dir, 'p.db'), '--port', '0', '--demo', '--quiet'], {
      home: join(dir, 'server-home'),
      shared: true,
      timeoutMs: 120_000,
    });
    [, url] = (await server.waitForLine(LISTENING_LINE, 20_000)) as [string, string];
  });

  // Carried from the first sign-in (enrollment) to the later ones.
  let setupKey = '';
  let recoveryCodes: string[] = [];

  it('first sign-in enrolls: QR + setup key, a code from the key, "Logged in", 10 recovery codes; whoami; config 0600', async () => {
    const home = freshDir('t1-home-');
    const pty = await startLogin(home);

    const shown = await pty.expectWithBefore(/Or type this setup key into the app: ([A-Z2-7]{4}(?: [A-Z2-7]{1,4})+)\n/);
    setupKey = shown.match[1]!;
    expect(setupKey.replace(/ /g, '')).toMatch(/^[A-Z2-7]{32}$/); // 160 bits
    expect(shown.before).toMatch(/requires two-factor authentication/);
    // The QR code above the key is the otpauth URI of the same secret.
    const qr = decodeTerminalQr(shown.before);
    expect(qr, 'the enrollment QR code should decode').not.toBeNull();
    const otpauth = new URL(qr!.text);
    expect(otpauth.protocol).toBe('otpauth:');
    expect(otpauth.host).toBe('totp');
    expect(decodeURIComponent(otpauth.pathname)).toContain(STAFF);
    expect(otpauth.searchParams.get('secret')).toBe(setupKey.replace(/ /g, ''));

    await pty.expect(/Code shown by the app/);
    pty.sendLine(totpForStep(setupKey, stepAt(Date.now())));

    const [, apiUrl, who, role] = await pty.expect(LOGGED_IN);
    expect(apiUrl).toBe(url);
    expect(who).toBe(STAFF);
    expect(role).toBe('admin');
    await pty.expect(/Recovery codes \(each works once/);
    const exit = await exitWithin(pty.exited, 10_000);
    expect(exit.code, exit.transcript).toBe(0);

    const afterHeader = exit.transcript.slice(exit.transcript.indexOf('Recovery codes ('));
    recoveryCodes = [...afterHeader.matchAll(RECOVERY_CODE)].map((m) => m[1]!);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    // 80 bits each: 16 base32 characters.
    for (const code of recoveryCodes) expect(code.replace(/-/g, '')).toHaveLength(16);

    // The saved session works on its own: no T1_TOKEN or T1_API_URL in the environment.
    const whoami = await runT1(['whoami'], { home });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toMatch(new RegExp(`^Signed in as\\t.*<${STAFF.replace(/\./g, '\\.')}> \\(staff session\\)$`, 'm'));
    expect(whoami.stdout).toMatch(/^Role\tadmin$/m);
    expect(whoami.stdout).toContain(url);

    const config = join(home, 'config.json');
    expect(statSync(config).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(config, 'utf8')) as { profiles: Record<string, { apiUrl?: string; token?: string }> };
    expect(saved.profiles.default).toMatchObject({ apiUrl: url, token: expect.any(String) });
    // The session token goes to the file only, never to the screen.
    expect(exit.transcript).not.toContain(saved.profiles.default!.token!);
  });

  it('later sign-ins ask for the code only; a wrong code is refused and asked again; a recovery code works once', async () => {
    expect(recoveryCodes, 'the first-enrollment test must have run').toHaveLength(10);
    const [firstCode] = recoveryCodes as [string];

    // Second sign-in: enrolled now, so no QR code and no setup key, just the code prompt.
    const home = freshDir('t1-home-');
    const pty = await startLogin(home);
    const prompt = await pty.expectWithBefore(CODE_PROMPT);
    expect(prompt.before).not.toMatch(/Scan this code|setup key|[█▀▄]{5}/);
    pty.sendLine(wrongCode(setupKey));
    await pty.expect(BAD_CODE);
    await pty.expect(CODE_PROMPT); // asked again, same sign-in
    pty.sendLine(firstCode);
    const [, , who] = await pty.expect(LOGGED_IN);
    expect(who).toBe(STAFF);
    const exit = await exitWithin(pty.exited, 10_000);
    expect(exit.code, exit.transcript).toBe(0);
    expect(exit.transcript).not.toMatch(/Recovery codes \(/); // shown at enrollment only
    const whoami = await runT1(['whoami'], { home });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toContain(STAFF);

    // Third sign-in: the used recovery code is refused; a fresh authenticator code still
    // works. The next step's code, since the step of the enrollment code is used up.
    const thirdHome = freshDir('t1-home-');
    const third = await startLogin(thirdHome);
    await third.expect(CODE_PROMPT);
    third.sendLine(firstCode);
    await third.expect(BAD_CODE);
    await third.expect(CODE_PROMPT);
    third.sendLine(totpForStep(setupKey, stepAt(Date.now()) + 1));
    await third.expect(LOGGED_IN);
    const thirdExit = await exitWithin(third.exited, 10_000);
    expect(thirdExit.code, thirdExit.transcript).toBe(0);
  });
});
