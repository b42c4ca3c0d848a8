// t1 profiles: the saved profiles, which one is active, and where each points.
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';

export type Options = Record<string, never>;

export interface View {
  active: string;
  profiles: { name: string; active: boolean; apiUrl: string | null; loggedIn: boolean }[];
}

export async function run(_options: Options, deps: Deps): Promise<View> {
  const settings = await deps.settings();
  const saved = (await deps.config()).profiles();
  const names = new Set([...Object.keys(saved), settings.profile.value]);
  return {
    active: settings.profile.value,
    profiles: [...names].sort().map((name) => ({
      name,
      active: name === settings.profile.value,
      apiUrl: saved[name]?.apiUrl ?? null,
      loggedIn: saved[name]?.token !== undefined,
    })),
  };
}

export async function render(view: View, out: Output): Promise<void> {
  await out.table(
    ['', 'Profile', 'Platform', 'Logged in'],
    view.profiles.map((p) => [p.active ? '*' : '', p.name, p.apiUrl ?? 'embedded', p.loggedIn ? 'yes' : 'no']),
  );
}
