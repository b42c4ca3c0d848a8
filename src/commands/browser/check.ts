// t1 browser check "<User-Agent>": is the caller's browser one the event pages support,
// and what to say to them. A lookup on the supported-browsers table: no platform needed.
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';

export interface Options {
  userAgent: string;
}

export interface SupportedBrowserView {
  family: string;
  name: string;
  policy: string;
  minimumVersion: number;
}

export interface View {
  userAgent: string;
  /** False for agents that are not a web browser (scripts, bots, mail scanners). */
  recognised: boolean;
  family: string | null;
  name: string | null;
  version: string | null;
  os: string | null;
  device: string | null;
  /** Null when the agent is not a browser the table can judge. */
  supported: boolean | null;
  /** The table entry the browser was judged by ("Chrome: the last two versions"), if any. */
  rule: string | null;
  /** What the agent tells the caller, in plain words. */
  tell: string;
  supportedBrowsers: SupportedBrowserView[];
  /** When the version numbers of the table were last checked (YYYY-MM). */
  tableAsOf: string;
}

/** Longer agents are cut: no real browser sends anything near this. */
const MAX_USER_AGENT = 1024;

export async function run(options: Options, _deps: Deps): Promise<View> {
  const userAgent = options.userAgent.trim().slice(0, MAX_USER_AGENT);
  if (!userAgent) {
    throw usageError('Give the User-Agent to check.', 'Paste it in quotes, for example: t1 browser check "Mozilla/5.0 (Windows NT 10.0; Win64; x64) ..."');
  }
  // Loaded here, not at start-up: the table and the parser are only needed by this command.
  const [{ identifyBrowser, isSupported, supportRule }, { SUPPORTED_BROWSERS, SUPPORTED_BROWSERS_AS_OF }] = await Promise.all([
    import('../../platform/pages/browser-support.ts'),
    import('../../platform/data/supported-browsers.ts'),
  ]);
  const supportedBrowsers = Object.entries(SUPPORTED_BROWSERS).map(([family, b]) => ({ family, name: b.name, policy: policyText(b.policy, b.minimumMajor), minimumVersion: b.minimumMajor }));
  const base = { userAgent, supportedBrowsers, tableAsOf: SUPPORTED_BROWSERS_AS_OF };
  const browser = identifyBrowser(userAgent);
  if (!browser) {
    return {
      ...base,
      recognised: false,
      family: null,
      name: null,
      version: null,
      os: null,
      device: null,
      supported: null,
      rule: null,
      tell: 'This is not a web browser t1 recognises; it looks like a script, a bot or a mail scanner. Ask the caller which browser they open the event in, and check its User-Agent instead.',
    };
  }
  const rule = supportRule(browser.family);
  const supported = isSupported(browser);
  const shown = `${browser.name}${Number.isFinite(browser.major) ? ` ${browser.major}` : ''}`;
  return {
    ...base,
    recognised: true,
    family: browser.family,
    name: browser.name,
    version: browser.version,
    os: browser.os,
    device: browser.device,
    supported,
    rule: rule ? `${rule.name}: ${policyText(rule.policy, rule.minimumMajor)}${rule.family === browser.family ? '' : ` (judged as ${rule.name})`}` : null,
    tell: adviceFor(browser.family, shown, supported, rule?.name),
  };
}

/** The table's wording with the oldest version spelled out, unless the wording already names it. */
function policyText(policy: string, minimumMajor: number): string {
  return policy.includes(String(minimumMajor)) ? policy : `${policy} (${minimumMajor} or newer)`;
}

function adviceFor(family: string, shown: string, supported: boolean, ruleName: string | undefined): string {
  if (supported) {
    return `${shown} is supported. If a page still misbehaves, ask the caller to close the browser completely, open it again and retry.`;
  }
  if (family === 'android_webview' || family === 'ios_webview') {
    const browsers = family === 'android_webview' ? 'Chrome' : 'Safari';
    return `The page is open inside another app's built-in viewer, which the event pages do not support. Ask the caller to open the link in ${browsers} (or another browser listed below) instead.`;
  }
  if (family === 'internet_explorer') {
    return 'Internet Explorer cannot show the event pages. Ask the caller to open the link in Edge, Chrome or Firefox.';
  }
  if (ruleName) {
    return `${shown} is too old for the event pages. Ask the caller to update ${ruleName} and try again, or to open the link in another browser listed below.`;
  }
  return `${shown} is not one of the browsers the event pages support. Ask the caller to open the link in one of the browsers listed below.`;
}

export function render(view: View, out: Output): void {
  if (!view.recognised) {
    out.record([
      ['Browser', 'not recognised'],
      ['Supported', 'cannot tell'],
    ]);
  } else {
    const version = view.version ? ` ${view.version}` : ' (no version sent)';
    const os = view.os ? `${view.os}${view.device ? ` (${view.device})` : ''}` : 'unknown';
    out.record([
      ['Browser', `${view.name}${version}`],
      ['System', os],
      ['Supported', view.supported ? 'yes' : 'no'],
      ...(view.rule ? [['Rule', view.rule] as [string, string]] : []),
    ]);
  }
  out.line();
  out.line(`What to do: ${view.tell}`);
  if (view.supported) return;
  out.line();
  out.line(`Supported browsers (versions as of ${view.tableAsOf}):`);
  for (const b of view.supportedBrowsers) out.line(`  ${b.name}: ${b.policy}`);
}
