// A local SMS gateway for tests: it takes the platform's signed JSON POSTs, checks each
// signature against the shared secret (a POST that fails the check is answered 401) and
// keeps every message it was sent, in order. It can be told to fail the next few POSTs.
import { createServer } from 'node:http';
import { SMS_ID_HEADER, SMS_SIGNATURE_HEADER, SMS_TIMESTAMP_HEADER, verifySmsSignature } from '../../src/platform/sms/providers.ts';

export interface ReceivedSms {
  id: string;
  to: string;
  body: string;
  /** The signature and timestamp checked out, and the id header matched the body's. */
  signed: boolean;
  /** What the gateway answered. */
  status: number;
}

export interface SmsGateway {
  /** Where the platform posts (--sms-gateway). */
  url: string;
  /** Every POST, refused ones included, in the order they came. */
  received: ReceivedSms[];
  /** Answers the next signed POSTs with these statuses, one each, then 200 again. */
  answerNext(...statuses: number[]): void;
  /** Resolves with the first message received (from `after` on) that `match` accepts. */
  waitFor(match: (message: ReceivedSms) => boolean, options?: { after?: number; timeoutMs?: number }): Promise<ReceivedSms>;
  close(): Promise<void>;
}

export async function startSmsGateway(secret: string): Promise<SmsGateway> {
  const received: ReceivedSms[] = [];
  const answers: number[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let message: { id?: unknown; to?: unknown; body?: unknown } = {};
      try {
        message = JSON.parse(raw) as typeof message;
      } catch {
        // Kept as an unsigned message below, so the test sees what came.
      }
      const header = (name: string) => (typeof request.headers[name] === 'string' ? (request.headers[name] as string) : undefined);
      const signed =
        verifySmsSignature(secret, { timestamp: header(SMS_TIMESTAMP_HEADER), signature: header(SMS_SIGNATURE_HEADER) }, raw, new Date()) &&
        header(SMS_ID_HEADER) === message.id;
      const status = signed ? (answers.shift() ?? 200) : 401;
      received.push({ id: String(message.id ?? ''), to: String(message.to ?? ''), body: String(message.body ?? ''), signed, status });
      response.statusCode = status;
      response.end();
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}/messages`,
    received,
    answerNext(...statuses) {
      answers.push(...statuses);
    },
    waitFor(match, { after = 0, timeoutMs = 15_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.slice(after).find(match);
          if (!found) return;
          done();
          resolve(found);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`No such text message reached the gateway in ${timeoutMs} ms; received: ${JSON.stringify(received.map((m) => ({ to: m.to, status: m.status })))}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
