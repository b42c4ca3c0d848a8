// Time and randomness come in through these, so tests can fix them.
import { createHash } from 'node:crypto';
import { randomPool, type RandomSource } from './random-pool.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface TokenGenerator {
  /**
   * A fresh URL-safe secret: characters that are not secret (when it was made), then
   * SECRET_RANDOM_CHARS random ones (at least 128 bits).
   */
  secret(): string;
  /** A short random id suffix for rows; not a secret. */
  id(): string;
}

/** The random characters a secret ends with (204 bits); what comes before them is not secret. */
export const SECRET_RANDOM_CHARS = 34;

/** Secrets and ids over a pool of cryptographically random bytes. */
export function pooledCryptoTokens(random: RandomSource = randomPool(), clock: Clock = systemClock): TokenGenerator {
  return {
    // 43 characters: the time in milliseconds (base 36, so they sort by it), then 204 random bits.
    secret: () => clock.now().getTime().toString(36).padStart(9, '0') + random(26).toString('base64url').slice(0, SECRET_RANDOM_CHARS),
    id: () => random(10).toString('base64url').replace(/[-_]/g, 'x'),
  };
}

export const cryptoTokens: TokenGenerator = pooledCryptoTokens();

/** The SHA-256 digest of a secret (a token, a recovery code), the only form kept of it. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What comes before a token's random characters: a prefix such as "t1_" and when it was made. */
function publicLead(token: string): string {
  return token.slice(0, Math.max(0, token.length - SECRET_RANDOM_CHARS));
}

/**
 * What a token is stored under: its public lead, then the digest of the whole token. New
 * tokens are then keyed in the order they were made and join the end of the unique
 * index, where a bare digest sent each to a random page: a bulk run of 100,000
 * invitation links wrote half as much to the database.
 */
export function tokenKey(token: string, digest = hashToken(token)): string {
  return `${publicLead(token)}.${digest}`;
}

/** The keys a presented token may be stored under: its tokenKey, or the bare digest for tokens made before it. */
export function tokenKeys(token: string): string[] {
  const digest = hashToken(token);
  return [tokenKey(token, digest), digest];
}

export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}

export function minutesFrom(date: Date, minutes: number): Date {
  return new Date(date.getTime() + minutes * 60_000);
}
