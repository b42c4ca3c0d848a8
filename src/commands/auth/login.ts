// t1 login: signs in to a platform and saves the session in the active profile: the token
// in the config file (only the owner can read it), or with --keychain in the operating
// system's keychain. Staff sign in with email, password and their authenticator code (or
// the code texted to their phone), enrolling on the spot when 2FA is required and not set
// up yet: the app, or a phone where the organisation allows text messages (--mfa-method,
// --phone). Off a terminal the password is the first line of stdin and each code asked
// for the next one, so a script can pass on a texted code. Staff of several organisations
// pick one once the password is accepted (or name it with --org); each organisation asks
// for its own code. A new sign-in ends the session it replaces in the profile, so
// switching organisation is signing out and in again. With --token an API token is saved
// instead (from the flag, stdin when piped, or a prompt).
import { createInterface } from 'node:readline';
import { text } from 'node:stream/consumers';
import type { StaffLoginResult, StaffOrganisationChoice, WhoAmI } from '../../contract/schemas.ts';
import type { MfaMethod } from '../../contract/mfa-methods.ts';
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
  /** The organisation to sign in to (name or id), for staff of several. */
  org?: string;
  /** Keep the token in the operating system's keychain instead of the config file. */
  keychain?: boolean;
  /** How to get codes, when signing in enrols a second factor. */
  mfaMethod?: MfaMethod;
  /** The mobile number to enrol for text message codes (implies --mfa-method sms). */
  phone?: string;
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

/** Answers piped on stdin, a line each; null once stdin has ended. */
type StdinLines = () => Promise<string | null>;

function stdinLines(stdin: NodeJS.ReadableStream): { next: StdinLines; close(): void } {
  const reader = createInterface({ input: stdin, crlfDelay: Infinity });
  const lines = reader[Symbol.asyncIterator]();
  return {
    next: async () => {
      const line = await lines.next();
      return line.done ? null : line.value.trim();
    },
    close: () => reader.close(),
  };
}

/** A code: asked for on a terminal, else the next line of stdin (none left: the usage error of a missing answer). */
async function readCode(deps: Deps, lines: StdinLines, question: string): Promise<string> {
  const piped = deps.output.settings.interactive ? null : await lines();
  return piped ?? deps.prompter().input(question, 'sign in on a terminal, or put the code on the next line of stdin');
}

const PHONE_EXAMPLE = '+44 7700 900123';

/** The method to enrol: the flag, else a choice on a terminal where the organisation allows text messages, else the app. */
async function enrolmentMethod(deps: Deps, options: Options, offered: MfaMethod[]): Promise<MfaMethod> {
  const wanted = options.mfaMethod ?? (options.phone === undefined ? undefined : 'sms');
  if (wanted === 'sms' && !offered.includes('sms')) {
    throw usageError('Your organisation does not allow text message codes for two-factor authentication.', 'Leave out --mfa-method sms and --phone to set up an authenticator app.');
  }
  if (wanted) return wanted;
  if (!offered.includes('sms') || !deps.output.settings.interactive) return 'app';
  return deps.prompter().select('Your organisation requires two-factor authentication. How do you want to get your codes?', [
    { name: 'Authenticator app', value: 'app' as const },
    { name: 'Text message', value: 'sms' as const },
  ]);
}

/** The platform's word on a number it cannot text (the field error), or null for any other failure. */
function phoneRefusal(error: unknown): string | null {
  if (!(error instanceof ApiError) || error.status !== 422) return null;
  const fields = error.details?.fields;
  const field = Array.isArray(fields) ? (fields as { field?: unknown; message?: unknown }[]).find((f) => f.field === 'body.phone') : undefined;
  return typeof field?.message === 'string' ? field.message : null;
}

/** Enrols a phone on the challenge: the number (asked again while the platform refuses it), then the code it was texted. */
async function enrolPhone(client: PlatformClient, deps: Deps, options: Options, challenge: string): Promise<Pending & { next: 'mfa_code' }> {
  let phone = options.phone;
  for (;;) {
    phone ??= await deps.prompter().input(`Mobile number, with its country code (for example ${PHONE_EXAMPLE})`, 'pass --phone');
    try {
      const step = await client.staffEnrolPhone(challenge, phone);
      if (step.next !== 'mfa_code') throw new Error('The platform did not ask for the texted code.');
      return step;
    } catch (error) {
      const refusal = phoneRefusal(error);
      if (refusal === null) throw error;
      if (!deps.output.settings.interactive) throw usageError(`The number was refused: ${refusal}`, `Pass --phone with its country code, for example ${PHONE_EXAMPLE}.`);
      deps.output.notice(refusal);
      phone = undefined;
    }
  }
}

async function secondFactor(client: PlatformClient, deps: Deps, options: Options, lines: StdinLines, first: Exclude<Pending, { next: 'choose_organisation' }>) {
  const out = deps.output;
  let step = first;
  let question: string;
  if (step.next === 'mfa_enroll' && (await enrolmentMethod(deps, options, step.methods ?? ['app'])) === 'sms') {
    const texted = await enrolPhone(client, deps, options, step.challenge);
    step = texted;
    question = `Code texted to ${texted.maskedPhone ?? 'your phone'}`;
  } else if (step.next === 'mfa_enroll') {
    out.notice('Your organisation requires two-factor authentication. Scan this code with your authenticator app:');
    out.notice(await terminalQr(step.otpauthUri));
    out.notice(`Or type this setup key into the app: ${step.setupKey}`);
    question = 'Code shown by the app';
  } else {
    question = step.method === 'sms' ? `Code texted to ${step.maskedPhone ?? 'your phone'} (or a recovery code)` : 'Authenticator code (or a recovery code)';
  }
  for (let attempt = 1; ; attempt++) {
    const code = await readCode(deps, lines, question);
    try {
      return await client.staffSecondFactor(step.challenge, code);
    } catch (error) {
      const wrongCode = error instanceof ApiError && error.status === 401 && attempt < CODE_ATTEMPTS;
      if (!wrongCode) throw error;
      out.notice(error.message);
    }
  }
}

type Pending = Exclude<StaffLoginResult, { next: 'done' }>;

function organisationLabel(choice: StaffOrganisationChoice, all: StaffOrganisationChoice[]): string {
  return all.filter((c) => c.name === choice.name).length > 1 ? `${choice.name} (${choice.id})` : choice.name;
}

/** A refusal of the organisation named (--org or a pick), with the organisations the password opens. */
function organisationRefusal(error: unknown): CliError | null {
  if (!(error instanceof ApiError) || error.status !== 422) return null;
  const reason = error.details?.reason;
  if (reason !== 'unknown_organisation' && reason !== 'ambiguous_organisation') return null;
  return usageError(error.message, 'Pick one with --org <name|id>, or leave --org out on a terminal to choose from the list.');
}

async function chooseOrganisation(client: PlatformClient, deps: Deps, first: Pending & { next: 'choose_organisation' }): Promise<StaffLoginResult> {
  const choices = first.organisations;
  if (!deps.output.settings.interactive) {
    const listed = choices.map((c) => organisationLabel(c, choices)).join(', ');
    throw usageError(`This account is staff of several organisations: ${listed}. Which one?`, 'Pass --org <name|id>.');
  }
  const picked = await deps.prompter().select(
    'Organisation',
    choices.map((c) => ({ name: organisationLabel(c, choices), value: c.id })),
  );
  return client.staffChooseOrganisation(first.challenge, picked);
}

async function signInWithPassword(client: PlatformClient, options: Options, deps: Deps): Promise<StaffLoginResult & { next: 'done' }> {
  if (!deps.output.settings.interactive && (options.email === undefined || deps.io.stdinIsTTY)) {
    throw usageError('Signing in with email and password off a terminal needs --email and the password on stdin.', 'Or use an API token: t1 login --token');
  }
  const email = options.email ?? (await deps.prompter().input('Email', 'pass --email'));
  if (deps.io.stdinIsTTY) {
    const password = (await deps.prompter().password('Password', 'sign in on a terminal')).trim();
    return signInSteps(client, options, deps, email, password, async () => null);
  }
  // Read a line at a time (never on a terminal, where the prompts read).
  const lines = stdinLines(deps.io.stdin);
  try {
    return await signInSteps(client, options, deps, email, (await lines.next()) ?? '', lines.next);
  } finally {
    lines.close();
  }
}

async function signInSteps(client: PlatformClient, options: Options, deps: Deps, email: string, password: string, lines: StdinLines): Promise<StaffLoginResult & { next: 'done' }> {
  let step: StaffLoginResult;
  try {
    step = await client.staffLogin(email, password, options.org);
    if (step.next === 'choose_organisation') step = await chooseOrganisation(client, deps, step);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw new CliError(error.message, EXIT.auth, 'Check both and try again; an admin can reset staff passwords.');
    throw organisationRefusal(error) ?? error;
  }
  if (step.next === 'choose_organisation') throw new Error('The platform asked for the organisation twice.');
  const done = step.next === 'done' ? step : await secondFactor(client, deps, options, lines, step);
  if (done.next !== 'done') throw new Error('The platform asked for another sign-in step.');
  return done;
}

/** The profile's token as it is before the new one replaces it (read now: a keychain token is read lazily). */
function savedSession(store: ConfigStore, profile: string): { apiUrl?: string; token?: string } {
  const saved = store.profile(profile);
  try {
    return { apiUrl: saved.apiUrl, token: saved.token };
  } catch {
    return {};
  }
}

/** Ends the session a new sign-in replaces, when it was one on the same platform; an API token is left alone. */
async function endReplacedSession(previous: { apiUrl?: string; token?: string }, apiUrl: string, token: string): Promise<void> {
  if (!previous.token || previous.token === token || previous.apiUrl !== apiUrl) return;
  const { PlatformClient } = await import('../../client/platform-client.ts');
  const client = new PlatformClient({ baseUrl: apiUrl, token: previous.token, maxAttempts: 1 });
  try {
    await client.logout();
  } catch {
    // Expired, revoked or unreachable: it ends on its own.
  } finally {
    await client.close();
  }
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
  if (options.token !== undefined && options.org !== undefined) {
    throw usageError('--org is for signing in with email and password; an API token belongs to one organisation already.');
  }
  if (options.token !== undefined && (options.mfaMethod !== undefined || options.phone !== undefined)) {
    throw usageError('--mfa-method and --phone are for signing in with email and password; an API token has no second factor.');
  }
  if (options.mfaMethod === 'app' && options.phone !== undefined) {
    throw usageError('--phone enrols text message codes; it does not go with --mfa-method app.');
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
    const previous = savedSession(store, settings.profile.value);
    store.saveToken(settings.profile.value, apiUrl, token, tokenStore);
    await endReplacedSession(previous, apiUrl, token);
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
