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
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const key = configKey(options.key);
  const value = key.parse(options.value);
  const settings = await deps.settings();
  (await deps.config()).updateProfile(settings.profile.value, { [key.field]: value });
  return { profile: settings.profile.value, key: key.name, value: String(value) };
}

export function render(view: View, out: Output): void {
  out.line(`Set ${view.key} to ${view.value} in profile "${view.profile}".`);
}
