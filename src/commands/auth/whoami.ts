// t1 whoami: which platform, organisation and role this t1 acts as.
import type { WhoAmI } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';

export type Options = Record<string, never>;

export interface View extends WhoAmI {
  profile: string;
  platform: string;
}

export async function run(_options: Options, deps: Deps): Promise<View> {
  const settings = await deps.settings();
  const me = await (await deps.client()).whoAmI();
  return { ...me, profile: settings.profile.value, platform: settings.apiUrl?.value ?? 'embedded' };
}

export function render(view: View, out: Output): void {
  out.record([
    ['Platform', view.platform],
    ['Profile', view.profile],
    ['Organisation', view.organisation.name],
    ['Signed in as', view.staff ? `${view.staff.name} <${view.staff.email}> (${view.via === 'session' ? 'staff session' : 'API token'})` : `API token "${view.tokenName ?? '?'}"`],
    ['Role', view.role],
  ]);
}
