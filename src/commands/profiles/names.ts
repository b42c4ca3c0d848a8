// Profile names: what a name may be, and which profiles exist (the saved ones, the
// active one, and "default", which always does).
import { DEFAULT_PROFILE, type ConfigStore } from '../../cli/config-store.ts';
import { usageError } from '../../cli/errors.ts';

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkedProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    // JSON quoting keeps control characters in a typed name from reaching the terminal.
    throw usageError(`${JSON.stringify(name)} is not a valid profile name.`, 'Use letters, digits, dot, dash or underscore.');
  }
  return name;
}

export function existingProfiles(store: ConfigStore): string[] {
  const names = new Set([DEFAULT_PROFILE, store.activeProfile, ...Object.keys(store.profiles())]);
  return [...names].filter((name) => PROFILE_NAME.test(name)).sort();
}
