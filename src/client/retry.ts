// The retry policy of PlatformClient as pure functions, so the numbers can be tested
// without a network and without waiting.

import { BODY_TIMEOUT, CONNECT_TIMEOUT, HEADERS_TIMEOUT } from './http-transport.ts';

export const DEFAULT_MAX_ATTEMPTS = 4;
export const BACKOFF_BASE_MS = 200;
export const BACKOFF_FACTOR = 2;
export const BACKOFF_CAP_MS = 5_000;
/** A server may ask for a long pause; a person at a terminal will not wait longer than this. */
export const RETRY_AFTER_CAP_MS = 30_000;

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** Only requests that are safe to send twice are retried: a repeated POST could create twice. */
export function isIdempotent(method: string, hasIdempotencyKey: boolean): boolean {
  const upper = method.toUpperCase();
  return IDEMPOTENT_METHODS.has(upper) || (upper === 'POST' && hasIdempotencyKey);
}

/** Gateway failures and overload are usually over within seconds; other statuses are answers. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

const RETRYABLE_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  CONNECT_TIMEOUT,
  HEADERS_TIMEOUT,
  BODY_TIMEOUT,
]);

export function isRetryableErrorCode(code: string): boolean {
  return RETRYABLE_ERROR_CODES.has(code);
}

/** Statuses whose Retry-After header says when to come back. */
export function honoursRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
}

/**
 * Milliseconds to wait according to a Retry-After value (delay-seconds or an HTTP date),
 * or undefined when the value is missing or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Exponential backoff with full jitter: a uniform pick in [0, min(cap, base * factor^(n-1)))
 * after failed attempt n (1-based). Jitter keeps many clients from retrying in lockstep.
 */
export function backoffMs(failedAttempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * BACKOFF_FACTOR ** (failedAttempt - 1));
  return Math.floor(random() * ceiling);
}

/** The pause before the next attempt: the server's Retry-After if it gave one, else backoff. */
export function retryDelayMs(failedAttempt: number, random: () => number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, RETRY_AFTER_CAP_MS);
  return backoffMs(failedAttempt, random);
}
