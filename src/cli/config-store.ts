// Profiles saved with conf in a file only the owner can read (it holds tokens).
import Conf from 'conf';

export interface Profile {
  apiUrl?: string;
  token?: string;
  /** Request timeout in seconds. */
  timeout?: number;
}

interface StoredConfig {
  activeProfile: string;
  profiles: Record<string, Profile>;
}

export const DEFAULT_PROFILE = 'default';

export class ConfigStore {
  readonly #conf: Conf<StoredConfig>;

  constructor(configDir: string) {
    this.#conf = new Conf<StoredConfig>({
      cwd: configDir,
      configName: 'config',
      configFileMode: 0o600,
      defaults: { activeProfile: DEFAULT_PROFILE, profiles: {} },
    });
  }

  get path(): string {
    return this.#conf.path;
  }

  get activeProfile(): string {
    return this.#conf.get('activeProfile');
  }

  setActiveProfile(name: string): void {
    this.#conf.set('activeProfile', name);
  }

  profiles(): Record<string, Profile> {
    return this.#conf.get('profiles');
  }

  profile(name: string): Profile {
    return this.profiles()[name] ?? {};
  }

  hasProfile(name: string): boolean {
    return name in this.profiles();
  }

  updateProfile(name: string, patch: { [K in keyof Profile]?: Profile[K] | undefined }): void {
    const next: Profile = { ...this.profile(name), ...patch };
    for (const key of Object.keys(next) as (keyof Profile)[]) if (next[key] === undefined) delete next[key];
    this.#conf.set('profiles', { ...this.profiles(), [name]: next });
  }
}
