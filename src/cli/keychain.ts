// The operating system's keychain (macOS Keychain, Windows Credential Manager, the Secret
// Service of GNOME Keyring or KWallet on Linux) through @napi-rs/keyring, whose npm
// package brings a prebuilt binary for each platform. The native module loads only when
// a profile keeps its token there, so other commands do not pay for it.
import { createRequire } from 'node:module';
import type { Entry } from '@napi-rs/keyring';
import { CliError } from './errors.ts';
import { EXIT } from './exit-codes.ts';

/** The service name t1's entries are filed under in the keychain. */
export const KEYCHAIN_SERVICE = 't1';

/** The keychain could not be reached or refused the operation. */
export class KeychainError extends CliError {}

// Printed inside t1's own message: one line, no control characters.
function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').trim().slice(0, 300) || 'no reason given';
}

function entry(account: string): Entry {
  const { Entry } = createRequire(import.meta.url)('@napi-rs/keyring') as typeof import('@napi-rs/keyring');
  // On Linux only the Secret Service keeps secrets across restarts: the kernel keyring
  // the library would otherwise fall back to forgets them at logout.
  return new Entry(KEYCHAIN_SERVICE, account, { linux: { store: 'secret-service' } });
}

function attempt<T>(what: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new KeychainError(`The keychain could not ${what}: ${reasonOf(error)}.`, EXIT.failure);
  }
}

/** The secret saved under `account`, or undefined when there is none. */
export function readSecret(account: string): string | undefined {
  return attempt('be read', () => entry(account).getPassword() ?? undefined);
}

export function writeSecret(account: string, secret: string): void {
  attempt('save the token', () => entry(account).setPassword(secret));
}

export function deleteSecret(account: string): void {
  attempt('remove the token', () => entry(account).deletePassword());
}
