// The database never holds a token, code or secret in plain text.
// The test runs every support action and follows every link, collecting each secret it
// sees on the way (link tokens from mails and printed links, API tokens, session and
// challenge cookies, recovery codes, TOTP setup keys, new passwords). Then it reads every
// text column of every table, the raw bytes of the SQLite file and its WAL, and the
// platform's request log, and looks for each of them.
import { existsSync, readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import { elementText, listItems, type Browser, type PageResponse } from '../helpers/browserless.ts';
import { enterCode, json, linkToken, signIn, startActionWorld, testClock, waitFor, type ActionWorld } from '../helpers/action-kit.ts';
import { base32Decode, totpAt } from '../helpers/totp.ts';
import { lines } from './support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming;
const LIVE = DEMO_EVENT_SLUGS.live;
const LINK_PATH = /^\/(verify|login-link|set-password|reset-password|mfa\/enroll)\/([A-Za-z0-9_-]+)$/;

const clock = testClock();
const log: Buffer[] = [];
let w: ActionWorld;
/** name -> secret value seen during the test. */
const secrets = new Map<string, string>();

function remember(name: string, value: string | undefined): void {
  expect(value, name).toBeTruthy();
  secrets.set(`${name} #${secrets.size}`, value!);
}

/** Records the session and challenge cookies a browser holds. */
function rememberCookies(browser: Browser): void {
  for (const name of ['t1_session', 't1_challenge']) {
    const value = browser.cookies.get(name);
    if (value) secrets.set(`${name} ${value.slice(-8)}`, value);
  }
}

function rememberResponseCookies(response: PageResponse): void {
  for (const name of ['t1_session', 't1_challenge']) {
    const value = response.setCookies[name];
    if (value) secrets.set(`${name} ${value.slice(-8)}`, value);
  }
}

async function nextLink(email: string, after: number): Promise<string> {
  return (await w.sink.nextMail(email, { after })).link;
}

/** Enrolls from an enrollment page, keeping the setup key and the recovery codes. */
async function enroll(browser: Browser, page: PageResponse): Promise<{ key: string; codes: string[] }> {
  const key = elementText(page.body, 'setup-key')!.replace(/ /g, '');
  remember('TOTP secret (base32)', key);
  remember('TOTP secret (hex)', base32Decode(key).toString('hex'));
  const done = await browser.submit(page, { code: totpAt(key, clock.now().getTime()) });
  const codes = listItems(done.body, 'recovery-codes');
  expect(codes).toHaveLength(10);
  for (const code of codes) {
    remember('recovery code', code);
    remember('recovery code (bare)', code.replace(/-/g, ''));
  }
  return { key, codes };
}

async function setPassword(url: string, password: string): Promise<PageResponse> {
  remember('password', password);
  const browser = w.browser();
  const page = await browser.get(url);
  return browser.submit(page, { password, confirmation: password });
}

beforeAll(async () => {
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => log.push(chunk));
  w = await startActionWorld({ clock, logStream: stream });
  for (const [role, token] of Object.entries(w.platform.tokens)) remember(`API token (${role})`, token);
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('after every support action', () => {
  beforeAll(async () => {
    const t1 = async (args: string[], role?: 'admin') => {
      const result = await w.t1(args, { role });
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      return result;
    };

    // Verification: mailed, followed.
    const pending = DEMO_EXAMPLES.pendingVerificationPerson;
    await t1(['verification', 'resend', pending, '--event', SUMMIT, '--reason', 'lost mail', '--ticket', 'SUP-1', '--yes']);
    const verify = w.browser();
    await verify.submit(await verify.get(await nextLink(pending, 0)));

    // Login links: mailed and followed (a session), printed (kept unused).
    const ngozi = DEMO_EXAMPLES.personWithOneRegistration;
    await t1(['magic-link', 'create', ngozi, '--event', LIVE, '--send', '--yes']);
    const login = w.browser();
    const loggedIn = await login.submit(await login.get(await nextLink(ngozi, 0)));
    rememberResponseCookies(loggedIn);
    const printed = await t1(['magic-link', 'create', 'arjun.patel@litware.example', '--event', LIVE, '--ttl', '2h', '--yes']);
    remember('printed login link', linkToken(lines(printed.stdout)[0]!));

    // Set-password link, followed.
    const benjamin = DEMO_EXAMPLES.passwordNotSetPerson;
    await t1(['set-password-link', 'send', benjamin, '--event', SUMMIT, '--yes']);
    await setPassword(await nextLink(benjamin, 0), 'benjamin-secret-harbour-51');

    // Password resets: mailed and printed.
    const tomas = 'tomas.silva@contoso.example';
    await t1(['password', 'reset', tomas, '--send', '--yes']);
    await setPassword(await nextLink(tomas, 0), 'tomas-secret-tramway-28');
    const printedReset = await t1(['password', 'reset', 'camille.dubois@alpineskihouse.example', '--print-link', '--yes']);
    remember('printed reset link', linkToken(lines(printedReset.stdout)[0]!));

    // 2FA: an enrollment mailed and completed, one shown as a QR code, sign-ins with a
    // code and a recovery code, a reset by an admin.
    const hiroshi = DEMO_EXAMPLES.twoFactorPerson;
    await t1(['mfa', 'qr', hiroshi, '--send', '--yes']);
    const enrollBrowser = w.browser();
    const { key, codes } = await enroll(enrollBrowser, await enrollBrowser.get(await nextLink(hiroshi, 0)));
    const shown = json(await t1(['--json', 'mfa', 'qr', 'kenji.watanabe@proseware.example', '--show', '--yes']));
    remember('enrollment link shown as QR', linkToken(shown.url));
    clock.advance(30_000);
    for (const code of [totpAt(key, clock.now().getTime()), codes[0]!]) {
      const browser = w.browser();
      await signIn(browser, SUMMIT, hiroshi, DEMO_PASSWORD);
      rememberCookies(browser);
      const answer = await enterCode(browser, SUMMIT, code);
      expect(answer.status).toBe(303);
      rememberResponseCookies(answer);
    }
    // A reset on the 2FA account issues a new enrollment.
    await t1(['password', 'reset', hiroshi, '--send', '--yes']);
    const reset = await setPassword(await nextLink(hiroshi, 1), 'hiroshi-secret-kyoto-9');
    expect(reset.status).toBe(303);
    const reEnroll = w.browser();
    await enroll(reEnroll, await reEnroll.get(reset.location!));
    await t1(['mfa', 'reset', hiroshi, '--verified-by', 'video call', '--yes'], 'admin');

    // Unlock, and a dead link renewed from its page.
    await t1(['users', 'unlock', DEMO_EXAMPLES.lockedPerson, '--yes']);
    const kwame = 'kwame.mensah@fourthcoffee.example';
    await t1(['verification', 'resend', kwame, '--event', SUMMIT, '--yes']);
    const expiring = await nextLink(kwame, 0);
    clock.advance(3 * 24 * 3_600_000);
    const renew = w.browser();
    await renew.submit(await renew.get(expiring), { email: kwame }, '/links/renew');
    const renewed = await nextLink(kwame, 1);
    await renew.submit(await renew.get(renewed));

    // Every mail has been delivered (so bodies were sealed, sent and dropped).
    await waitFor(async () => (await w.platform.platform.ctx.db.selectFrom('emails').select('status').where('status', '!=', 'sent').execute()).length, 0);
    // Every link any mail carried.
    for (const mail of w.sink.received) {
      for (const link of mail.links) {
        const match = LINK_PATH.exec(new URL(link).pathname);
        if (match) secrets.set(`${match[1]} link token ${match[2]!.slice(-8)}`, match[2]!);
      }
    }
  }, 60_000);

  it('collected every kind of secret', () => {
    const names = [...secrets.keys()].join('\n');
    for (const kind of ['API token', 'verify link', 'login-link link', 'set-password link', 'reset-password link', 'mfa/enroll link', 't1_session', 't1_challenge', 'recovery code', 'TOTP secret', 'password'])
      expect(names).toContain(kind);
    expect(secrets.size).toBeGreaterThan(60);
  });

  it('no table holds one of them in a text column', () => {
    const db = new DatabaseSync(w.platform.database, { readOnly: true });
    try {
      const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['tokens', 'users', 'emails', 'audit_log', 'recovery_codes']));
      const leaks: string[] = [];
      let cells = 0;
      for (const { name: table } of tables) {
        for (const row of db.prepare(`select * from "${table}"`).all() as Record<string, unknown>[]) {
          for (const [column, value] of Object.entries(row)) {
            const text = typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : null;
            if (text === null) continue;
            cells += 1;
            for (const [secret, plain] of secrets) if (text.includes(plain)) leaks.push(`${table}.${column} holds ${secret}`);
          }
        }
      }
      expect(cells).toBeGreaterThan(1000);
      expect(leaks).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('neither the database file nor its WAL holds one of them', () => {
    const files = [w.platform.database, `${w.platform.database}-wal`].filter((file) => existsSync(file));
    expect(files.length).toBeGreaterThanOrEqual(1);
    const leaks: string[] = [];
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const [secret, plain] of secrets) if (bytes.includes(Buffer.from(plain))) leaks.push(`${file} holds ${secret}`);
    }
    expect(leaks).toEqual([]);
  });

  it('the request log holds none of them', () => {
    const text = Buffer.concat(log).toString('utf8');
    expect(text).toContain('/login-link/:token');
    const leaks = [...secrets].filter(([, plain]) => text.includes(plain)).map(([secret]) => secret);
    expect(leaks).toEqual([]);
  });
});
