// Recognises the browser from its User-Agent (with bowser, which knows the many browsers
// that borrow Chrome's or Safari's tokens) and, when it is not one the event pages support,
// explains which ones are. Unknown agents (scripts, bots, mail scanners) get no notice.
import { BROWSER_MAP, getParser } from 'bowser';
import { SUPPORTED_BROWSERS, type BrowserSupport, type SupportedFamily } from '../data/supported-browsers.ts';
import { html, type SafeHtml } from './html.ts';

/**
 * The families of the supported table, the ones recognised to refuse them outright, and
 * otherwise bowser's own short name (vivaldi, yandex, uc, ...), never supported.
 */
export type BrowserFamily = SupportedFamily | 'internet_explorer' | 'android_webview' | 'ios_webview' | 'chromium' | (string & {});

export interface DetectedBrowser {
  family: BrowserFamily;
  major: number;
}

/** Everything known about a User-Agent's browser: what the pages judge, and what a person reads. */
export interface BrowserIdentity extends DetectedBrowser {
  /** A display name: "Samsung Internet", "Edge". */
  name: string;
  /** The version as the browser reports it ("156.0.7258.94"), or null when it sends none. */
  version: string | null;
  /** "Windows", "macOS", "iOS", "Android", "ChromeOS", "Linux"..., or null. */
  os: string | null;
  /** desktop, mobile, tablet or tv, or null. */
  device: string | null;
}

/** bowser's display name -> its short alias ("Microsoft Edge" -> "edge"). */
const ALIAS_BY_NAME = new Map<string, string>(Object.entries(BROWSER_MAP as Record<string, string>).map(([alias, name]) => [name, alias]));

/** Where our family names differ from bowser's aliases. */
const FAMILY_BY_ALIAS: Record<string, BrowserFamily> = {
  ie: 'internet_explorer',
};

/** Display names for families outside the supported table. */
const NAMES: Record<string, string> = {
  internet_explorer: 'Internet Explorer',
  android_webview: 'Android WebView',
  ios_webview: 'In-app browser (iOS)',
  chromium: 'Chromium',
};

/** Families judged by another family's rule: Chromium is Chrome without the branding. */
const JUDGED_AS: Record<string, SupportedFamily> = { chromium: 'chrome' };

// bowser names Chrome's engine in an app's WebView "Chrome"; Google documents the markers:
// "; wv)" in the platform part since Android 5, and "Version/4.0 ... Chrome/" before that.
const ANDROID_WEBVIEW = [/;\s*wv\)/, /\bVersion\/\d+(?:\.\d+)*\s+Chrome\//];

const OS_NAMES: Record<string, string> = { 'Chrome OS': 'ChromeOS' };

export function identifyBrowser(userAgent: string | null | undefined): BrowserIdentity | null {
  if (!userAgent?.trim()) return null;
  const parser = getParser(userAgent);
  const device = parser.getPlatformType() || null;
  if (device === 'bot') return null;
  const browser = parser.getBrowser();
  const alias = browser.name ? ALIAS_BY_NAME.get(browser.name) : undefined;
  // bowser falls back to the first product token for agents it does not know ("Wget",
  // "Microsoft Office"): those are programs, not browsers.
  if (!alias || alias === 'generic') return null;
  const osName = parser.getOSName() || null;
  const os = osName ? (OS_NAMES[osName] ?? osName) : null;
  let family: BrowserFamily = FAMILY_BY_ALIAS[alias] ?? alias;
  if (family === 'chrome' && os === 'Android' && ANDROID_WEBVIEW.some((marker) => marker.test(userAgent))) family = 'android_webview';
  if (family === 'opera' && os === 'Android') family = 'opera_android';
  const version = browser.version || null;
  if (family === 'safari' && !version) {
    // WebKit with no Safari version: an app's own view on iOS; elsewhere, not a browser we can judge.
    if (os !== 'iOS' && os !== 'iPadOS') return null;
    family = 'ios_webview';
  }
  const major = version ? Number.parseInt(version, 10) : Number.NaN;
  const name = supportRule(family)?.name ?? NAMES[family] ?? browser.name!.replace(/^Microsoft /, '');
  return { family, major, name, version, os, device };
}

export function detectBrowser(userAgent: string | undefined): DetectedBrowser | null {
  const identity = identifyBrowser(userAgent);
  return identity ? { family: identity.family, major: identity.major } : null;
}

/** The supported table's entry a family is judged by, or undefined for families never supported. */
export function supportRule(family: BrowserFamily): (BrowserSupport & { family: SupportedFamily }) | undefined {
  const judgedAs = Object.hasOwn(SUPPORTED_BROWSERS, family) ? (family as SupportedFamily) : JUDGED_AS[family];
  return judgedAs ? { family: judgedAs, ...SUPPORTED_BROWSERS[judgedAs] } : undefined;
}

export function isSupported(browser: DetectedBrowser): boolean {
  const rule = supportRule(browser.family);
  return rule !== undefined && Number.isFinite(browser.major) && browser.major >= rule.minimumMajor;
}

export function browserNotice(userAgent: string | undefined): SafeHtml | null {
  const browser = detectBrowser(userAgent);
  if (!browser || isSupported(browser)) return null;
  const list = Object.values(SUPPORTED_BROWSERS).map((b) => html`<li>${b.name}: ${b.policy}</li>`);
  return html`<div class="notice" role="note"><p><strong>Your browser is not supported.</strong> Pages may not work as expected. Please use one of these:</p><ul>${list}</ul></div>`;
}
