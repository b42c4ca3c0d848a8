// What routes and services share: the database and the injected outside world.
import type { ActivityWriter } from './activity/record.ts';
import type { Origin } from './activity/origin.ts';
import type { Clock, TokenGenerator } from './clock.ts';
import type { SecretBox } from './secret-box.ts';
import type { Db } from './storage/database.ts';

export interface PlatformContext {
  db: Db;
  clock: Clock;
  tokens: TokenGenerator;
  secrets: SecretBox;
  /** Base of every link the platform puts in emails and pages. */
  publicUrl: string;
  version: string;
  /** How long to hold back the answer to a failed sign-in, by failures in a row. */
  signInDelayMs(failures: number): number;
  /** Who or what the current work runs for; routes set it per request. */
  origin: Origin;
  activity: ActivityWriter;
  mail: {
    /** False without SMTP: emails are kept as "captured" instead of sent. */
    deliveryEnabled: boolean;
    /** Asks the delivery worker to look for new mail now rather than at its next poll. */
    wake(): void;
  };
  /** Text messages; absent or not enabled: kept as "captured" instead of sent. */
  sms?: {
    /** True when an SMS gateway is configured. */
    deliveryEnabled: boolean;
    /** Asks the SMS worker to look for new messages now. */
    wake(): void;
  };
}

/** The context for one piece of work done for `origin`. */
export function withOrigin(ctx: PlatformContext, origin: Origin): PlatformContext {
  return { ...ctx, origin };
}
