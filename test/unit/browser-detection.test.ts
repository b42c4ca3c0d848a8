// Browser detection on real User-Agent strings: the family and version the pages judge,
// and whether the supported-browsers table accepts them. Chromium-based browsers that
// carry a Chrome token (Samsung Internet, Opera, Edge, an app's WebView) must be told
// apart from Chrome itself.
import { describe, expect, it } from 'vitest';
import { browserNotice, detectBrowser, identifyBrowser, isSupported } from '../../src/platform/pages/browser-support.ts';
import { browserInfo } from '../../src/platform/activity/client-info.ts';

const AGENTS = {
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  chromeOld: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.51 Safari/537.36',
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
  chromeIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/156.0.7258.76 Mobile/15E148 Safari/604.1',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36 Edg/156.0.3405.86',
  edgeLegacy: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582',
  firefoxEsr: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0',
  firefoxCurrent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:152.0) Gecko/20100101 Firefox/152.0',
  firefoxOld: 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Safari/605.1.15',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1',
  safariIpad: 'Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1',
  safari15: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6.1 Safari/605.1.15',
  samsung28: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36',
  samsung20: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/20.0 Chrome/106.0.5249.126 Mobile Safari/537.36',
  opera: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 OPR/124.0.0.0',
  operaAndroid: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.7339.51 Mobile Safari/537.36 OPR/92.0.4561.0',
  androidWebView: 'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/156.0.7258.94 Mobile Safari/537.36',
  androidWebViewKitKat: 'Mozilla/5.0 (Linux; Android 4.4.2; Nexus 5 Build/KOT49H) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/30.0.0.0 Mobile Safari/537.36',
  iosInApp: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  ie11: 'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko',
  ie10: 'Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)',
  headlessChrome: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36',
  chromeOs: 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  curl: 'curl/8.5.0',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  outlookScanner: 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)',
} as const;

type Expected = { family: string; major: number; os: string | null; supported: boolean };

const CASES: [keyof typeof AGENTS, Expected][] = [
  ['chromeWindows', { family: 'chrome', major: 156, os: 'Windows', supported: true }],
  ['chromeOld', { family: 'chrome', major: 99, os: 'Windows', supported: false }],
  ['chromeAndroid', { family: 'chrome', major: 156, os: 'Android', supported: true }],
  ['chromeIphone', { family: 'chrome', major: 156, os: 'iOS', supported: true }],
  ['edge', { family: 'edge', major: 156, os: 'Windows', supported: true }],
  ['edgeLegacy', { family: 'edge', major: 18, os: 'Windows', supported: false }],
  ['firefoxEsr', { family: 'firefox', major: 140, os: 'Windows', supported: true }],
  ['firefoxCurrent', { family: 'firefox', major: 152, os: 'macOS', supported: true }],
  ['firefoxOld', { family: 'firefox', major: 115, os: 'Linux', supported: false }],
  ['safariMac', { family: 'safari', major: 26, os: 'macOS', supported: true }],
  ['safariIphone', { family: 'safari', major: 26, os: 'iOS', supported: true }],
  ['safariIpad', { family: 'safari', major: 26, os: 'iOS', supported: true }],
  ['safari15', { family: 'safari', major: 15, os: 'macOS', supported: false }],
  ['samsung28', { family: 'samsung_internet', major: 28, os: 'Android', supported: true }],
  ['samsung20', { family: 'samsung_internet', major: 20, os: 'Android', supported: false }],
  ['opera', { family: 'opera', major: 124, os: 'Windows', supported: true }],
  ['operaAndroid', { family: 'opera_android', major: 92, os: 'Android', supported: true }],
  ['androidWebView', { family: 'android_webview', major: 156, os: 'Android', supported: false }],
  ['androidWebViewKitKat', { family: 'android_webview', major: 30, os: 'Android', supported: false }],
  ['ie11', { family: 'internet_explorer', major: 11, os: 'Windows', supported: false }],
  ['ie10', { family: 'internet_explorer', major: 10, os: 'Windows', supported: false }],
  ['headlessChrome', { family: 'chrome', major: 156, os: 'Linux', supported: true }],
  ['chromeOs', { family: 'chrome', major: 156, os: 'ChromeOS', supported: true }],
];

describe('browser detection', () => {
  it.each(CASES)('%s', (agent, expected) => {
    const identity = identifyBrowser(AGENTS[agent]);
    expect(identity).toMatchObject({ family: expected.family, major: expected.major, os: expected.os });
    expect(isSupported(identity!)).toBe(expected.supported);
    expect(detectBrowser(AGENTS[agent])).toEqual({ family: expected.family, major: expected.major });
    expect(browserNotice(AGENTS[agent]) === null).toBe(expected.supported);
  });

  it('does not take Samsung Internet, Opera or a WebView for the Chrome they are built on', () => {
    // Judged as Chrome 130 or 140 these would be refused; as themselves they are current.
    expect(identifyBrowser(AGENTS.samsung28)?.name).toBe('Samsung Internet');
    expect(identifyBrowser(AGENTS.opera)?.name).toBe('Opera');
    // Judged as Chrome 156 this would pass; it is an app's built-in view, not Chrome.
    expect(identifyBrowser(AGENTS.androidWebView)?.family).not.toBe('chrome');
  });

  it('gives the full version, a display name and the kind of device', () => {
    expect(identifyBrowser(AGENTS.edge)).toEqual({ family: 'edge', major: 156, name: 'Edge', version: '156.0.3405.86', os: 'Windows', device: 'desktop' });
    expect(identifyBrowser(AGENTS.safariIpad)).toMatchObject({ name: 'Safari', device: 'tablet' });
    expect(identifyBrowser(AGENTS.samsung28)).toMatchObject({ version: '28.0', device: 'mobile' });
  });

  it("treats an iPhone app's own web view as unsupported", () => {
    const identity = identifyBrowser(AGENTS.iosInApp);
    expect(identity).toMatchObject({ family: 'ios_webview', version: null, os: 'iOS' });
    expect(isSupported(identity!)).toBe(false);
  });

  it('recognises no browser in scripts, bots and mail scanners, and shows them no notice', () => {
    for (const agent of [AGENTS.curl, AGENTS.googlebot, AGENTS.outlookScanner, '', '   ', 'x', undefined]) {
      expect(identifyBrowser(agent), String(agent)).toBeNull();
      expect(detectBrowser(agent), String(agent)).toBeNull();
      expect(browserNotice(agent), String(agent)).toBeNull();
    }
  });

  it('lists every supported browser in the notice', () => {
    const notice = browserNotice(AGENTS.safari15)!.value;
    for (const name of ['Chrome', 'Edge', 'Firefox', 'Safari', 'Samsung Internet', 'Opera']) expect(notice).toContain(name);
  });
});

describe('browser info for the activity log', () => {
  it('keeps family, major version, operating system and support', () => {
    expect(browserInfo(AGENTS.chromeWindows)).toEqual({ family: 'chrome', version: '156', os: 'Windows', supported: true });
    expect(browserInfo(AGENTS.samsung28)).toEqual({ family: 'samsung_internet', version: '28', os: 'Android', supported: true });
    expect(browserInfo(AGENTS.iosInApp)).toEqual({ family: 'ios_webview', version: null, os: 'iOS', supported: false });
  });
  it('calls unknown agents "other", still naming their system when they send one', () => {
    expect(browserInfo(AGENTS.outlookScanner)).toEqual({ family: 'other', version: null, os: 'Windows', supported: null });
    expect(browserInfo(AGENTS.curl)).toEqual({ family: 'other', version: null, os: null, supported: null });
    expect(browserInfo(null)).toBeNull();
  });
});
