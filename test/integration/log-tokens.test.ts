// No live secret ever reaches the platform's log. `t1 platform start` serves a platform
// (JSON log lines off a terminal, short lines on one, and with --quiet), and every kind of
// secret goes through it: link tokens of every kind (verification, activation, login
// link, set-password, invitation, webhook, reset, 2FA enrollment), the session, challenge
// and CSRF cookies and fields, API tokens, staff sign-in tokens, identity-check codes,
// TOTP and recovery codes, webhook secrets, ids and signatures. Each link is also pasted
// the ways people paste links: with the sentence's full stop, a bracket, an escaped
// character, an extra path part, in a query, on a wrong path. Then the whole log is
// searched for every one of those secrets.
import { createHmac } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runT1, type CliResult } from '../helpers/cli.ts';
import { tempDir } from '../helpers/platform.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { Browser, elementText, formsOf, headingOf, listItems, textOf } from '../helpers/browserless.ts';
import { stepAt, totpForStep } from '../helpers/totp.ts';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming;
const LIVE = DEMO_EVENT_SLUGS.live;
const LINK_PATH = /^\/(verify|login-link|set-password|reset-password|mfa\/enroll)\/([A-Za-z0-9_-]{43})$/;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

interface Pasted {
  /** exact: the link as sent; punctuation: after the token; longer: a token character more; elsewhere: the token on another path; post: a form post without its CSRF value. */
  how: 'exact' | 'punctuation' | 'longer' | 'elsewhere' | 'post';
  link: string;
  url: string;
  status: number;
  body: string;
}

/** What a run saw: the platform's stderr, and every secret that went through it, by kind. */
interface Run {
  log: string;
  secrets: Map<string, Set<string>>;
  /** Answers to the pasted links, for the page checks. */
  pasted: Pasted[];
}

async function serveAndExercise(flags: string[], tty: boolean): Promise<Run> {
  const dir = tempDir('t1-log-tokens-');
  const db = join(dir, 'platform.db');
  const env = { T1_HOME: join(dir, 'home') };
  const secrets = new Map<string, Set<string>>();
  const keep = (kind: string, value: string | undefined) => {
    if (!value) return;
    secrets.set(kind, (secrets.get(kind) ?? new Set()).add(value));
  };
  let sink: SmtpSink | undefined;
  let stop: (signal: string) => void = () => {};
  let serving: Promise<CliResult> | undefined;
  try {
    expect((await runT1(['platform', 'seed', '--demo', '--db', db], { env })).exitCode).toBe(0);
    const tokenFor = async (role: string) => (await runT1(['platform', 'token', 'create', '--role', role, '--db', db], { env })).stdout.trim();
    const agentToken = await tokenFor('agent');
    const adminToken = await tokenFor('admin');
    keep('API token', agentToken);
    keep('API token', adminToken);

    sink = await startSmtpSink();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    serving = runT1(['platform', 'start', '--db', db, '--port', String(port), '--smtp', sink.url, ...flags], { env, tty, overrides: { untilStopped: () => stopped } });
    for (let tries = 0; ; tries += 1) {
      const up = await fetch(`${url}/v1/health`).then((r) => r.ok, () => false);
      if (up) break;
      if (tries > 100) throw new Error('The platform did not start.');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const t1 = async (args: string[], token = agentToken) => {
      const result = await runT1([...args, '--reason', 'log check', '--yes'], { env: { ...env, T1_API_URL: url, T1_TOKEN: token } });
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      return result;
    };
    const mailsSeen = () => sink!.received.length;
    const mailWith = async (to: string, subject: string) => {
      for (let tries = 0; tries < 200; tries += 1) {
        const mail = sink!.mailsTo(to).find((m) => m.subject === subject);
        if (mail) return mail;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`No "${subject}" mail for ${to}.`);
    };

    // Staff sign-in over the API: a challenge (the demo requires 2FA of staff).
    const staff = (await (await fetch(`${url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: DEMO_EXAMPLES.adminStaff, password: DEMO_PASSWORD }) })).json()) as Record<string, unknown>;
    for (const field of ['token', 'challenge', 'setupKey']) keep('staff sign-in', typeof staff[field] === 'string' ? (staff[field] as string) : undefined);
    keep('typed password', DEMO_PASSWORD);

    // Links of every kind, from support actions, pages and a webhook.
    const printed = await t1(['magic-link', 'create', 'arjun.patel@litware.example', '--event', LIVE]);
    const magicLink = /https?:\/\/\S+\/login-link\/[A-Za-z0-9_-]+/.exec(printed.stdout)?.[0];
    expect(magicLink).toBeDefined();
    await t1(['set-password-link', 'send', DEMO_EXAMPLES.passwordNotSetPerson, '--event', SUMMIT]);
    await t1(['password', 'reset', DEMO_EXAMPLES.personWithSeveralRegistrations, '--send']);
    await t1(['mfa', 'qr', DEMO_EXAMPLES.twoFactorPerson, '--send']);
    await t1(['verification', 'resend', DEMO_EXAMPLES.pendingVerificationPerson, '--event', SUMMIT, '--force']);
    await t1(['invitations', 'send', 'leon.weber@contoso.example', '--event', SUMMIT, '--first-name', 'Leon', '--last-name', 'Weber']);
    await t1(['identity', 'send-code', DEMO_EXAMPLES.personWithSeveralRegistrations]);
    const codeMail = await mailWith(DEMO_EXAMPLES.personWithSeveralRegistrations, 'Your verification code');
    const identityCode = /^(\d{6})$/m.exec(codeMail.text)?.[1];
    expect(identityCode).toBeDefined();
    keep('identity-check code', identityCode);
    await t1(['identity', 'check', DEMO_EXAMPLES.personWithSeveralRegistrations, identityCode!]);

    const webhookSecret = (await t1(['events', 'webhook-secret', SUMMIT], adminToken)).stdout.trim();
    keep('webhook secret', webhookSecret);
    const body = JSON.stringify({ type: 'registration.created', data: { event: SUMMIT, email: 'lena.hook@fabrikam.example', firstName: 'Lena', lastName: 'Hook' } });
    const webhookId = `msg_${'Qx7'.repeat(10)}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v1,${createHmac('sha256', Buffer.from(webhookSecret.replace(/^whsec_/, ''), 'base64')).update(`${webhookId}.${timestamp}.${body}`).digest('base64')}`;
    keep('webhook id', webhookId);
    keep('webhook signature', signature.slice(3));
    const hook = await fetch(`${url}/v1/webhooks/registrations`, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': webhookId, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature }, body });
    expect(hook.status).toBe(201);

    const visitor = new Browser(url);
    const activation = await visitor.submit(await visitor.get(`/e/${SUMMIT}/activate`), { email: DEMO_EXAMPLES.pendingVerificationPerson }, `/e/${SUMMIT}/activate`);
    expect(activation.status).toBe(200);

    const expectedMails = 8; // set-password, reset, enrollment, verification, invitation, code, webhook, activation
    for (let tries = 0; mailsSeen() < expectedMails && tries < 200; tries += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    const links = [magicLink!, ...sink.received.flatMap((mail) => mail.links)].filter((link) => LINK_PATH.test(new URL(link).pathname));
    for (const link of links) keep(`${LINK_PATH.exec(new URL(link).pathname)![1]} link token`, LINK_PATH.exec(new URL(link).pathname)![2]);

    // Every link pasted the ways people paste links (none of these uses a link up).
    const pasted: Run['pasted'] = [];
    for (const link of links) {
      const { origin, pathname } = new URL(link);
      const token = pathname.split('/').at(-1)!;
      const variants: [Pasted['how'], string][] = [
        ['exact', link],
        ['punctuation', `${link}.`],
        ['punctuation', `${link})`],
        ['punctuation', `${link},`],
        ['punctuation', `${link}%3E`],
        ['punctuation', `${link}%22`],
        ['punctuation', `${link}/`],
        ['longer', `${link}x`],
        ['elsewhere', `${link}/more`],
        ['elsewhere', `${origin}/${token}`],
        ['elsewhere', `${origin}/e/${token}`],
        ['elsewhere', `${origin}/e/${SUMMIT}/${token}`],
        ['elsewhere', `${origin}/verify?token=${token}`],
        ['elsewhere', `${origin}/verify/?${token}`],
        ['elsewhere', `${origin}/v1/users/${token}`],
      ];
      for (const [how, variant] of variants) {
        const response = await fetch(variant, { headers: { authorization: `Bearer ${agentToken}` }, redirect: 'manual' });
        pasted.push({ how, link, url: variant, status: response.status, body: await response.text() });
      }
      const posted = await fetch(`${link}.`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x', redirect: 'manual' });
      pasted.push({ how: 'post', link, url: `${link}.`, status: posted.status, body: await posted.text() });
    }

    // Two-factor enrollment through its emailed link, then a sign-in with a code.
    const person = new Browser(url);
    const enrollLink = links.find((link) => link.includes('/mfa/enroll/'))!;
    const enrollPage = await person.get(`${enrollLink}.`);
    expect(headingOf(enrollPage.body)).toBe('Set up two-factor authentication');
    const setupKey = elementText(enrollPage.body, 'setup-key')!.replace(/ /g, '');
    keep('TOTP secret', setupKey);
    const step = stepAt(Date.now());
    const enrolled = await person.submit(enrollPage, { code: totpForStep(setupKey, step) });
    expect(headingOf(enrolled.body)).toBe('Two-factor authentication is on');
    for (const code of listItems(enrolled.body, 'recovery-codes')) keep('recovery code', code);
    keep('TOTP code', totpForStep(setupKey, step));
    const attendee = new Browser(url);
    const signIn = await attendee.submit(await attendee.get(`/e/${SUMMIT}/login`), { email: DEMO_EXAMPLES.twoFactorPerson, password: DEMO_PASSWORD }, `/e/${SUMMIT}/login`);
    keep('challenge cookie', signIn.setCookies.t1_challenge);
    const nextCode = totpForStep(setupKey, step + 1);
    keep('TOTP code', nextCode);
    const codeStep = await attendee.get(`/e/${SUMMIT}/login/code`);
    const signedIn = await attendee.submit(codeStep, { code: nextCode }, `/e/${SUMMIT}/login/code`);
    expect(signedIn.status, textOf(signedIn.body)).toBe(303);
    keep('session cookie', signedIn.setCookies.t1_session);
    for (const browser of [visitor, person, attendee]) keep('CSRF cookie', browser.cookies.get('t1_csrf'));
    for (const page of [codeStep, enrollPage]) for (const form of formsOf(page.body)) keep('CSRF field', form.fields.csrf);

    // A login link pasted with its full stop still signs the person in.
    const arjun = new Browser(url);
    const page = await arjun.get(`${magicLink}.`);
    expect(page.status).toBe(200);
    expect(formsOf(page.body).map((form) => form.action)).toEqual([new URL(magicLink!).pathname]);
    const entered = await arjun.submit(page);
    expect(entered.status).toBe(303);
    keep('session cookie', entered.setCookies.t1_session);

    stop('SIGTERM');
    const result = await serving;
    serving = undefined;
    expect(result.exitCode, result.stderr).toBe(0);
    return { log: result.stderr, secrets, pasted };
  } finally {
    stop('SIGTERM');
    await serving;
    await sink?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The URLs of the request lines of a log. */
function loggedUrls(log: string, shortLines: boolean): string[] {
  const urls = new Set<string>();
  for (const line of log.split('\n')) {
    if (shortLines) {
      const match = /^\d\d:\d\d:\d\d \d{3} [A-Z]+ (\S+) \d+ ms$/.exec(line);
      if (match) urls.add(match[1]!);
    } else if (line.startsWith('{')) {
      const url = (JSON.parse(line) as { req?: { url?: string } }).req?.url;
      if (url !== undefined) urls.add(url);
    }
  }
  return [...urls];
}

/** Codes are short digit strings: only a match as a whole number counts. */
function appears(log: string, secret: string): boolean {
  return /^\d+$/.test(secret) ? new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(log) : log.includes(secret);
}

const KINDS = [
  'API token',
  'staff sign-in',
  'typed password',
  'login-link link token',
  'set-password link token',
  'reset-password link token',
  'verify link token',
  'mfa/enroll link token',
  'identity-check code',
  'webhook secret',
  'webhook id',
  'webhook signature',
  'TOTP secret',
  'TOTP code',
  'recovery code',
  'challenge cookie',
  'session cookie',
  'CSRF cookie',
  'CSRF field',
];

describe.each([
  { name: 'JSON lines (off a terminal)', flags: [], tty: false, requestLog: true },
  { name: 'short lines on a terminal', flags: [], tty: true, requestLog: true },
  { name: '--quiet', flags: ['--quiet'], tty: false, requestLog: false },
])('the log of t1 platform start: $name', ({ flags, tty, requestLog }) => {
  let run: Run;
  beforeAll(async () => {
    run = await serveAndExercise(flags, tty);
  }, 120_000);

  it('holds none of the secrets that went through the platform, of any kind', () => {
    expect([...run.secrets.keys()].sort()).toEqual([...KINDS].sort());
    const found: string[] = [];
    for (const [kind, values] of run.secrets) for (const value of values) if (appears(run.log, value)) found.push(`${kind}: ${value}`);
    expect(found).toEqual([]);
    // Invitation, webhook and the set-password action each sent a set-password link.
    expect(run.secrets.get('set-password link token')!.size).toBeGreaterThanOrEqual(3);
  });

  it(requestLog ? 'names each request by its route, event slugs and query names' : 'has no request lines', () => {
    const urls = loggedUrls(run.log, tty);
    if (!requestLog) {
      expect(urls).toEqual([]);
      return;
    }
    for (const route of ['/login-link/:token', '/verify/:token', '/set-password/:token', '/reset-password/:token', '/mfa/enroll/:token', '/v1/users/:user', `/e/${SUMMIT}/login`, '/verify?token', '/e/:slug', '/*', `/e/${SUMMIT}/*`, '/v1/webhooks/registrations']) {
      expect(urls, route).toContain(route);
    }
    // Nothing else than route words, placeholders and query names.
    for (const url of urls) expect(url).toMatch(/^(\/([a-z0-9.-]+|:[a-z]+|\*))*\/?(\?[a-zA-Z0-9_*&]+)?$/);
  });

  it('shows the page of a link pasted with punctuation after its token, which no token holds', () => {
    const exact = new Map(run.pasted.filter((p) => p.how === 'exact').map((p) => [p.link, p]));
    const answers = run.pasted.filter((p) => p.how === 'punctuation');
    expect(answers.length).toBeGreaterThan(30);
    for (const answer of answers) {
      const asSent = exact.get(answer.link)!;
      expect([answer.status, headingOf(answer.body)], answer.url).toEqual([asSent.status, headingOf(asSent.body)]);
      expect(formsOf(answer.body).map((form) => form.action), answer.url).toEqual(formsOf(asSent.body).map((form) => form.action));
    }
    // The live ones (older links of a kind were replaced by newer ones) show their button.
    const live = answers.filter((answer) => answer.status === 200);
    expect(new Set(live.map((answer) => answer.link)).size).toBeGreaterThanOrEqual(6);
    for (const answer of live) expect(formsOf(answer.body)[0]!.action).toBe(new URL(answer.link).pathname);
  });

  it('refuses, saying so, a link with a character more, and a token on another path', () => {
    for (const answer of run.pasted.filter((p) => p.how === 'longer')) {
      expect(answer.status, answer.url).toBe(410);
      expect(headingOf(answer.body)).toBe('This link is not valid');
      expect(textOf(answer.body)).toContain('Copy the whole link from the email');
    }
    for (const answer of run.pasted.filter((p) => p.how === 'elsewhere')) expect(answer.status, answer.url).toBeGreaterThanOrEqual(400);
  });

  it('uses no link up on a form post without its CSRF value', () => {
    for (const answer of run.pasted.filter((p) => p.how === 'post')) expect(answer.status, answer.url).toBe(403);
  });
});

