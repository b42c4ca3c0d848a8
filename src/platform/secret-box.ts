// Encrypts secrets the platform must read back (TOTP secrets, webhook secrets) with
// AES-256-GCM. The key comes from T1_SECRET_KEY, or from a key file created once with
// mode 0600 beside the embedded database. The same key also signs values the platform
// hands out and must recognise later (CSRF values of the end-user pages).
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigurationError } from './configuration-error.ts';
import { randomPool, type RandomSource } from './random-pool.ts';

const VERSION = 'v1';

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  /** HMAC-SHA256 of `text` (base64url), under a key derived for `purpose` alone. */
  sign(purpose: string, text: string): string;
}

export function secretBox(key: Buffer, random: RandomSource = randomPool()): SecretBox {
  if (key.length !== 32) {
    throw new ConfigurationError('The secret key must be 32 bytes (64 hex characters or 44 base64 characters).', 'Generate one with: openssl rand -hex 32');
  }
  const signingKey = (purpose: string) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `t1 signing: ${purpose}`, 32));
  return {
    seal(plain) {
      const iv = random(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, iv, body, tag] = sealed.split('.');
      if (version !== VERSION || !iv || !body || !tag) throw new Error('Not a sealed secret.');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
    sign(purpose, text) {
      return createHmac('sha256', signingKey(purpose)).update(text, 'utf8').digest('base64url');
    },
  };
}

export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  return /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
}

/** The key from T1_SECRET_KEY, else from `keyFile`, creating that file the first time. */
export function loadSecretKey(env: NodeJS.ProcessEnv, keyFile: string): Buffer {
  if (env.T1_SECRET_KEY) return parseSecretKey(env.T1_SECRET_KEY);
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(keyFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process created it first; use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return parseSecretKey(readFileSync(keyFile, 'utf8'));
}
