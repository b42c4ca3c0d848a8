// t1 login: signs in to a platform and saves the session in the active profile: the token
// in the config file (only the owner can read it), or with --keychain in the operating
// system's keychain. Staff sign in with email, password and their authenticator code,
// enrolling on the spot when 2FA is required and not set up yet. With --token an API
// token is saved instead (from the flag, stdin when piped, or a hidden prompt).
import { text } from 'node:stream/consumers';
import type { StaffLoginResult, WhoAmI } from '../../contract/schemas.ts';
import type { PlatformClient } from '../../client/platform-client.ts';
import { ApiError } from '../../client/errors.ts';
import type { ConfigStore, TokenStore } from '../../cli/config-store.ts';
import type { Deps } from '../../cli/deps.ts';
import { CliError, usageError } from '../../cli/errors.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import { KeychainError, readSecret as readKeychain } from '../../cli/keychain.ts';
import { checkedApiUrl } from '../../cli/settings.ts';
import type { Output } from '../../cli/render/output.ts';
import { terminalQr } from '../../cli/render/qr.ts';

export interface Options {
  /** A token value, true for --token without one, undefined for email sign-in. */
  token?: string | true;
  email?: string;
  /** Keep the token in the operating system's keychain instead of the config file. */
  keychain?: boolean;
}

export interface View {
  profile: string;
  apiUrl: string;
  organisation: string;
  role: WhoAmI['role'];
  name: string;
  via: WhoAmI['via'];
  tokenStore: TokenStore;
  /** Shown once after a first 2FA enrollment. */
  recoveryCodes: string[] | null;
}

const CODE_ATTEMPTS = 3;

async function readSecret(deps: Deps, question: string, flagHint: string): Promise<string> {
  if (!deps.io.stdinIsTTY) return (await text(deps.io.stdin)).trim();
  return (await deps.prompter().password(question, flagHint)).trim();
}

async function secondFactor(client: PlatformClient, deps: Deps, first: Exclude<StaffLoginResult, { next: 'done' }>) {
  const out = deps.output;
  if (first.next === 'mfa_enroll') {
    out.notice('Your organisation requires two-factor authentication. Scan this code with your authenticator app:');
    out.notice(await terminalQr(first.otpauthUri));
    out.notice(`Or type this setup key into the app: ${first.setupKey}`);
  }
  const question = first.next === 'mfa_enroll' ? 'Code shown by the app' : 'Authenticator code (or a recovery code)';
  for (let attempt = 1; ; attempt++) {
    const code = await deps.prompter().input(question, 'sign in on a terminal');
    try {
      return await client.staffSecondFactor(first.challenge, code);
    } catch (error) {
      const wrongCode = error instanceof ApiError && error.status === 401 && attempt < CODE_ATTEMPTS;
      if (!wrongCode) throw error;
      out.notice(error.message);
    }
  }
}

async function signInWithPassword(client: PlatformClient, options: Options, deps: Deps): Promise<StaffLoginResult & { next: 'done' }> {
  if (!deps.output.settings.interactive) {
    throw usageError('Signing in with email and password needs a terminal.', 'Off a terminal, use an API token: t1 login --token');
  }
  const email = options.email ?? (await deps.prompter().input('Email', 'pass --email'));
  const password = await readSecret(deps, 'Password', 'sign in on a terminal');
  let first: StaffLoginResult;
  try {
    first = await client.staffLogin(email, password);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw new CliError(error.message, EXIT.auth, 'Check both and try again; an admin can reset staff passwords.');
    throw error;
  }
  const done = first.next === 'done' ? first : await secondFactor(client, deps, first);
  if (done.next !== 'done') throw new Error('The platform asked for another sign-in step.');
  return done;
}

// Tried before signing in, so on a machine without a keychain nobody types a password in vain.
function checkKeychain(store: ConfigStore, profile: string): void {
  try {
    readKeychain(store.keychainAccount(profile));
  } catch (error) {
    if (!(error instanceof KeychainError)) throw error;
    throw new CliError(
      `t1 cannot keep the token in a keychain here, so it did not sign in. ${error.message}`,
      EXIT.failure,
      `Run "t1 login" without --keychain to keep the token in ${store.path}, a file only you can read.`,
    );
  }
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const settings = await deps.settings();
  if (!settings.apiUrl) {
    throw usageError('Which platform? Pass --api-url <url> (or set T1_API_URL).', 'Example: t1 login --api-url https://events.example.com');
  }
  const apiUrl = checkedApiUrl(settings.apiUrl);
  const store = await deps.config();
  const tokenStore: TokenStore = options.keychain ? 'keychain' : 'file';
  if (tokenStore === 'keychain') checkKeychain(store, settings.profile.value);
  const { PlatformClient } = await import('../../client/platform-client.ts');
  let recoveryCodes: string[] | null = null;
  let token: string;
  if (options.token !== undefined) {
    token = typeof options.token === 'string' ? options.token.trim() : await readSecret(deps, 'API token', 'pass it with --token <token> or on stdin');
    if (!token) throw usageError('The token is empty.');
  } else {
    const anonymous = new PlatformClient({ baseUrl: apiUrl });
    try {
      const done = await signInWithPassword(anonymous, options, deps);
      token = done.token;
      recoveryCodes = done.recoveryCodes;
    } finally {
      await anonymous.close();
    }
  }
  const client = new PlatformClient({ baseUrl: apiUrl, token });
  try {
    const me = await client.whoAmI();
    store.saveToken(settings.profile.value, apiUrl, token, tokenStore);
    return {
      profile: settings.profile.value,
      apiUrl,
      organisation: me.organisation.name,
      role: me.role,
      name: me.staff?.email ?? me.tokenName ?? 'API token',
      via: me.via,
      tokenStore,
      recoveryCodes,
    };
  } finally {
    await client.close();
  }
}

export function render(view: View, out: Output): void {
  const where = view.tokenStore === 'keychain' ? ', its token in the keychain' : '';
  out.line(`Logged in to ${view.apiUrl} as ${view.name} (${view.role}, ${view.organisation}); saved in profile "${view.profile}"${where}.`);
  if (view.recoveryCodes) {
    out.line();
    out.line('Recovery codes (each works once in place of a code; they are not shown again, store them safely):');
    for (const code of view.recoveryCodes) out.line(`  ${code}`);
  }
}
