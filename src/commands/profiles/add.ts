// t1 profiles add <name>: saves a new profile, with the platform URL given by --api-url.
// The active profile stays as it is; "t1 profiles use" switches.
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { checkedApiUrl } from '../../cli/settings.ts';
import { checkedProfileName, existingProfiles } from './names.ts';

export interface Options {
  name: string;
}

export interface View {
  profile: string;
  apiUrl: string | null;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const name = checkedProfileName(options.name);
  const apiUrl = deps.flags.apiUrl === undefined ? undefined : checkedApiUrl({ value: deps.flags.apiUrl, source: 'flag' });
  const store = await deps.config();
  if (existingProfiles(store).includes(name)) {
    throw usageError(`The profile "${name}" already exists.`, `Switch to it with "t1 profiles use ${name}", or change it with "t1 --profile ${name} config set api-url <url>".`);
  }
  store.updateProfile(name, { apiUrl });
  return { profile: name, apiUrl: apiUrl ?? null };
}

export function render(view: View, out: Output): void {
  out.line(`Added profile "${view.profile}" (${view.apiUrl ?? 'embedded platform'}).`);
  out.hint(
    view.apiUrl
      ? `Switch to it with "t1 profiles use ${view.profile}", then sign in with "t1 login".`
      : `Switch to it with "t1 profiles use ${view.profile}"; "t1 --profile ${view.profile} login --api-url <url>" points it at a platform.`,
  );
}
