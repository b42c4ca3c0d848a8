// t1 logout: forgets the token saved in the active profile (the API URL stays).
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';

export type Options = Record<string, never>;

export interface View {
  profile: string;
  hadToken: boolean;
}

export async function run(_options: Options, deps: Deps): Promise<View> {
  const settings = await deps.settings();
  const store = await deps.config();
  const profile = settings.profile.value;
  const hadToken = store.profile(profile).token !== undefined;
  store.updateProfile(profile, { token: undefined });
  return { profile, hadToken };
}

export function render(view: View, out: Output): void {
  out.line(view.hadToken ? `Logged out of profile "${view.profile}".` : `Profile "${view.profile}" had no saved token.`);
}
