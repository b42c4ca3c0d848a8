// `t1 diagnose`: every check that applies to a person at once, like a doctor report.
// Each check is a small function over PlatformFacts that returns a finding with the t1
// commands that fix it (or null when it does not apply). Person checks run once; event
// checks run for the named event, or for each of the person's registrations.
import { describeActivity, LINK_KIND_NAMES } from '../contract/activity.ts';
import type { BrowserView, LinkView, TimelineEntry } from '../contract/schemas.ts';
import { browserText } from '../cli/render/activity.ts';
import { formatInZone, formatUtc } from '../cli/render/format.ts';
import { callerBrowser } from './checks/browser-ladder.ts';
import { recentMailCheck } from './checks/recent-mail.ts';
import { smsDeliveryCheck } from './checks/sms-delivery.ts';
import { registrationCheck } from './checks/registration.ts';
import { signInCheck } from './checks/sign-in.ts';
import type { PlatformFacts } from './facts.ts';
import type { Answers, CheckContext, Finding, Fix } from './runbook.ts';
import { renewLinkFix } from './link-fixes.ts';

/** A finding with what fixes it: t1 commands, or a hint when no command does. */
export interface Diagnosis extends Finding {
  /** The check's title, e.g. "Email delivery". */
  title: string;
  /** The event a check looked at; null for the account-wide ones. */
  event: string | null;
  fixes: Fix[];
  /** What to do when no t1 command fixes it (or what to tell the caller). */
  hint?: string;
}

/** A check of the report: runs with answers {email} (person) or {email, event} (event). */
export interface DiagnoseCheck {
  id: string;
  title: string;
  scope: 'person' | 'event';
  run(context: CheckContext): Promise<Omit<Diagnosis, 'title' | 'event'> | null>;
}

export interface DiagnoseReport {
  email: string;
  person: { id: string; name: string } | null;
  /** The events checked (the named one, or each registration's). */
  events: string[];
  checkedAt: string;
  results: Diagnosis[];
  counts: { ok: number; warn: number; fail: number };
}

const WORDS_FOR_KIND = (kind: string): string => LINK_KIND_NAMES[kind] ?? 'link';

/** Same browser: same family and system (versions change with updates). */
function sameBrowser(a: BrowserView | null, b: BrowserView | null): boolean {
  return !!a && !!b && a.family === b.family && a.os === b.os;
}

/** The newest link of each kind and event: the one that matters now. */
function newestLinks(links: LinkView[]): LinkView[] {
  const seen = new Map<string, LinkView>();
  for (const link of links) {
    const key = `${link.kind} ${link.eventSlug ?? ''}`;
    const held = seen.get(key);
    if (!held || link.createdAt > held.createdAt) seen.set(key, link);
  }
  return [...seen.values()];
}

/**
 * A used link that the person then found dead: a refusal "already used" came after the
 * use (from another browser: someone else, such as a mail scanner, pressed it first), or
 * an unrecognised program (a scanner) used it and the person's later visits come from a
 * real browser.
 */
export function usedBySomeoneElse(link: LinkView, timeline: TimelineEntry[]): { refusal: TimelineEntry | null; laterBrowser: BrowserView | null; otherBrowser: boolean } | null {
  if (link.state !== 'used' || !link.usedAt) return null;
  const usedAt = link.usedAt;
  const refusal = timeline.find((e) => e.kind === 'link.refused' && e.reason === 'already_used' && e.tokenId === link.id && e.at >= usedAt) ?? null;
  if (refusal) return { refusal, laterBrowser: refusal.browser, otherBrowser: !sameBrowser(refusal.browser, link.usedBrowser) };
  if (link.usedBrowser?.supported !== null) return null;
  const later = timeline.filter((e) => e.at > usedAt && e.source === 'activity' && e.browser && e.tokenId !== link.id && !sameBrowser(e.browser, link.usedBrowser));
  const person = later.find((e) => e.browser!.supported !== null);
  return person ? { refusal: null, laterBrowser: person.browser, otherBrowser: true } : null;
}

const when = formatUtc;

// ---- Person checks ---------------------------------------------------------------------

const accountCheck: DiagnoseCheck = {
  id: 'account',
  title: 'Account',
  scope: 'person',
  async run({ answers, facts }) {
    const email = answers.email!;
    const user = await facts.user(email);
    if (!user) {
      const attempts = (await facts.timeline(email)).filter((e) => e.outcome !== 'ok');
      const last = attempts[0];
      return {
        check: 'account',
        verdict: 'fail',
        summary: `No account has ${email}${last ? `; the last attempt with it: ${describeActivity(last)} (${when(last.at)})` : ''}.`,
        evidence: attempts.slice(0, 5).map((e) => `${e.at} ${e.kind} ${e.reason ?? ''}`.trim()),
        fixes: [],
        hint: last?.kind === 'registration.refused' && last.eventSlug
          ? `Check which addresses the event accepts: t1 events check-email ${last.eventSlug} ${email}`
          : 'Check the spelling, or look the person up by name with "t1 users find".',
      };
    }
    if (user.account.blocked) {
      return {
        check: 'account',
        verdict: 'fail',
        summary: `${user.fullName} is blocked: the platform refuses their sign-ins.`,
        evidence: ['account blocked'],
        fixes: [],
        hint: 'Only the organiser can lift a block; escalate if the caller disputes it.',
      };
    }
    return { check: 'account', verdict: 'ok', summary: `Account of ${user.fullName} (${user.id}) exists and is not blocked.`, evidence: [`created ${user.createdAt}`], fixes: [] };
  },
};

const lockCheck: DiagnoseCheck = {
  id: 'sign-in',
  title: 'Sign-in',
  scope: 'person',
  async run(context) {
    const email = context.answers.email!;
    const user = await context.facts.user(email);
    if (!user) return null;
    const found = await signInCheck.run(context);
    if (!found) return null;
    if (user.account.locked) return { ...found, fixes: [{ label: 'Unlock the account', argv: ['users', 'unlock', email] }] };
    if (found.verdict === 'warn') {
      const timeline = await context.facts.timeline(email);
      const failed = timeline.find((e) => e.kind === 'sign_in.failed')!;
      const since = timeline.find((e) => e.kind === 'sign_in.succeeded' && e.at > failed.at);
      if (since) return { ...found, verdict: 'ok', summary: `Signed in at ${when(since.at)}, after the last failed attempt (${when(failed.at)}).`, fixes: [] };
      return {
        ...found,
        fixes: failed.reason === 'wrong_password' ? [{ label: 'Email a password reset link', argv: ['password', 'reset', email, '--send'] }] : [],
      };
    }
    return { ...found, fixes: [] };
  },
};

const mailCheck: DiagnoseCheck = {
  id: 'mail',
  title: 'Email delivery',
  scope: 'person',
  async run(context) {
    const email = context.answers.email!;
    const found = await recentMailCheck.run(context);
    if (!found) return null;
    if (found.verdict === 'fail') {
      return {
        ...found,
        check: 'mail',
        fixes: [{ label: 'See every email and its error', argv: ['mail', 'log', email] }],
        hint: `Each attempt: t1 users timeline ${email} --kind mail. The address may have a typo, or their mail server refuses the platform's mail.`,
      };
    }
    if (found.verdict === 'warn') return { ...found, check: 'mail', fixes: [], hint: 'Nothing reaches the person: run the platform with "t1 platform start --smtp <url>" (or T1_SMTP_URL).' };
    return { ...found, check: 'mail', fixes: [] };
  },
};

const smsCheck: DiagnoseCheck = {
  id: 'sms',
  title: 'Text message codes',
  scope: 'person',
  async run(context) {
    const email = context.answers.email!;
    const found = await smsDeliveryCheck.run(context);
    if (!found) return null;
    const fixes = found.verdict === 'ok' ? [] : [{ label: 'See every text message and its delivery', argv: ['sms', 'log', email] }];
    const captured = /only captured/.test(found.summary);
    return {
      ...found,
      check: 'sms',
      fixes,
      ...(captured ? { hint: 'Nothing reaches phones: run the platform with "t1 platform start --sms-gateway <url>" (or T1_SMS_GATEWAY_URL).' } : {}),
    };
  },
};

const linksCheck: DiagnoseCheck = {
  id: 'links',
  title: 'Links',
  scope: 'person',
  async run({ answers, facts }) {
    const email = answers.email!;
    if (!(await facts.user(email))) return null;
    const links = (await facts.links(email)).filter((l) => !answers.events || l.eventSlug === null || answers.events.split(',').includes(l.eventSlug));
    if (links.length === 0) return null;
    const timeline = await facts.timeline(email);
    const problems: { verdict: 'warn' | 'fail'; text: string; fix: Fix | null; evidence: string }[] = [];
    for (const link of newestLinks(links)) {
      const name = WORDS_FOR_KIND(link.kind);
      const where = link.eventSlug ? ` for ${link.eventSlug}` : '';
      const other = usedBySomeoneElse(link, timeline);
      if (other) {
        const by = browserText(link.usedBrowser) || 'an unknown browser';
        const then = other.refusal
          ? `; ${other.otherBrowser ? "the person's" : 'a second'} click at ${when(other.refusal.at)}${other.otherBrowser && other.laterBrowser ? ` (${browserText(other.laterBrowser)})` : ''} was refused "already used"`
          : `; the person's later visits come from ${browserText(other.laterBrowser)}`;
        const someoneElse = other.otherBrowser ? ' (someone else, such as a mail scanner?)' : '';
        problems.push({
          verdict: other.otherBrowser && link.kind !== 'verify_email' ? 'fail' : 'warn',
          text: `The ${name}${where} was used at ${when(link.usedAt)} from ${by}${someoneElse}${then}`,
          fix: link.kind === 'verify_email' ? null : renewLinkFix(link.kind, email, link.eventSlug),
          evidence: `${link.id} ${link.kind} used ${link.usedAt} by ${by}`,
        });
        continue;
      }
      // Expired verification and enrollment links are reported by their own checks.
      if (link.state === 'expired' && link.kind !== 'verify_email' && link.kind !== 'mfa_enroll') {
        const refused = timeline.find((e) => e.kind === 'link.refused' && e.tokenId === link.id && e.reason === 'expired');
        problems.push({
          verdict: refused ? 'fail' : 'warn',
          text: `The ${name}${where} expired at ${when(link.expiresAt)}${refused ? ` and was refused when opened at ${when(refused.at)}` : ', unused'}`,
          fix: renewLinkFix(link.kind, email, link.eventSlug),
          evidence: `${link.id} ${link.kind} expired ${link.expiresAt}`,
        });
      }
    }
    if (problems.length === 0) return { check: 'links', verdict: 'ok', summary: 'No link expired unused or was used by someone else.', evidence: [], fixes: [] };
    const verdict = problems.some((p) => p.verdict === 'fail') ? 'fail' : 'warn';
    const fixes = problems.map((p) => p.fix).filter((f): f is Fix => f !== null);
    return {
      check: 'links',
      verdict,
      summary: `${problems.map((p) => p.text).join('. ')}.`,
      evidence: problems.map((p) => p.evidence),
      fixes: fixes.filter((f, i) => fixes.findIndex((g) => g.argv.join(' ') === f.argv.join(' ')) === i),
      hint: problems.some((p) => p.text.includes('such as a mail scanner'))
        ? 'A mail scanner can press the button on a link before the person does; send a new one and ask them to open it in their own browser soon after it arrives.'
        : undefined,
    };
  },
};

const mfaCheck: DiagnoseCheck = {
  id: 'mfa',
  title: 'Two-factor authentication',
  scope: 'person',
  async run({ answers, facts, now }) {
    const email = answers.email!;
    const user = await facts.user(email);
    const mfa = await facts.mfa(email);
    if (!user || !mfa) return null;
    const fix: Fix = { label: 'Email a new 2FA enrollment link', argv: ['mfa', 'qr', email, '--send'] };
    if (mfa.enrolled) return { check: 'mfa', verdict: 'ok', summary: `2FA is on since ${when(mfa.enrolledAt)} (${mfa.recoveryCodesLeft} recovery codes left).`, evidence: [], fixes: [] };
    if (mfa.pendingEnrollment) {
      const expires = mfa.pendingEnrollment.expiresAt;
      if (Date.parse(expires) <= now.getTime()) {
        return { check: 'mfa', verdict: 'fail', summary: `The 2FA enrollment link expired at ${when(expires)} before it was used.`, evidence: [`enrollment created ${mfa.pendingEnrollment.createdAt}`], fixes: [fix] };
      }
      return { check: 'mfa', verdict: 'warn', summary: `2FA enrollment is pending: the link sent ${when(mfa.pendingEnrollment.createdAt)} works until ${when(expires)}.`, evidence: [], fixes: [], hint: 'Ask the person to open the newest "set up two-factor authentication" email.' };
    }
    const enrollLinks = (await facts.links(email)).filter((l) => l.kind === 'mfa_enroll').sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const newest = enrollLinks[0];
    if (newest?.state === 'expired') {
      return { check: 'mfa', verdict: 'fail', summary: `The 2FA enrollment link expired at ${when(newest.expiresAt)} before it was used; 2FA is not set up.`, evidence: [`${newest.id} created ${newest.createdAt}`], fixes: [fix] };
    }
    const removed = (await facts.timeline(email)).find((e) => e.kind === 'mfa.removed');
    if (removed?.detail.cause === 'password_reset') {
      return { check: 'mfa', verdict: 'fail', summary: `A password reset at ${when(removed.at)} replaced 2FA: a new enrollment is owed.`, evidence: [`${removed.at} mfa.removed password_reset`], fixes: [fix] };
    }
    if (mfa.requiredByOrganisation) {
      return { check: 'mfa', verdict: 'warn', summary: 'The organisation requires 2FA and the person has not set it up: they will be asked to at their next sign-in.', evidence: ['required by organisation'], fixes: [fix] };
    }
    return null;
  },
};

const browserCheck: DiagnoseCheck = {
  id: 'browser',
  title: 'Browser',
  scope: 'person',
  async run(context) {
    const browser = await callerBrowser(context);
    if (!browser) return null;
    const at = browser.at ? ` (${when(browser.at)})` : '';
    const evidence = browser.visit ? [`${browser.at} ${browser.visit}`] : [];
    if (browser.supported === false) {
      return {
        check: 'browser',
        verdict: 'fail',
        summary: `The last visit${at} was from ${browser.name}, which the event pages do not support.`,
        evidence,
        fixes: [],
        hint: 'Ask the caller to update the browser or switch to an up-to-date Chrome, Edge, Firefox or Safari; check their User-Agent with "t1 browser check".',
      };
    }
    if (browser.supported === null) {
      return { check: 'browser', verdict: 'warn', summary: `The last visit${at} came from ${browser.name}: whether it is supported cannot be told.`, evidence, fixes: [], hint: 'Ask which browser the caller uses; check it with "t1 browser check".' };
    }
    return { check: 'browser', verdict: 'ok', summary: `The last visit${at} was from ${browser.name}, which is supported.`, evidence, fixes: [] };
  },
};

// ---- Event checks ----------------------------------------------------------------------

const registrationStatusCheck: DiagnoseCheck = {
  id: 'registration',
  title: 'Registration',
  scope: 'event',
  async run(context) {
    const email = context.answers.email!;
    if (!(await context.facts.user(email))) return null;
    const found = await registrationCheck.run(context);
    if (!found) return null;
    const status = await context.facts.status(email, context.answers.event!);
    const stage = status?.registration.stage;
    const hint =
      stage === 'removed_by_organizer' || stage === 'blocked_by_organizer'
        ? 'The organiser shut this person out of the event; only they can let them back in. Escalate if the caller disputes it.'
        : stage === 'cancelled_by_person'
          ? 'The person cancelled their registration; they can register again while registration is open.'
          : undefined;
    return { ...found, fixes: [], hint };
  },
};

const verificationCheck: DiagnoseCheck = {
  id: 'verification',
  title: 'Email verification',
  scope: 'event',
  async run({ answers, facts }) {
    const email = answers.email!;
    const event = answers.event!;
    const status = await facts.status(email, event);
    // Nothing to sign in to once the event is over.
    if (!status || status.event.phase === 'ended') return null;
    const fix: Fix = { label: 'Resend the verification email', argv: ['verification', 'resend', email, '--event', event] };
    if (status.registration.stage !== 'pending_verification') {
      if (status.account.emailVerifiedAt) return { check: 'verification', verdict: 'ok', summary: `Email address verified at ${when(status.account.emailVerifiedAt)}.`, evidence: [], fixes: [] };
      return null;
    }
    const link = (await facts.links(email)).filter((l) => l.kind === 'verify_email' && l.eventSlug === event).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (!link) return { check: 'verification', verdict: 'fail', summary: 'Waiting for email verification, and no verification link is on record.', evidence: [`stage ${status.registration.stage}`], fixes: [fix] };
    const refused = (await facts.timeline(email)).find((e) => e.kind === 'link.refused' && e.tokenId === link.id);
    if (link.state === 'expired') {
      return {
        check: 'verification',
        verdict: 'fail',
        summary: `Waiting for email verification: the verification link sent ${when(link.createdAt)} expired at ${when(link.expiresAt)}${refused ? ` (refused when opened at ${when(refused.at)})` : ''}.`,
        evidence: [`${link.id} verify_email expired ${link.expiresAt}`],
        fixes: [fix],
      };
    }
    return {
      check: 'verification',
      verdict: 'fail',
      summary: `Waiting for email verification: the verification link sent ${when(link.createdAt)} is ${link.state}${link.state === 'active' ? ` until ${when(link.expiresAt)}, ${link.opened.count === 0 ? 'never opened' : `opened ${link.opened.count} times`}` : ''}.`,
      evidence: [`${link.id} verify_email ${link.state}`],
      fixes: [fix],
      hint: link.state === 'active' ? 'Ask the person to look for the "verify your account" email, also in spam and junk folders, and to use the newest one.' : undefined,
    };
  },
};

const passwordCheck: DiagnoseCheck = {
  id: 'password',
  title: 'Password',
  scope: 'event',
  async run({ answers, facts }) {
    const email = answers.email!;
    const event = answers.event!;
    const status = await facts.status(email, event);
    if (!status || status.event.loginMethod !== 'password' || status.event.phase === 'ended') return null;
    if (status.account.passwordSet) return { check: 'password', verdict: 'ok', summary: 'A password is set.', evidence: [], fixes: [] };
    return {
      check: 'password',
      verdict: 'fail',
      summary: `No password is set yet, and ${status.event.title} signs in with a password.`,
      evidence: [`stage ${status.registration.stage}`],
      fixes: [{ label: 'Email a set-password link', argv: ['set-password-link', 'send', email, '--event', event] }],
    };
  },
};

const eventPhaseCheck: DiagnoseCheck = {
  id: 'event',
  title: 'Event',
  scope: 'event',
  async run({ answers, facts }) {
    const event = await facts.event(answers.event!);
    if (!event) return null;
    const starts = formatInZone(event.startsAt, event.timezone);
    const ends = formatInZone(event.endsAt, event.timezone);
    if (event.phase === 'upcoming') return { check: 'event', verdict: 'ok', summary: `${event.title} has not started: it opens ${starts}; until then a "coming soon" page is expected.`, evidence: [`starts ${event.startsAt}`], fixes: [] };
    if (event.phase === 'ended') return { check: 'event', verdict: 'warn', summary: `${event.title} ended ${ends}: its site no longer opens.`, evidence: [`ended ${event.endsAt}`], fixes: [] };
    return { check: 'event', verdict: 'ok', summary: `${event.title} is live (since ${starts}, until ${ends}).`, evidence: [`starts ${event.startsAt}`, `ends ${event.endsAt}`], fixes: [] };
  },
};

/** Every check, in report order. */
export const DIAGNOSE_CHECKS: readonly DiagnoseCheck[] = [
  accountCheck,
  lockCheck,
  mfaCheck,
  smsCheck,
  mailCheck,
  linksCheck,
  browserCheck,
  registrationStatusCheck,
  eventPhaseCheck,
  verificationCheck,
  passwordCheck,
];

export interface DiagnoseOptions {
  email: string;
  /** Only this event; otherwise each registration's. */
  event?: string;
  facts: PlatformFacts;
  now: Date;
}

/** Runs every check that applies; the events are the named one or each registration's. */
export async function diagnose(options: DiagnoseOptions): Promise<DiagnoseReport> {
  const { email, facts, now } = options;
  const user = await facts.user(email);
  const events = options.event ? [options.event] : (user?.registrations.map((r) => r.eventSlug) ?? []);
  const results: Diagnosis[] = [];
  const answers: Answers = { email, ...(options.event ? { events: options.event } : {}) };
  for (const check of DIAGNOSE_CHECKS.filter((c) => c.scope === 'person')) {
    const found = await check.run({ answers, facts, now });
    if (found) results.push({ ...found, title: check.title, event: null });
  }
  if (user && events.length === 0) {
    results.push({ check: 'registration', title: 'Registration', event: null, verdict: 'warn', summary: `${user.fullName} is not registered for any event.`, evidence: [], fixes: [] });
  }
  for (const event of events) {
    for (const check of DIAGNOSE_CHECKS.filter((c) => c.scope === 'event')) {
      const found = await check.run({ answers: { email, event }, facts, now });
      if (found) results.push({ ...found, title: check.title, event });
    }
  }
  const counts = { ok: 0, warn: 0, fail: 0 };
  for (const r of results) counts[r.verdict] += 1;
  return { email, person: user ? { id: user.id, name: user.fullName } : null, events, checkedAt: now.toISOString(), results, counts };
}

/** True when the platform knows nothing about the address: no account, no activity. */
export async function unknownAddress(facts: PlatformFacts, email: string): Promise<boolean> {
  return !(await facts.user(email)) && (await facts.timeline(email)).length === 0;
}
