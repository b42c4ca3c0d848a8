// Profiles saved in config.json in the config folder, a file only the owner can read (it
// holds tokens). A profile's token can live in the operating system's keychain instead;
// the file then only says so. Plain JSON read with one parse and written whole to a
// temporary file renamed over the old one: a configuration library costs more to load
// than most commands take to run.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './errors.ts';
import { EXIT } from './exit-codes.ts';
import { deleteSecret, readSecret, writeSecret } from './keychain.ts';

export interface Profile {
  apiUrl?: string;
  /**
   * The saved token. For a profile that keeps it in the keychain, reading this property
   * reads the keychain (a KeychainError when that fails).
   */
  token?: string;
  /** Request timeout in seconds. */
  timeout?: number;
}

/** Where a profile's saved token is kept. */
export type TokenStore = 'file' | 'keychain';

/** A profile as written in the file: a keychain profile has `tokenIn` and no `token`. */
interface StoredProfile {
  apiUrl?: string;
  token?: string;
  tokenIn?: 'keychain';
  timeout?: number;
}

interface StoredConfig {
  activeProfile: string;
  profiles: Record<string, StoredProfile>;
}

export const DEFAULT_PROFILE = 'default';

const EMPTY: StoredConfig = { activeProfile: DEFAULT_PROFILE, profiles: {} };

export class ConfigStore {
  readonly path: string;
  readonly #dir: string;
  #data: StoredConfig | undefined;

  constructor(configDir: string) {
    this.#dir = configDir;
    this.path = join(configDir, 'config.json');
  }

  get activeProfile(): string {
    return this.#read().activeProfile;
  }

  setActiveProfile(name: string): void {
    this.#write({ ...this.#read(), activeProfile: name });
  }

  profiles(): Record<string, Profile> {
    return Object.fromEntries(Object.keys(this.#read().profiles).map((name) => [name, this.profile(name)]));
  }

  profile(name: string): Profile {
    const { tokenIn, ...profile } = this.#stored(name);
    if (tokenIn !== 'keychain') return profile;
    const account = this.keychainAccount(name);
    let token: { value: string | undefined } | undefined;
    return Object.defineProperty(profile, 'token', {
      enumerable: true,
      get: () => (token ??= { value: readSecret(account) }).value,
    });
  }

  hasProfile(name: string): boolean {
    return name in this.#read().profiles;
  }

  /** Where the profile's saved token is, without reading it; undefined when it has none. */
  tokenStore(name: string): TokenStore | undefined {
    const stored = this.#stored(name);
    if (stored.tokenIn === 'keychain') return 'keychain';
    return stored.token === undefined ? undefined : 'file';
  }

  /** The keychain entry (under service "t1") of a profile's token: one per profile and config folder. */
  keychainAccount(name: string): string {
    return `${name} (${this.path})`;
  }

  /** Saves a platform and its token in a profile, the token in the file or the keychain. */
  saveToken(name: string, apiUrl: string, token: string, store: TokenStore): void {
    const { token: _file, tokenIn: _keychain, ...rest } = this.#stored(name);
    if (store === 'keychain') {
      writeSecret(this.keychainAccount(name), token);
      this.#writeProfile(name, { ...rest, apiUrl, tokenIn: 'keychain' });
    } else {
      this.#forgetKeychainToken(name);
      this.#writeProfile(name, { ...rest, apiUrl, token });
    }
  }

  /** Changes fields of a profile; `token: undefined` forgets the token wherever it is kept. */
  updateProfile(name: string, patch: { [K in keyof Profile]?: Profile[K] | undefined }): void {
    const next: StoredProfile = { ...this.#stored(name), ...patch };
    if ('token' in patch) {
      this.#forgetKeychainToken(name);
      delete next.tokenIn;
    }
    for (const key of Object.keys(next) as (keyof StoredProfile)[]) if (next[key] === undefined) delete next[key];
    this.#writeProfile(name, next);
  }

  // Removed from the keychain before the file stops naming it, so a failure leaves both as they were.
  #forgetKeychainToken(name: string): void {
    if (this.#stored(name).tokenIn === 'keychain') deleteSecret(this.keychainAccount(name));
  }

  #stored(name: string): StoredProfile {
    return this.#read().profiles[name] ?? {};
  }

  #writeProfile(name: string, profile: StoredProfile): void {
    const data = this.#read();
    this.#write({ ...data, profiles: { ...data.profiles, [name]: profile } });
  }

  #read(): StoredConfig {
    if (this.#data) return this.#data;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return (this.#data = EMPTY);
      throw new CliError(`Cannot read the configuration file ${this.path}: ${(error as Error).message}`, EXIT.failure);
    }
    this.#data = parseConfig(text, this.path);
    return this.#data;
  }

  #write(data: StoredConfig): void {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(data, undefined, '\t')}\n`, { mode: 0o600 });
    renameSync(temporary, this.path);
    this.#data = data;
  }
}

function parseConfig(text: string, path: string): StoredConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const data = value as Partial<StoredConfig> | undefined;
  const valid =
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data) &&
    (data.activeProfile === undefined || typeof data.activeProfile === 'string') &&
    (data.profiles === undefined || (typeof data.profiles === 'object' && data.profiles !== null && !Array.isArray(data.profiles)));
  if (!valid) {
    throw new CliError(
      `The configuration file ${path} is not valid t1 configuration.`,
      EXIT.usage,
      'Correct it, or move it away and sign in again ("t1 login").',
    );
  }
  return { activeProfile: data.activeProfile ?? DEFAULT_PROFILE, profiles: data.profiles ?? {} };
}
