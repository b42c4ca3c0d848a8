// The second-factor methods an organisation may allow: the authenticator app always,
// text message codes when its policy says so.
import { z } from 'zod';

export const MFA_METHODS = ['app', 'sms'] as const;
export type MfaMethod = (typeof MFA_METHODS)[number];

/** The allowed methods, the app always among them, in the order above. */
export const mfaMethodsSchema = z
  .array(z.enum(MFA_METHODS))
  .min(1, 'name at least one method')
  .max(MFA_METHODS.length)
  .refine((methods) => methods.includes('app'), { message: 'the authenticator app is always allowed' });

/** Stored as "app" or "app,sms"; anything unknown is ignored, the app is always in. */
export function parseMfaMethods(stored: string): MfaMethod[] {
  const named = new Set(stored.split(',').map((m) => m.trim()));
  return MFA_METHODS.filter((m) => m === 'app' || named.has(m));
}
