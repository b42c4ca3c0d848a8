// Recognises the browser from its User-Agent and, when it is not one the event pages
// support, explains which ones are. Unknown agents (scripts, bots) get no notice.
import { SUPPORTED_BROWSERS, type BrowserSupport } from '../data/supported-browsers.ts';
import { html, type SafeHtml } from './html.ts';

export interface DetectedBrowser {
  family: keyof typeof SUPPORTED_BROWSERS | 'internet_explorer';
  major: number;
}

export function detectBrowser(userAgent: string | undefined): DetectedBrowser | null {
  if (!userAgent) return null;
  const major = (pattern: RegExp) => Number(pattern.exec(userAgent)?.[1] ?? NaN);
  if (/MSIE |Trident\//.test(userAgent)) return { family: 'internet_explorer', major: major(/(?:MSIE |rv:)(\d+)/) };
  if (/Edg(?:e|A|iOS)?\//.test(userAgent)) return { family: 'edge', major: major(/Edg(?:e|A|iOS)?\/(\d+)/) };
  if (/Firefox\/|FxiOS\//.test(userAgent)) return { family: 'firefox', major: major(/(?:Firefox|FxiOS)\/(\d+)/) };
  // Chrome on iOS is Safari underneath but reports its own version.
  if (/CriOS\//.test(userAgent)) return { family: 'chrome', major: major(/CriOS\/(\d+)/) };
  if (/(?:Headless)?Chrome\//.test(userAgent)) return { family: 'chrome', major: major(/(?:Headless)?Chrome\/(\d+)/) };
  if (/Safari\//.test(userAgent) && /Version\//.test(userAgent)) return { family: 'safari', major: major(/Version\/(\d+)/) };
  return null;
}

export function isSupported(browser: DetectedBrowser): boolean {
  if (browser.family === 'internet_explorer') return false;
  const support: BrowserSupport = SUPPORTED_BROWSERS[browser.family];
  return Number.isFinite(browser.major) && browser.major >= support.minimumMajor;
}

export function browserNotice(userAgent: string | undefined): SafeHtml | null {
  const browser = detectBrowser(userAgent);
  if (!browser || isSupported(browser)) return null;
  const list = Object.values(SUPPORTED_BROWSERS).map((b) => html`<li>${b.name}: ${b.policy}</li>`);
  return html`<div class="notice" role="note"><p><strong>Your browser is not supported.</strong> Pages may not work as expected. Please use one of these:</p><ul>${list}</ul></div>`;
}
