// Shared by the activity-log integration tests (activity-*.test.ts): a platform whose
// mail goes to a real SMTP server the test can make refuse deliveries, a clock the test
// moves (t1 reads the same clock, so --since is relative to it), browsers that send a
// chosen User-Agent, and a collector of every secret the traffic carried (typed
// passwords and codes, link tokens from mails, TOTP setup keys, recovery codes) for the
// secrets-at-rest scan of the activity table.
import type { AddressInfo } from 'node:net';
import { DatabaseSync } from 'node:sqlite';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';
import type { StaffRole } from '../../src/contract/vocabulary.ts';
import { DEMO_ORG_ID } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import { testClock, type TestClock } from '../helpers/action-kit.ts';
import { Browser, elementText, listItems, type PageResponse } from '../helpers/browserless.ts';
import { runT1, type CliResult } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform, type TestPlatformOptions } from '../helpers/platform.ts';
import { base32Decode } from '../helpers/totp.ts';

export const UA = {
  /** Reads "Chrome 156 on Windows". */
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  /** Reads "Safari 26 on iOS". */
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 26_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1',
  /** A mail client's link scanner (Outlook/Safe Links style): no browser the pages know. */
  scanner: 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)',
  curl: 'curl/8.5.0',
} as const;

export const LINK_PATH = /^\/(verify|login-link|set-password|reset-password|mfa\/enroll)\/([A-Za-z0-9_-]+)$/;

/** name -> plain secret, filled from the traffic of every browser of a world. */
export class Secrets extends Map<string, string> {
  add(name: string, value: string | undefined): void {
    if (value && value.length >= 6) this.set(`${name} ${value.slice(0, 4)}… #${this.size}`, value);
  }
}

/**
 * A cookie-keeping browser (the Browser helper's) that sends this User-Agent, and
 * remembers every secret it types or is shown.
 */
export class UaBrowser extends Browser {
  readonly userAgent: string;
  readonly secrets: Secrets;

  constructor(base: string, userAgent: string, secrets: Secrets) {
    super(base);
    this.userAgent = userAgent;
    this.secrets = secrets;
  }

  override async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<PageResponse> {
    const target = new URL(url, this.base).toString();
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ');
    let body: string | undefined;
    if (form) {
      for (const name of ['password', 'confirmation', 'code']) this.secrets.add(`typed ${name}`, form[name]);
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const match = LINK_PATH.exec(new URL(target).pathname);
    if (match) this.secrets.add(`${match[1]} link token`, match[2]);
    const response = await fetch(target, { method, headers, body, redirect: 'manual' });
    const setCookies: Record<string, string> = {};
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((p) => p.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now()));
      if (expired || value === '') {
        this.cookies.delete(name);
        setCookies[name] = '';
      } else {
        this.cookies.set(name, value);
        setCookies[name] = value;
        if (name === 't1_session' || name === 't1_challenge') this.secrets.add(`${name} cookie`, value);
      }
    }
    const location = response.headers.get('location');
    const text = await response.text();
    const key = elementText(text, 'setup-key');
    if (key) {
      const bare = key.replace(/ /g, '');
      this.secrets.add('TOTP secret (base32)', bare);
      this.secrets.add('TOTP secret (hex)', base32Decode(bare).toString('hex'));
    }
    for (const code of listItems(text, 'recovery-codes')) {
      this.secrets.add('recovery code', code);
      this.secrets.add('recovery code (bare)', code.replace(/-/g, ''));
    }
    return { status: response.status, url: target, location: location ? new URL(location, target).toString() : null, headers: response.headers, body: text, setCookies };
  }
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
  links: string[];
  link: string;
}

/** A real SMTP server that can refuse the next deliveries to an address (451, try again later). */
export interface MailServer {
  url: string;
  received: Mail[];
  refuseNext(address: string, times: number): void;
  nextMail(to: string, options?: { after?: number; timeoutMs?: number }): Promise<Mail>;
  close(): Promise<void>;
}

export async function startMailServer(): Promise<MailServer> {
  const received: Mail[] = [];
  const refusals = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const left = refusals.get(address.address.toLowerCase()) ?? 0;
      if (left > 0) {
        refusals.set(address.address.toLowerCase(), left - 1);
        callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
        return;
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
          const text = parsed.text ?? '';
          const links = [...text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]);
          received.push({ to: (to?.value[0]?.address ?? '').toLowerCase(), subject: parsed.subject ?? '', text, links, link: links[0] ?? '' });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const mailsTo = (to: string) => received.filter((m) => m.to === to.toLowerCase());
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refuseNext: (address, times) => void refusals.set(address.toLowerCase(), times),
    async nextMail(to, options = {}) {
      const after = options.after ?? mailsTo(to).length;
      const deadline = Date.now() + (options.timeoutMs ?? 10_000);
      while (Date.now() < deadline) {
        const mail = mailsTo(to)[after];
        if (mail) return mail;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`No mail #${after + 1} for ${to} (${mailsTo(to).length} received).`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}



export interface ActivityWorld {
  platform: TestPlatform;
  mail: MailServer;
  url: string;
  clock: TestClock;
  secrets: Secrets;
  /** t1 against the platform, off a terminal; its clock is the platform's. */
  t1(args: string[], options?: { role?: StaffRole; token?: string; tty?: boolean }): Promise<CliResult>;
  browser(userAgent?: string): UaBrowser;
  /** An API token of a named staff member (so the audit log names them). */
  staffToken(email: string, role: StaffRole): Promise<string>;
  close(): Promise<void>;
}

export async function startActivityWorld(options: Omit<TestPlatformOptions, 'smtpUrl' | 'publicUrl' | 'clock'> & { mail?: boolean } = {}): Promise<ActivityWorld> {
  const clock = testClock();
  const mail = await startMailServer();
  const platform = await startTestPlatform({
    mailPollMs: 50,
    signInDelayMs: () => 0,
    ...options,
    clock,
    smtpUrl: options.mail === false ? undefined : mail.url,
    publicUrl: 'self',
  });
  // The demo comes with an email and activity history; these tests look only at what they cause.
  await platform.platform.ctx.db.deleteFrom('emails').execute();
  await platform.platform.ctx.db.deleteFrom('activity').execute();
  const secrets = new Secrets();
  for (const [role, token] of Object.entries(platform.tokens)) secrets.add(`API token (${role})`, token);
  return {
    platform,
    mail,
    url: platform.url,
    clock,
    secrets,
    t1: (args, o = {}) => {
      const env = platform.env(o.role ?? 'agent');
      if (o.token) env.T1_TOKEN = o.token;
      return runT1(args, { env, tty: o.tty, overrides: { now: () => clock.now() } });
    },
    browser: (userAgent = UA.chromeWindows) => new UaBrowser(platform.url, userAgent, secrets),
    async staffToken(email, role) {
      const db = platform.platform.ctx.db;
      const staff = await db.selectFrom('staff').select('id').where('email', '=', email).executeTakeFirstOrThrow();
      const issued = await issueApiToken(db, platform.platform.ctx, { orgId: DEMO_ORG_ID, role, name: `${email} cli`, createdBy: 'test', staffId: staff.id });
      secrets.add('staff API token', issued.token);
      return issued.token;
    },
    async close() {
      await platform.close();
      await mail.close();
    },
  };
}

/** Adds the link tokens of every mail received so far to the world's secrets. */
export function collectMailSecrets(w: ActivityWorld): void {
  for (const mail of w.mail.received) {
    for (const link of mail.links) {
      const match = LINK_PATH.exec(new URL(link).pathname);
      if (match) w.secrets.add(`${match[1]} link token (mailed)`, match[2]);
    }
  }
}

export interface TimelineItem {
  id: string;
  at: string;
  source: 'activity' | 'audit';
  kind: string;
  outcome: string;
  reason: string | null;
  eventSlug: string | null;
  email: string | null;
  detail: Record<string, any>;
  cause: string | null;
  actor: string | null;
  browser: { family: string; version: string | null; os: string | null; supported: boolean | null } | null;
  network: string | null;
  requestId: string | null;
  tokenId: string | null;
  emailId: string | null;
  webhookId: string | null;
  ticket: string | null;
  note: string | null;
  summary: string;
}

export interface TimelineView {
  email: string;
  hasAccount: boolean;
  items: TimelineItem[];
  more: boolean;
}

/** Parses a --json command's stdout, failing with its stderr when it did not succeed. */
export function parsed<T>(result: CliResult): T {
  if (result.exitCode !== 0) throw new Error(`t1 exited ${result.exitCode}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

export async function timeline(w: ActivityWorld, email: string, extra: string[] = [], role?: StaffRole): Promise<TimelineView> {
  return parsed<TimelineView>(await w.t1(['--json', 'users', 'timeline', email, ...extra], { role }));
}

export async function links(w: ActivityWorld, email: string, extra: string[] = []): Promise<{ email: string; items: any[] }> {
  return parsed(await w.t1(['--json', 'links', email, ...extra]));
}

/** The summaries of the entries of these kinds, oldest first. */
export function summaries(view: TimelineView, ...kinds: string[]): string[] {
  return view.items.filter((e) => kinds.length === 0 || kinds.includes(e.kind)).map((e) => e.summary).reverse();
}

/** Every row of the activity table, every column, read straight from the SQLite file. */
export function activityRows(w: ActivityWorld): Record<string, unknown>[] {
  const db = new DatabaseSync(w.platform.database, { readOnly: true });
  try {
    return db.prepare('select * from activity').all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/**
 * The secrets-at-rest scan of the activity table: no cell holds a collected secret, and
 * the network column is a /24 or /48 network, never an address.
 */
export function expectNoSecretsInActivity(w: ActivityWorld, extra: Record<string, string> = {}): { rows: number; secrets: number } {
  collectMailSecrets(w);
  const all = new Map([...w.secrets, ...Object.entries(extra)]);
  const rows = activityRows(w);
  const leaks: string[] = [];
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      if (value === null || value === undefined) continue;
      const text = typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : String(value);
      for (const [name, plain] of all) if (text.includes(plain)) leaks.push(`activity ${String(row.id)}.${column} holds ${name}`);
      if (/\b127\.0\.0\.1\b/.test(text)) leaks.push(`activity ${String(row.id)}.${column} holds the full loopback address`);
    }
    const network = row.network as string | null;
    if (network !== null) expect(network, `network of ${String(row.id)}`).toMatch(/^(\d{1,3}\.\d{1,3}\.\d{1,3}\.0\/24|[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/48)$/);
  }
  expect(leaks).toEqual([]);
  return { rows: rows.length, secrets: all.size };
}

/** The kinds the activity table holds. */
export function kindsStored(w: ActivityWorld): Set<string> {
  return new Set(activityRows(w).map((r) => String(r.kind)));
}

/** Which activity-*.test.ts file produces which kinds through the real flows (together: all of them). */
export const KINDS_BY_FILE = {
  'activity-links': ['link.issued', 'link.opened', 'link.used', 'link.refused', 'password.set', 'password.refused', 'registration.completed', 'sign_in.succeeded', 'mail.queued', 'mail.sent'],
  'activity-refusals': ['registration.refused', 'webhook.received', 'webhook.refused', 'registration.submitted'],
  'activity-sign-in': [
    'sign_in.failed',
    'sign_in.succeeded',
    'account.locked',
    'mfa.enabled',
    'mfa.removed',
    'mfa.recovery_code_used',
    'registration.repeated',
    'mail.queued',
    'mail.sent',
    'mail.failed',
    'mail.captured',
    'visit.coming_soon',
  ],
  'activity-timeline': ['link.opened', 'visit.first', 'registration.submitted', 'link.used', 'registration.completed'],
  'account-2fa': ['mfa.enabled', 'mfa.removed', 'mfa.recovery_codes_replaced', 'mfa.phone_changed'],
} as const;
