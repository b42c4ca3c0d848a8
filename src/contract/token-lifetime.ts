// How long an API token lives: "90d", "12h", "1y" (and m, w) or "never". Both sides read
// the same text, so the CLI refuses what the platform would refuse.

export type TokenLifetime = { minutes: number } | 'never';

const UNIT_MINUTES: Record<string, number> = { m: 1, h: 60, d: 24 * 60, w: 7 * 24 * 60, y: 365 * 24 * 60 };

/** A token created without a lifetime lives a year. */
export const DEFAULT_TOKEN_LIFETIME: TokenLifetime = { minutes: 365 * 24 * 60 };

// Longer than this is "never" in all but name, and is said so.
const LONGEST_MINUTES = 10 * 365 * 24 * 60;

/** The lifetime `text` names, or an explanation of why it names none. */
export function parseTokenLifetime(text: string): TokenLifetime | { problem: string } {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'never') return 'never';
  const match = /^(\d{1,7})([mhdwy])$/.exec(trimmed);
  if (!match) return { problem: 'is not a lifetime: use a number and a unit (m, h, d, w, y) such as 90d, 12h or 1y, or never' };
  const minutes = Number(match[1]) * UNIT_MINUTES[match[2]!]!;
  if (minutes < 1) return { problem: 'must be at least one minute' };
  if (minutes > LONGEST_MINUTES) return { problem: 'is longer than 10 years: use never for a token that does not expire' };
  return { minutes };
}
