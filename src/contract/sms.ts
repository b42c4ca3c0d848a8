// The SMS second factor in the API contract: the SMS log agents read (masked number,
// purpose, status; never the number or the code). The methods an organisation allows
// are in mfa-methods.ts, which the organisation settings use too.
import { z } from 'zod';
import { cursorSchema, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './schemas.ts';

export { MFA_METHODS, mfaMethodsSchema, parseMfaMethods, type MfaMethod } from './mfa-methods.ts';

export const SMS_PURPOSES = ['enroll', 'sign_in'] as const;
export type SmsMessagePurpose = (typeof SMS_PURPOSES)[number];

export const SMS_STATUSES = ['queued', 'sent', 'failed', 'captured'] as const;
export type SmsMessageStatus = (typeof SMS_STATUSES)[number];

export const smsLogEntrySchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  purpose: z.enum(SMS_PURPOSES),
  /** Country code and last three digits only. */
  maskedPhone: z.string(),
  status: z.enum(SMS_STATUSES),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  sentAt: z.string().nullable(),
});
export type SmsLogEntry = z.infer<typeof smsLogEntrySchema>;

export const smsLogQuerySchema = z.strictObject({
  limit: z.coerce
    .number({ error: 'limit must be a number' })
    .int('limit must be a whole number')
    .min(1, 'limit must be at least 1')
    .max(MAX_PAGE_SIZE, `limit must be at most ${MAX_PAGE_SIZE}`)
    .default(DEFAULT_PAGE_SIZE),
  cursor: cursorSchema.optional(),
});
