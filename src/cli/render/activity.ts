// How activity reads on a terminal: the browser in a few words, a time of day.
import type { BrowserView } from '../../contract/schemas.ts';

const FAMILIES: Record<string, string> = {
  chrome: 'Chrome',
  edge: 'Edge',
  firefox: 'Firefox',
  safari: 'Safari',
  internet_explorer: 'Internet Explorer',
  samsung_internet: 'Samsung Internet',
  opera: 'Opera',
  opera_android: 'Opera for Android',
  android_webview: 'Android WebView',
  ios_webview: 'an in-app browser',
  chromium: 'Chromium',
  other: 'an unrecognised browser or program',
};

/** "Chrome 156 on Windows", with "(not supported)" when the event pages do not support it. */
export function browserText(browser: BrowserView | null): string {
  if (!browser) return '';
  const name = FAMILIES[browser.family] ?? browser.family;
  const version = browser.version ? ` ${browser.version}` : '';
  const os = browser.os ? ` on ${browser.os}` : '';
  return `${name}${version}${os}${browser.supported === false ? ' (not supported)' : ''}`;
}
