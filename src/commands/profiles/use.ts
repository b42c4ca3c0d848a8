// t1 profiles use <name>: makes a profile the active one (creating it if new).
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';

export interface Options {
  name: string;
}

export interface View {
  active: string;
  created: boolean;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(options.name)) {
    throw usageError(`"${options.name}" is not a valid profile name.`, 'Use letters, digits, dot, dash or underscore.');
  }
  const store = await deps.config();
  const created = !store.hasProfile(options.name);
  if (created) store.updateProfile(options.name, {});
  store.setActiveProfile(options.name);
  return { active: options.name, created };
}

export function render(view: View, out: Output): void {
  out.line(`Now using profile "${view.active}"${view.created ? ' (new)' : ''}.`);
}
