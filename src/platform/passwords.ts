// Password hashing with argon2id at the parameters the security rules fix.
import { hash, verify } from '@node-rs/argon2';

// The library's Algorithm enum is a const enum, which erasable TypeScript cannot read.
const ARGON2ID = 2;
const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

// Verified against when there is no account or no password, so that path costs the same.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$k+Hg+1l86sfL6GliKmTpYg$N/mmq0736c/ZPjLfNJkPb+byQ+jAX+wEHbQR0MjMMEo';

/** Like verifyPassword, but takes the same time when there is no stored hash (and fails). */
export async function verifyPasswordOrDummy(stored: string | null, password: string): Promise<boolean> {
  const valid = await verifyPassword(stored ?? DUMMY_HASH, password);
  return stored !== null && valid;
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
