// Whether a new password is acceptable under an event's policy (length) and the
// platform-wide rule against the most common passwords.
import { isCommonPassword } from '../data/common-passwords.ts';

export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
}

/** Used when a flow is not tied to an event (e.g. a reset started without one). */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 8, maxLength: 128 };

/** A message naming what is wrong, or null when the password is fine. */
export function passwordProblem(password: string, confirmation: string, policy: PasswordPolicy, email: string): string | null {
  const length = [...password].length;
  if (length < policy.minLength) return `Use at least ${policy.minLength} characters.`;
  if (length > policy.maxLength) return `Use at most ${policy.maxLength} characters.`;
  if (isCommonPassword(password)) return 'This password is too common; choose one that is harder to guess.';
  if (password.toLowerCase() === email.toLowerCase() || password.toLowerCase() === email.split('@')[0]?.toLowerCase()) {
    return 'Do not use your email address as your password.';
  }
  if (password !== confirmation) return 'The two passwords do not match.';
  return null;
}
