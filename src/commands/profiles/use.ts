// t1 profiles use <name>: makes an existing profile the active one. An unknown name is
// refused, so a typo never leaves t1 pointing at an empty profile.
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { checkedProfileName, existingProfiles } from './names.ts';

export interface Options {
  name: string;
}

export interface View {
  active: string;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const name = checkedProfileName(options.name);
  const store = await deps.config();
  const existing = existingProfiles(store);
  if (!existing.includes(name)) {
    throw usageError(`There is no profile "${name}".`, `Profiles: ${existing.join(', ')}. Create it with "t1 profiles add ${name}".`);
  }
  store.setActiveProfile(name);
  return { active: name };
}

export function render(view: View, out: Output): void {
  out.line(`Now using profile "${view.active}".`);
}
