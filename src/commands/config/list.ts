// t1 config list: every setting in effect, with its source (flag, env, profile, default).
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { CONFIG_KEYS } from './keys.ts';

export type Options = Record<string, never>;

export interface View {
  profile: string;
  configFile: string;
  settings: { key: string; value: string | null; source: string | null; description: string }[];
}

export async function run(_options: Options, deps: Deps): Promise<View> {
  const resolved = await deps.settings();
  return {
    profile: resolved.profile.value,
    configFile: (await deps.config()).path,
    settings: [
      ...CONFIG_KEYS.map((key) => {
        const setting = key.effective(resolved);
        return { key: key.name, value: setting?.value ?? null, source: setting?.source ?? null, description: key.description };
      }),
      // Where the token comes from, never the token itself.
      {
        key: 'token',
        value: resolved.token ? '(set)' : null,
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
