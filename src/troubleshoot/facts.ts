// What runbook checks may read: the platform API only (status, activity, mails, links,
// event settings, 2FA and the SMS log), each fetched once per run and shared by the
// checks that need it.
import type { PlatformClient } from '../client/platform-client.ts';
import { ApiError } from '../client/errors.ts';
import type {
  EmailCheck,
  EmailLogEntry,
  EventDetail,
  LinkView,
  MfaStatus,
  RegistrationStatusView,
  TimelineEntry,
  UserDetail,
  WhoAmI,
} from '../contract/schemas.ts';
import type { SmsLogEntry } from '../contract/sms.ts';

export interface PlatformFacts {
  /** The person, or null when no account has the address. */
  user(email: string): Promise<UserDetail | null>;
  /** Their registration for the event, or null when there is none. */
  status(email: string, event: string): Promise<RegistrationStatusView | null>;
  event(ref: string): Promise<EventDetail | null>;
  /** The newest activity of the person (or of the address when no account has it). */
  timeline(email: string): Promise<TimelineEntry[]>;
  mails(email: string): Promise<EmailLogEntry[]>;
  links(email: string): Promise<LinkView[]>;
  mfa(email: string): Promise<MfaStatus | null>;
  /** The newest text messages to the person (50), newest first; null when the caller's role may not read the SMS log. */
  sms(email: string): Promise<SmsLogEntry[] | null>;
  /** Who runs the topic: the agent's role decides which fixes they may be offered. */
  whoAmI(): Promise<WhoAmI>;
  /** Would the event's address rules (approved domains, public providers) accept this address? Null when there is no such event. */
  emailCheck(event: string, email: string): Promise<EmailCheck | null>;
}

const TIMELINE_DEPTH = 200;

async function orNull<T>(work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

async function collect<T>(items: AsyncIterable<T>, max: number): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    if (out.length >= max) break;
  }
  return out;
}

export function platformFacts(client: PlatformClient): PlatformFacts {
  const cache = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    if (!cache.has(key)) cache.set(key, load());
    return cache.get(key) as Promise<T>;
  };
  const facts: PlatformFacts = {
    user: (email) => once(`user:${email}`, () => orNull(client.getUser(email))),
    status: (email, event) => once(`status:${email}:${event}`, () => orNull(client.getRegistrationStatus(email, event))),
    event: (ref) => once(`event:${ref}`, () => orNull(client.getEvent(ref))),
    timeline: (email) =>
      once(`timeline:${email}`, async () =>
        (await facts.user(email))
          ? collect(client.iterateUserActivity(email, { limit: TIMELINE_DEPTH }), TIMELINE_DEPTH)
          : collect(client.iterateAddressActivity({ email, limit: TIMELINE_DEPTH }), TIMELINE_DEPTH),
      ),
    mails: (email) => once(`mails:${email}`, async () => ((await facts.user(email)) ? collect(client.iterateEmailLog(email, { limit: 50 }), 50) : [])),
    links: (email) => once(`links:${email}`, async () => ((await facts.user(email)) ? collect(client.iterateUserLinks(email, { limit: 50 }), 50) : [])),
    mfa: (email) => once(`mfa:${email}`, async () => ((await facts.user(email)) ? client.mfaStatus(email) : null)),
    sms: (email) =>
      once(`sms:${email}`, async () => {
        if (!(await facts.user(email))) return [];
        try {
          return (await client.smsLog(email, { limit: 50 })).items;
        } catch (error) {
          if (error instanceof ApiError && error.status === 403) return null;
          throw error;
        }
      }),
    whoAmI: () => once('whoami', () => client.whoAmI()),
    emailCheck: (event, email) => once(`email-check:${event}:${email}`, () => orNull(client.checkEventEmail(event, email))),
  };
  return facts;
}
