// Cryptographically random bytes drawn from the kernel a few kilobytes at a time. A bulk
// run makes several ids, secrets and IVs per row, and one system call for each was a
// sixth of its time. Every byte is handed out once; a refill allocates a new buffer, so
// bytes already handed out never change.
import { randomBytes } from 'node:crypto';

const POOL_BYTES = 4096;

export type RandomSource = (bytes: number) => Buffer;

export function randomPool(): RandomSource {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return (n) => {
    if (n > POOL_BYTES) return randomBytes(n);
    if (offset + n > pool.length) {
      pool = randomBytes(POOL_BYTES);
      offset = 0;
    }
    const bytes = pool.subarray(offset, offset + n);
    offset += n;
    return bytes;
  };
}
