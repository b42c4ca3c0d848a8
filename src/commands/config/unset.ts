// t1 config unset <key>: removes a setting from the active profile. Unsetting api-url
// returns the profile to the embedded platform (and forgets its token, which belonged
// to that URL).
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { configKey } from './keys.ts';

export interface Options {
  key: string;
}

export interface View {
  profile: string;
  key: string;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const key = configKey(options.key);
  const settings = await deps.settings();
  const patch = key.field === 'apiUrl' ? { apiUrl: undefined, token: undefined } : { [key.field]: undefined };
  (await deps.config()).updateProfile(settings.profile.value, patch);
  return { profile: settings.profile.value, key: key.name };
}

export function render(view: View, out: Output): void {
  out.line(`Removed ${view.key} from profile "${view.profile}".`);
  if (view.key === 'api-url') out.hint('Commands now use the embedded demo platform unless T1_API_URL or --api-url says otherwise.');
}
