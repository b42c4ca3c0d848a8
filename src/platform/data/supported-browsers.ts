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

export const SUPPORTED_BROWSERS: Record<'chrome' | 'edge' | 'firefox' | 'safari', BrowserSupport> = {
  chrome: { name: 'Chrome', policy: 'the last two versions', minimumMajor: 155 },
  edge: { name: 'Edge', policy: 'the latest version', minimumMajor: 156 },
  // The latest release and the current extended-support release (ESR 140).
  firefox: { name: 'Firefox', policy: 'the latest version or the current extended-support version', minimumMajor: 140 },
  safari: { name: 'Safari', policy: 'the latest version (also on iPhone and iPad)', minimumMajor: 26 },
};
