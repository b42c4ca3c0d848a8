// Shared by the support-action integration tests: a platform that delivers its mail to
// a real SMTP sink and whose links lead back to itself, a clock the test can move, the
// t1 command line pointed at it, and the person-side steps (open a link, sign in).
import type { Clock } from '../../src/platform/clock.ts';
import type { StaffRole } from '../../src/contract/vocabulary.ts';
import type { Prompter } from '../../src/cli/prompter.ts';
import { runT1, type CliResult } from './cli.ts';
import { startTestPlatform, type TestPlatform, type TestPlatformOptions } from './platform.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { Browser, type PageResponse } from './browserless.ts';

/** A clock that runs with real time shifted by an offset, or stands still once frozen. */
export interface TestClock extends Clock {
  /** Stops time at `ms` (epoch milliseconds). */
  freeze(ms: number): void;
  /** Moves time forward (or back, with a negative amount). */
  advance(ms: number): void;
  /** Lets a frozen clock run again from where it stands. */
  thaw(): void;
}

export function testClock(): TestClock {
  let frozenAt: number | null = null;
  let offset = 0;
  return {
    now: () => new Date(frozenAt ?? Date.now() + offset),
    freeze(ms) {
      frozenAt = ms;
    },
    advance(ms) {
      if (frozenAt === null) offset += ms;
      else frozenAt += ms;
    },
    thaw() {
      if (frozenAt === null) return;
      offset = frozenAt - Date.now();
      frozenAt = null;
    },
  };
}

export interface ActionWorld {
  platform: TestPlatform;
  sink: SmtpSink;
  url: string;
  /** Runs t1 against the platform as an agent (or the given role), off a terminal. */
  t1(args: string[], options?: { role?: StaffRole; tty?: boolean; prompter?: Prompter; token?: string }): Promise<CliResult>;
  /** A fresh browser (its own cookie jar) for the platform's pages. */
  browser(): Browser;
  close(): Promise<void>;
}

export async function startActionWorld(options: Omit<TestPlatformOptions, 'smtpUrl' | 'publicUrl'> = {}): Promise<ActionWorld> {
  const sink = await startSmtpSink();
  const platform = await startTestPlatform({ mailPollMs: 50, signInDelayMs: () => 0, ...options, smtpUrl: sink.url, publicUrl: 'self' });
  // The demo comes with an email history; these tests count only what the actions send.
  await platform.platform.ctx.db.deleteFrom('emails').execute();
  return {
    platform,
    sink,
    url: platform.url,
    t1: (args, o = {}) => {
      const env = platform.env(o.role ?? 'agent');
      if (o.token) env.T1_TOKEN = o.token;
      return runT1(args, { env, tty: o.tty, overrides: o.prompter ? { prompter: o.prompter } : {} });
    },
    browser: () => new Browser(platform.url),
    async close() {
      await platform.close();
      await sink.close();
    },
  };
}

/** A prompter for tests: confirm() answers `answer` and records the questions. */
export function confirming(answer: boolean): Prompter & { asked: string[] } {
  const asked: string[] = [];
  const refuse = async (): Promise<never> => {
    throw new Error('unexpected prompt');
  };
  return {
    asked,
    input: refuse,
    password: refuse,
    search: refuse,
    select: refuse,
    async confirm(message: string) {
      asked.push(message);
      return answer;
    },
  };
}

/** Parses a --json command's stdout, failing with its stderr when it did not succeed. */
export function json<T = any>(result: CliResult): T {
  if (result.exitCode !== 0) throw new Error(`t1 exited ${result.exitCode}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Signs in at /e/<slug>/login with a password; returns the page the form led to (not followed). */
export async function signIn(browser: Browser, slug: string, email: string, password: string): Promise<PageResponse> {
  const page = await browser.get(`/e/${slug}/login`);
  return browser.submit(page, { email, password }, `/e/${slug}/login`);
}

/** Enters a 2FA code (or recovery code) on the code step of a sign-in. */
export async function enterCode(browser: Browser, slug: string, code: string): Promise<PageResponse> {
  const page = await browser.get(`/e/${slug}/login/code`);
  if (page.status !== 200) throw new Error(`The code step answered ${page.status} (${page.location ?? ''}).`);
  return browser.submit(page, { code }, `/e/${slug}/login/code`);
}

/** The token at the end of a link's path. */
export function linkToken(url: string): string {
  return new URL(url).pathname.split('/').at(-1)!;
}

/** The stored row of an emailed or printed link (found by its key, as the platform does). */
export async function linkRow(world: ActionWorld, url: string) {
  const { tokenKey } = await import('../../src/platform/clock.ts');
  return world.platform.platform.ctx.db
    .selectFrom('tokens')
    .selectAll()
    .where('hash', '=', tokenKey(linkToken(url)))
    .executeTakeFirstOrThrow();
}

/** "status/stage" of a person's registration, as `t1 status --json` reports it. */
export async function registrationOf(world: ActionWorld, email: string, event: string): Promise<string> {
  const view = json(await world.t1(['--json', 'status', email, '--event', event]));
  return `${view.registration.status}/${view.registration.stage}`;
}

/** Emails the outbox holds for a person with this template. */
export async function outboxCount(world: ActionWorld, email: string, template?: string): Promise<number> {
  const row = await world.platform.platform.ctx.db
    .selectFrom('emails')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('recipient', '=', email)
    .$if(template !== undefined, (q) => q.where('template', '=', template!))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Polls `read` until it returns `expected` (compared as JSON), or throws after `timeoutMs`. */
export async function waitFor<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await read();
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  } while (Date.now() < deadline);
  throw new Error(`Still ${JSON.stringify(last)} after ${timeoutMs} ms, expected ${JSON.stringify(expected)}.`);
}
