// Time and randomness come in through these, so tests can fix them.
import { createHash } from 'node:crypto';
import { randomPool, type RandomSource } from './random-pool.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface TokenGenerator {
  /** A fresh secret of at least 128 bits, URL-safe. */
  secret(): string;
  /** A short random id suffix for rows; not a secret. */
  id(): string;
}

/** Secrets and ids over a pool of cryptographically random bytes. */
export function pooledCryptoTokens(random: RandomSource = randomPool()): TokenGenerator {
  return {
    secret: () => random(32).toString('base64url'),
    id: () => random(10).toString('base64url').replace(/[-_]/g, 'x'),
  };
}

export const cryptoTokens: TokenGenerator = pooledCryptoTokens();

/** Tokens are stored only as their SHA-256 digest. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}

export function minutesFrom(date: Date, minutes: number): Date {
  return new Date(date.getTime() + minutes * 60_000);
}
