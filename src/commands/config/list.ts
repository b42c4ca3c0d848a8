// t1 config list: every setting in effect, with its source (flag, env, profile, default),
// and where the token comes from: the config file, the keychain or T1_TOKEN.
import { homedir } from 'node:os';
import { sep } from 'node:path';
import type { ConfigStore } from '../../cli/config-store.ts';
import type { Deps } from '../../cli/deps.ts';
import { KEYCHAIN_SERVICE } from '../../cli/keychain.ts';
import type { Output } from '../../cli/render/output.ts';
import type { ResolvedSettings } from '../../cli/settings.ts';
import { CONFIG_KEYS } from './keys.ts';

export type Options = Record<string, never>;

export interface View {
  profile: string;
  configFile: string;
  settings: { key: string; value: string | null; source: string | null; description: string }[];
}

const withTilde = (path: string) => (path.startsWith(homedir() + sep) ? `~${path.slice(homedir().length)}` : path);
const withoutSlash = (url: string | undefined) => url?.replace(/\/+$/, '');

/** Where the token in effect is kept, in words; never the token itself. */
function tokenLocation(resolved: ResolvedSettings, store: ConfigStore): string {
  const profile = resolved.profile.value;
  if (resolved.token?.source === 'env') return 'T1_TOKEN environment';
  const saved = store.tokenStore(profile);
  if (resolved.token) {
    return saved === 'keychain' ? `keychain (service "${KEYCHAIN_SERVICE}", account "${store.keychainAccount(profile)}")` : `file (${withTilde(store.path)})`;
  }
  if (!saved) return 'none';
  const savedFor = store.profile(profile).apiUrl;
  if (saved === 'keychain' && withoutSlash(resolved.apiUrl?.value) === withoutSlash(savedFor)) return 'none (the keychain no longer has the saved token)';
  return `none (the saved token is for ${savedFor ?? 'another platform'})`;
}

export async function run(_options: Options, deps: Deps): Promise<View> {
  const resolved = await deps.settings();
  const store = await deps.config();
  return {
    profile: resolved.profile.value,
    configFile: store.path,
    settings: [
      ...CONFIG_KEYS.map((key) => {
        const setting = key.effective(resolved);
        return { key: key.name, value: setting?.value ?? null, source: setting?.source ?? null, description: key.description };
      }),
      {
        key: 'token',
        value: tokenLocation(resolved, store),
        source: resolved.token?.source ?? null,
        description: 'API or session token (t1 login, or T1_TOKEN)',
      },
    ],
  };
}

export async function render(view: View, out: Output): Promise<void> {
  await out.table(
    ['Setting', 'Value', 'Source'],
    view.settings.map((s) => [s.key, s.value ?? '(unset)', s.source ?? '-']),
  );
  if (out.tty) out.hint(`Profile "${view.profile}", saved in ${view.configFile}`);
}
