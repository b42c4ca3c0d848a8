// The settings `t1 config` reads and writes, with their validation.
import type { Profile } from '../../cli/config-store.ts';
import { usageError } from '../../cli/errors.ts';
import type { ResolvedSettings, Setting } from '../../cli/settings.ts';

export interface ConfigKey {
  name: string;
  field: 'apiUrl' | 'timeout';
  description: string;
  parse(value: string): Profile['apiUrl'] | Profile['timeout'];
  effective(settings: ResolvedSettings): Setting<string> | undefined;
}

export const CONFIG_KEYS: ConfigKey[] = [
  {
    name: 'api-url',
    field: 'apiUrl',
    description: 'Base URL of the platform API (unset: the embedded platform)',
    parse(value) {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw usageError(`"${value}" is not a URL.`, 'Example: t1 config set api-url https://events.example.com');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError('The API URL must start with http:// or https://.');
      return value.replace(/\/+$/, '');
    },
    effective: (s) => s.apiUrl,
  },
  {
    name: 'timeout',
    field: 'timeout',
    description: 'Seconds to wait for each API request',
    parse(value) {
      const seconds = Number(value);
      if (!Number.isFinite(seconds) || seconds < 1 || seconds > 600) {
        throw usageError(`timeout must be a number of seconds between 1 and 600, not "${value}".`);
      }
      return seconds;
    },
    effective: (s) => ({ value: String(s.timeoutSeconds.value), source: s.timeoutSeconds.source }),
  },
];

export function configKey(name: string): ConfigKey {
  const key = CONFIG_KEYS.find((k) => k.name === name);
  if (!key) throw usageError(`Unknown setting "${name}".`, `Settings: ${CONFIG_KEYS.map((k) => k.name).join(', ')}.`);
  return key;
}
