// What the activity log keeps of a visitor: the browser (family, version, operating
// system, whether the event pages support it) and the network, never the full address.
import { isIPv4, isIPv6 } from 'node:net';
import { getParser } from 'bowser';
import { identifyBrowser, isSupported } from '../pages/browser-support.ts';

export interface BrowserInfo {
  family: string;
  version: string | null;
  os: string | null;
  supported: boolean | null;
}

/** The operating system a User-Agent names, as bowser reads it ("Windows", "iOS", "ChromeOS"...), or null. */
export function operatingSystem(userAgent: string): string | null {
  if (!userAgent.trim()) return null;
  const name = getParser(userAgent).getOSName();
  return name === 'Chrome OS' ? 'ChromeOS' : name || null;
}

/** The browser behind a User-Agent; "other" for agents the pages do not recognise (scripts, scanners). */
export function browserInfo(userAgent: string | null | undefined): BrowserInfo | null {
  if (!userAgent) return null;
  const ua = userAgent.slice(0, 512);
  const detected = identifyBrowser(ua);
  if (!detected) return { family: 'other', version: null, os: operatingSystem(ua), supported: null };
  return {
    family: detected.family,
    version: Number.isFinite(detected.major) ? String(detected.major) : null,
    os: detected.os,
    supported: isSupported(detected),
  };
}

/** The address cut to its network: /24 for IPv4, /48 for IPv6. */
export function truncatedNetwork(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped ? mapped[1]! : ip;
  if (isIPv4(address)) {
    const [a, b, c] = address.split('.');
    return `${a}.${b}.${c}.0/24`;
  }
  if (isIPv6(address)) {
    const groups = expandIPv6(address.split('%')[0]!);
    return `${groups.slice(0, 3).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/48`;
  }
  return null;
}

function expandIPv6(address: string): string[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((g) => g.padStart(4, '0'));
}
