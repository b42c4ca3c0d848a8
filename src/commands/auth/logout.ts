// t1 logout: ends a staff session on the platform and forgets the saved token (the API
// URL stays). API tokens are only forgotten here; an admin revokes those.
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
  const saved = store.profile(profile);
  const hadToken = saved.token !== undefined;
  if (saved.token && saved.apiUrl) {
    const { PlatformClient } = await import('../../client/platform-client.ts');
    const client = new PlatformClient({ baseUrl: saved.apiUrl, token: saved.token, maxAttempts: 1 });
    try {
      await client.logout();
    } catch {
      deps.output.notice('Could not reach the platform to end the session there; it expires on its own.');
    } finally {
      await client.close();
    }
  }
  store.updateProfile(profile, { token: undefined });
  return { profile, hadToken };
}

export function render(view: View, out: Output): void {
  out.line(view.hadToken ? `Logged out of profile "${view.profile}".` : `Profile "${view.profile}" had no saved token.`);
}
