// Which platform and token a command uses: flag > environment > profile. With no API
// URL anywhere, commands use the embedded platform. Also what --debug / T1_DEBUG turn on.
import type { ConfigStore } from './config-store.ts';
import { usageError } from './errors.ts';

export type Source = 'flag' | 'env' | 'profile' | 'default';

export interface Setting<T> {
  value: T;
  source: Source;
}

export interface ResolvedSettings {
  profile: Setting<string>;
  apiUrl: Setting<string> | undefined;
  token: Setting<string> | undefined;
  timeoutSeconds: Setting<number>;
}

export interface SettingFlags {
  profile?: string;
  apiUrl?: string;
}

export const DEFAULT_TIMEOUT_SECONDS = 30;

function pick<T>(candidates: [T | undefined, Source][]): Setting<T> | undefined {
  for (const [value, source] of candidates) {
    if (value !== undefined && value !== '') return { value, source };
  }
  return undefined;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** The API URL, checked: an http(s) URL, or a usage error saying where it came from. */
export function checkedApiUrl(setting: Setting<string>): string {
  let url: URL | undefined;
  try {
    url = new URL(setting.value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const where = { flag: '--api-url', env: 'T1_API_URL', profile: 'the profile (t1 config set api-url)', default: 'the default' }[setting.source];
    throw usageError(`The API URL "${setting.value}" from ${where} is not an http:// or https:// URL.`, 'Example: https://events.example.com');
  }
  if (/\/v1\/?$/.test(url.pathname)) {
    throw usageError(`The API URL "${setting.value}" ends in /v1; give the platform's base URL without it.`);
  }
  return trimSlash(setting.value);
}

export function resolveSettings(flags: SettingFlags, env: NodeJS.ProcessEnv, store: ConfigStore): ResolvedSettings {
  const profile = pick<string>([
    [flags.profile, 'flag'],
    [env.T1_PROFILE, 'env'],
    [store.activeProfile, 'profile'],
  ]) ?? { value: 'default', source: 'default' };
  const saved = store.profile(profile.value);
  const envTimeout = env.T1_TIMEOUT ? Number(env.T1_TIMEOUT) : undefined;
  if (envTimeout !== undefined && !(Number.isFinite(envTimeout) && envTimeout >= 1 && envTimeout <= 600)) {
    throw usageError(`T1_TIMEOUT "${env.T1_TIMEOUT}" is not a number of seconds from 1 to 600.`);
  }
  const apiUrl = pick<string>([
    [flags.apiUrl, 'flag'],
    [env.T1_API_URL, 'env'],
    [saved.apiUrl, 'profile'],
  ]);
  // A saved token belongs to the platform it was saved with; it is never sent elsewhere.
  const sameHost = apiUrl !== undefined && saved.apiUrl !== undefined && trimSlash(apiUrl.value) === trimSlash(saved.apiUrl);
  return {
    profile,
    apiUrl,
    token: pick([
      [env.T1_TOKEN, 'env'],
      [sameHost ? saved.token : undefined, 'profile'],
    ]),
    timeoutSeconds: pick<number>([
      [envTimeout, 'env'],
      [saved.timeout, 'profile'],
    ]) ?? { value: DEFAULT_TIMEOUT_SECONDS, source: 'default' },
  };
}

/** What T1_DEBUG can name (comma-separated). */
export const DEBUG_TOPICS = ['http'] as const;

export interface DebugSettings {
  /** Trace every request to the platform on stderr. */
  http: boolean;
  /** Names in T1_DEBUG that t1 does not know, so the agent can be told. */
  unknown: string[];
}

export function resolveDebug(flags: { debug?: boolean | undefined }, env: NodeJS.ProcessEnv): DebugSettings {
  const named = (env.T1_DEBUG ?? '')
    .split(',')
    .map((topic) => topic.trim().toLowerCase())
    .filter((topic) => topic !== '');
  return {
    http: Boolean(flags.debug) || named.includes('http'),
    unknown: named.filter((topic) => !(DEBUG_TOPICS as readonly string[]).includes(topic)),
  };
}
