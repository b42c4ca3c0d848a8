// Recovery codes: ten per enrollment, 80 bits each, shown once and stored as SHA-256.
import { randomBytes } from 'node:crypto';
import { hashToken } from '../clock.ts';
import type { Db } from '../storage/database.ts';

export const RECOVERY_CODE_COUNT = 10;
const CODE_BYTES = 10; // 80 bits
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'; // 32 symbols, no look-alikes

function encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** "abcd-efgh-jkmn-pqrs": 16 symbols of 5 bits. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => encode(randomBytes(CODE_BYTES)).replace(/(.{4})(?!$)/g, '$1-'));
}

/** Codes are compared without dashes, spaces or case. */
export function hashRecoveryCode(code: string): string {
  return hashToken(code.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/** How many of the person's recovery codes are still unused. */
export async function recoveryCodesLeft(db: Db, userId: string): Promise<number> {
  const { n } = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(n);
}
