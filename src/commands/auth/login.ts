// t1 login --token [TOKEN]: checks an API token against the platform and saves it, with
// the platform's URL, in the active profile. Without a value the token is read from
// stdin when piped, or asked for (hidden) on a terminal.
import { text } from 'node:stream/consumers';
import type { WhoAmI } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';

export interface Options {
  /** true when --token was given without a value. */
  token: string | true;
}

export interface View {
  profile: string;
  apiUrl: string;
  organisation: string;
  role: WhoAmI['role'];
  name: string;
}

async function readToken(options: Options, deps: Deps): Promise<string> {
  if (typeof options.token === 'string') return options.token.trim();
  if (!deps.io.stdinIsTTY) return (await text(deps.io.stdin)).trim();
  return (await deps.prompter().password('API token', 'pass it with --token <token> or on stdin')).trim();
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const settings = await deps.settings();
  if (!settings.apiUrl) {
    throw usageError('Which platform? Pass --api-url <url> (or set T1_API_URL).', 'Example: t1 login --token --api-url https://events.example.com');
  }
  const token = await readToken(options, deps);
  if (!token) throw usageError('The token is empty.');
  const { PlatformClient } = await import('../../client/platform-client.ts');
  const client = new PlatformClient({ baseUrl: settings.apiUrl.value, token });
  try {
    const me = await client.whoAmI();
    const store = await deps.config();
    store.updateProfile(settings.profile.value, { apiUrl: settings.apiUrl.value, token });
    return {
      profile: settings.profile.value,
      apiUrl: settings.apiUrl.value,
      organisation: me.organisation.name,
      role: me.role,
      name: me.staff?.email ?? me.tokenName ?? 'API token',
    };
  } finally {
    await client.close();
  }
}

export function render(view: View, out: Output): void {
  out.line(`Logged in to ${view.apiUrl} as ${view.name} (${view.role}, ${view.organisation}); saved in profile "${view.profile}".`);
}
