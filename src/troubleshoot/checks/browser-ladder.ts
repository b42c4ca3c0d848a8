// The tier-one guide's browser ladder, shared by the topics where a page misbehaves (the
// form does not open, fields cannot be reached, accessibility fails, "General Submission"):
// first the browser (the User-Agent the agent was given, or else the one of the person's
// last recorded visit), then, on a supported browser, close and reopen it, clear the
// cache, and the topic's own last step (the organiser's admin, an escalation).
import type { TimelineEntry } from '../../contract/schemas.ts';
import { browserCheck } from './browser.ts';
import type { Check, CheckContext, Finding, Outcome } from '../runbook.ts';

/** The browser the ladder judges, wherever it came from. */
export interface CallerBrowser {
  /** "Safari 15 on macOS". */
  name: string;
  /** The supported table's name for its family ("Safari"), when the family has a rule. */
  ruleName: string | null;
  supported: boolean | null;
  source: 'user-agent' | 'activity';
  /** For a recorded visit: when, and what the visit was. */
  at?: string;
  visit?: string;
}

const OTHER_NAMES: Record<string, string> = {
  internet_explorer: 'Internet Explorer',
  android_webview: 'an Android app’s built-in viewer',
  ios_webview: 'an iPhone app’s built-in viewer',
  chromium: 'Chromium',
};

/** The up-to-date browsers a caller is pointed to. */
const SWITCH_TO = 'an up-to-date Chrome, Edge, Firefox or Safari';

/**
 * The newest activity entry of a page visit that names a browser: the person's own
 * requests, not an agent's tool, not a webhook sender, not a mail scanner ("other").
 */
export function lastRecordedVisit(entries: TimelineEntry[]): TimelineEntry | undefined {
  return entries.find((e) => e.source === 'activity' && e.browser !== null && e.browser.family !== 'other' && !e.kind.startsWith('webhook.'));
}

const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** The browser to judge: the given User-Agent first, else the last recorded visit; null when neither is known. */
export async function callerBrowser({ answers, facts }: CheckContext): Promise<CallerBrowser | null> {
  const { identifyBrowser, isSupported, supportRule } = await import('../../platform/pages/browser-support.ts');
  if (answers.userAgent) {
    const browser = identifyBrowser(answers.userAgent);
    if (!browser) return null;
    const name = `${browser.name}${Number.isFinite(browser.major) ? ` ${browser.major}` : ''}${browser.os ? ` on ${browser.os}` : ''}`;
    return { name, ruleName: supportRule(browser.family)?.name ?? null, supported: isSupported(browser), source: 'user-agent' };
  }
  if (!answers.email) return null;
  const { describeActivity } = await import('../../contract/activity.ts');
  const visit = lastRecordedVisit(await facts.timeline(answers.email));
  if (!visit?.browser) return null;
  const { family, version, os, supported: recorded } = visit.browser;
  const rule = supportRule(family);
  const major = version ? Number.parseInt(version, 10) : Number.NaN;
  const label = rule?.name ?? OTHER_NAMES[family] ?? family.replaceAll('_', ' ');
  const name = `${label}${Number.isFinite(major) ? ` ${major}` : ''}${os ? ` on ${os}` : ''}`;
  // Judged by today's table (browsers move on); the judgement of the day only when no rule can.
  const supported = rule || Object.hasOwn(OTHER_NAMES, family) ? isSupported({ family, major }) : recorded;
  return { name, ruleName: rule?.name ?? null, supported, source: 'activity', at: visit.at, visit: describeActivity(visit) };
}

/**
 * The browser finding of the ladder (id "browser", like browserCheck): the given
 * User-Agent when there is one, otherwise the person's last recorded visit.
 */
export const ladderBrowserCheck: Check = {
  id: 'browser',
  title: "The caller's browser",
  async run(context) {
    const { answers, facts } = context;
    if (answers.userAgent) {
      const found = await browserCheck.run(context);
      const visit = answers.email ? lastRecordedVisit(await facts.timeline(answers.email)) : undefined;
      if (found && visit?.browser) found.evidence.push(`last recorded visit ${visit.at}: ${visit.browser.family} ${visit.browser.version ?? ''} on ${visit.browser.os ?? 'unknown'}`.replace(/ +/g, ' '));
      return found;
    }
    const browser = await callerBrowser(context);
    if (!browser) {
      return {
        check: 'browser',
        verdict: 'warn',
        summary: 'Browser not known: no visit with a browser is recorded for them. Ask which browser and version they use (or pass --user-agent).',
        evidence: [],
      };
    }
    const judged = browser.supported === null ? 'cannot tell whether it is supported' : browser.supported ? 'supported' : 'not supported';
    return {
      check: 'browser',
      verdict: browser.supported === null ? 'warn' : browser.supported ? 'ok' : 'fail',
      summary: `Their last visit (${minute(browser.at!)}) was from ${browser.name} (${judged}).`,
      evidence: [`last recorded visit ${browser.at}: ${browser.visit}`, 'taken from the activity log: confirm they still use this browser'],
    };
  },
};

/** The topic's last rung, after the cache. */
export interface LadderEnd {
  /** For the agent: who to involve and what to find out. */
  explain: string;
  /** For the caller: what happens if the cache did not help. */
  tell: string;
  /** Set when the guide hands over beyond the organiser. */
  escalate?: string;
}

export interface LadderOptions {
  /** What goes wrong, in the caller's words, to follow "that is most likely why": "the form does not open". */
  symptom: string;
  /** What to do once the browser is open again: "go back to the registration page". */
  retry: string;
  /** The topic's last step. */
  end: LadderEnd;
  /** Extra words for the agent (e.g. the page's address), put after the steps. */
  note?: string;
}

/** The outcome of the ladder from the browser finding: switch browsers, or go down the next steps. */
export async function browserLadder(context: CheckContext, findings: Finding[], options: LadderOptions): Promise<Outcome> {
  const found = findings.find((f) => f.check === 'browser');
  const browser = await callerBrowser(context);
  const note = options.note ? ` ${options.note}` : '';
  const steps = (first: number) =>
    [
      `close the browser completely (every window), open it again and ${options.retry}`,
      "clear the browser's cache, then try again",
      options.end.explain,
    ]
      .map((step, i) => `${first + i}. ${step.charAt(0).toUpperCase()}${step.slice(1)}${/[.!?]$/.test(step) ? '' : '.'}`)
      .join(' ');
  const reopenAndClear =
    `Please close your browser completely, every window of it, then open it again and ${options.retry}. ` +
    `If it still happens, clear your browser's cache (in most browsers: Settings, then Privacy, then Clear browsing data, and tick "cached images and files") and try once more. ${options.end.tell}`;

  if (found?.verdict === 'fail' && browser) {
    const yours = browser.source === 'activity' ? `Your last visit to the event pages was from ${browser.name}` : `You are using ${browser.name}`;
    const update = browser.ruleName ? `Please update ${browser.ruleName} to its latest version, or open the page in ${SWITCH_TO} instead,` : `Please open the page in ${SWITCH_TO} instead`;
    return {
      explain:
        `${found.summary} An unsupported browser is the first thing the guide rules out: have them switch to a supported one and try again. ` +
        `Only if it still happens there, go on: close and reopen it, clear the cache, and last: ${options.end.explain.replace(/\.$/, '')}.` +
        (browser.source === 'activity' ? ' The browser comes from their last recorded visit: check it is the one they use now.' : '') +
        note,
      tell: `${yours}, which the event pages do not support, and that is most likely why ${options.symptom}. ${update} and try again. If it still happens there, call us back and we will take it further.`,
      fixes: [],
    };
  }
  if (found?.verdict === 'ok' && browser) {
    return {
      explain: `${found.summary} The browser is not the cause, so go down the guide's next steps in order and stop as soon as it works: ${steps(1)}${note}`,
      tell: `${browser.source === 'activity' ? `Your last visit was from ${browser.name}, which` : `${browser.name}`} is supported, so let us try a few things. ${reopenAndClear}`,
      fixes: [],
      ...(options.end.escalate ? { escalate: options.end.escalate } : {}),
    };
  }
  return {
    explain:
      `The browser is not known yet: ask which browser and version they use (or their User-Agent, and run again with --user-agent). ` +
      `If it is not a supported one, have them switch and try again; if it is, go down the steps in order: ${steps(1)}${note}`,
    tell: `Which browser are you using, and which version? The event pages work in ${SWITCH_TO}; if yours is not one of them, please open the page in one of those and try again. If it is, here is what to try. ${reopenAndClear}`,
    fixes: [],
    ...(options.end.escalate ? { escalate: options.end.escalate } : {}),
  };
}
