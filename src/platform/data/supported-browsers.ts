// The browsers the event pages support, from the tier-one guide's table, pinned to
// version numbers as of the date below. Update both together when browsers move on.
export const SUPPORTED_BROWSERS_AS_OF = '2026-11';

export interface BrowserSupport {
  name: string;
  /** The guide's wording, shown to people on an unsupported browser. */
  policy: string;
  /** Oldest major version still supported. */
  minimumMajor: number;
}

export type SupportedFamily = 'chrome' | 'edge' | 'firefox' | 'safari' | 'samsung_internet' | 'opera' | 'opera_android';

export const SUPPORTED_BROWSERS: Record<SupportedFamily, BrowserSupport> = {
  chrome: { name: 'Chrome', policy: 'the last two versions', minimumMajor: 155 },
  edge: { name: 'Edge', policy: 'the latest version', minimumMajor: 156 },
  // The latest release and the current extended-support release (ESR 140).
  firefox: { name: 'Firefox', policy: 'the latest version or the current extended-support version', minimumMajor: 140 },
  safari: { name: 'Safari', policy: 'the latest version (also on iPhone and iPad)', minimumMajor: 26 },
  // Not in the guide's table, but common on phones and desktops. Samsung Internet and Opera
  // are built on Chromium yet number their releases their own way (Samsung Internet 28 runs
  // Chromium 130; Opera for Android counts separately from desktop Opera), so each is judged
  // by its own major version, never by the Chrome token it also sends. The minimum is the
  // newest release known when this table was last checked: raise it with the Chrome numbers.
  samsung_internet: { name: 'Samsung Internet', policy: 'version 28 or newer', minimumMajor: 28 },
  opera: { name: 'Opera', policy: 'version 124 or newer', minimumMajor: 124 },
  opera_android: { name: 'Opera for Android', policy: 'version 92 or newer', minimumMajor: 92 },
};
