// RFC 6238 TOTP (RFC 4226 HOTP over 30-second steps), written here from the RFCs so the
// codes a test sends are computed independently of the library the platform uses.
import { createHmac } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const STEP_SECONDS = 30;

/** RFC 4648 base32, case-insensitive, ignoring spaces, dashes and padding. */
export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error(`Not a base32 character: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 4226: HMAC-SHA-1 of the 8-byte big-endian counter, dynamic truncation, 6 digits. */
export function hotp(key: Buffer, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary =
    ((mac[offset]! & 0x7f) << 24) | ((mac[offset + 1]! & 0xff) << 16) | ((mac[offset + 2]! & 0xff) << 8) | (mac[offset + 3]! & 0xff);
  return String(binary % 1_000_000).padStart(6, '0');
}

/** The time step of a moment. */
export function stepAt(ms: number): number {
  return Math.floor(ms / 1000 / STEP_SECONDS);
}

/** The code for a time step. */
export function totpForStep(base32Secret: string, step: number): string {
  return hotp(base32Decode(base32Secret), step);
}

/** The code an authenticator app shows at `ms` (epoch milliseconds). */
export function totpAt(base32Secret: string, ms: number): string {
  return totpForStep(base32Secret, stepAt(ms));
}
