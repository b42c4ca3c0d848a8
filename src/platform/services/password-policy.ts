// Whether a new password is acceptable under an event's policy (length) and the
// platform-wide rule against the most common passwords.
import { isCommonPassword } from '../data/common-passwords.ts';

export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
}

/** Used when a flow is not tied to an event (e.g. a reset started without one). */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 8, maxLength: 128 };

export interface PasswordProblem {
  /** Which rule refused it, for the activity log; never the password itself. */
  reason: 'too_short' | 'too_long' | 'too_common' | 'contains_email' | 'mismatch';
  /** What the person reads next to the field. */
  message: string;
  field: 'password' | 'confirmation';
}

/** What is wrong with a new password, or null when it is fine. */
export function passwordProblem(password: string, confirmation: string, policy: PasswordPolicy, email: string): PasswordProblem | null {
  const length = [...password].length;
  const problem = (reason: PasswordProblem['reason'], message: string): PasswordProblem => ({
    reason,
    message,
    field: reason === 'mismatch' ? 'confirmation' : 'password',
  });
  if (length < policy.minLength) return problem('too_short', `Use at least ${policy.minLength} characters.`);
  if (length > policy.maxLength) return problem('too_long', `Use at most ${policy.maxLength} characters.`);
  if (isCommonPassword(password)) return problem('too_common', 'This password is too common; choose one that is harder to guess.');
  if (password.toLowerCase() === email.toLowerCase() || password.toLowerCase() === email.split('@')[0]?.toLowerCase()) {
    return problem('contains_email', 'Do not use your email address as your password.');
  }
  if (password !== confirmation) return problem('mismatch', 'The two passwords do not match.');
  return null;
}
