// Where text messages go. `captured` keeps them in the outbox (status captured), readable
// by tests and the embedded demo; the HTTP gateway POSTs each message as signed JSON to a
// configured URL, the way SMS providers' webhooks are usually fronted.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { ConfigurationError } from '../configuration-error.ts';

export interface OutgoingSms {
  /** The outbox id: the same on every attempt, so the gateway can drop a repeat. */
  id: string;
  /** E.164. */
  to: string;
  body: string;
}

export interface SmsProvider {
  readonly kind: 'captured' | 'http';
  /** Resolves once the provider has taken the message; throws when it has not. */
  send(message: OutgoingSms): Promise<void>;
}

/** Messages stay in the outbox as "captured"; nothing is ever handed to send(). */
export const capturedSmsProvider: SmsProvider = {
  kind: 'captured',
  async send() {
    throw new Error('Captured text messages are not sent.');
  },
};

export const SMS_SIGNATURE_HEADER = 't1-sms-signature';
export const SMS_TIMESTAMP_HEADER = 't1-sms-timestamp';
export const SMS_ID_HEADER = 't1-sms-id';
/** A shorter secret is too easy to guess for an HMAC key. */
export const MIN_GATEWAY_SECRET_LENGTH = 16;
/** Well inside the delivery lease, so no other instance takes the message over meanwhile. */
const GATEWAY_TIMEOUT_MS = 10_000;

/** `v1=` + base64 HMAC-SHA256 under the shared secret of `${timestamp}.${body}`. */
export function smsSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('base64')}`;
}

/** For the gateway's side (and tests): the signature is right and the timestamp within `toleranceSeconds` of `now`. */
export function verifySmsSignature(secret: string, headers: { timestamp?: string; signature?: string }, body: string, now: Date, toleranceSeconds = 300): boolean {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(smsSignature(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface HttpGatewayOptions {
  url: string;
  secret: string;
  clock: Clock;
  timeoutMs?: number;
}

/** Checks the configuration at start, so a typo stops the platform rather than every message. */
export function httpSmsGateway(options: HttpGatewayOptions): SmsProvider {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new ConfigurationError(`The SMS gateway "${options.url}" is not a URL.`, 'Pass --sms-gateway with an http:// or https:// URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(`The SMS gateway must be an http:// or https:// URL, not ${url.protocol}//.`, 'Pass --sms-gateway with an http:// or https:// URL.');
  }
  if (options.secret.length < MIN_GATEWAY_SECRET_LENGTH) {
    throw new ConfigurationError(
      `An SMS gateway needs T1_SMS_GATEWAY_SECRET, at least ${MIN_GATEWAY_SECRET_LENGTH} characters, to sign its requests.`,
      'Generate one with: openssl rand -hex 32',
    );
  }
  const timeoutMs = options.timeoutMs ?? GATEWAY_TIMEOUT_MS;
  return {
    kind: 'http',
    async send(message) {
      const body = JSON.stringify({ id: message.id, to: message.to, body: message.body });
      const timestamp = String(Math.floor(options.clock.now().getTime() / 1000));
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SMS_ID_HEADER]: message.id,
            [SMS_TIMESTAMP_HEADER]: timestamp,
            [SMS_SIGNATURE_HEADER]: smsSignature(options.secret, timestamp, body),
          },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new Error(`The SMS gateway did not answer: ${networkReason(error)}`);
      }
      // The body is the gateway's, not ours to keep; only its status is recorded.
      await response.body?.cancel().catch(() => {});
      if (response.status < 200 || response.status > 299) throw new Error(`The SMS gateway answered HTTP ${response.status}.`);
    },
  };
}

function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}
