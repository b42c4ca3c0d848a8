// t1 config set <key> <value>: saves a setting in the active profile.
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { configKey } from './keys.ts';

export interface Options {
  key: string;
  value: string;
}

export interface View {
  profile: string;
  key: string;
  value: string;
  droppedToken: boolean;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const key = configKey(options.key);
  const value = key.parse(options.value);
  const settings = await deps.settings();
  const store = await deps.config();
  const saved = store.profile(settings.profile.value);
  // A token belongs to the platform it was issued by; a new URL means logging in again.
  // (Asked of the store without reading the token, which may be in the keychain.)
  const dropsToken = key.field === 'apiUrl' && store.tokenStore(settings.profile.value) !== undefined && saved.apiUrl !== value;
  store.updateProfile(settings.profile.value, dropsToken ? { apiUrl: value as string, token: undefined } : { [key.field]: value });
  return { profile: settings.profile.value, key: key.name, value: String(value), droppedToken: dropsToken };
}

export function render(view: View, out: Output): void {
  out.line(`Set ${view.key} to ${view.value} in profile "${view.profile}".`);
  if (view.droppedToken) out.hint(`The saved token was for the previous platform and is forgotten; run "t1 login --api-url ${view.value}".`);
}
