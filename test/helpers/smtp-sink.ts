// A real SMTP server on loopback that keeps every mail it receives, parsed, and lets a
// test wait for the next mail to an address.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string | undefined;
  /** Every http(s) address in the plain-text body, in order. */
  links: string[];
  /** The first link of the body (the button's). */
  link: string;
  parsed: ParsedMail;
}

interface Waiter {
  to: string;
  after: number;
  resolve(mail: ReceivedMail): void;
}

export interface SmtpSink {
  url: string;
  received: ReceivedMail[];
  /** Mails received so far for `to` (case-insensitive). */
  mailsTo(to: string): ReceivedMail[];
  /**
   * The next mail for `to` that arrives after the ones already received (or after the
   * first `after` mails to that address), waiting up to `timeoutMs`.
   */
  nextMail(to: string, options?: { timeoutMs?: number; after?: number }): Promise<ReceivedMail>;
  /** Waits a while and returns the mails for `to` that arrived meanwhile. */
  quietFor(to: string, ms: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

function addressOf(value: ParsedMail['to'] | ParsedMail['from']): string {
  const first = Array.isArray(value) ? value[0] : value;
  return (first?.value[0]?.address ?? '').toLowerCase();
}

function toReceived(mail: ParsedMail): ReceivedMail {
  const text = mail.text ?? '';
  const links = [...text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]);
  return {
    to: addressOf(mail.to),
    from: addressOf(mail.from),
    subject: mail.subject ?? '',
    text,
    html: typeof mail.html === 'string' ? mail.html : '',
    messageId: mail.messageId,
    links,
    link: links[0] ?? '',
    parsed: mail,
  };
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const waiters: Waiter[] = [];
  const mailsTo = (to: string) => received.filter((m) => m.to === to.toLowerCase());

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const mail = toReceived(parsed);
          received.push(mail);
          for (const waiter of [...waiters]) {
            if (waiter.to === mail.to && mailsTo(waiter.to).length > waiter.after) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve(mailsTo(waiter.to)[waiter.after]!);
            }
          }
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  // A sender that dies mid-conversation (a killed platform) resets its connection: not the sink's failure.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    mailsTo,
    nextMail(to, options = {}) {
      const address = to.toLowerCase();
      const after = options.after ?? mailsTo(address).length;
      const already = mailsTo(address)[after];
      if (already) return Promise.resolve(already);
      const timeoutMs = options.timeoutMs ?? 10_000;
      return new Promise<ReceivedMail>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`No mail for ${address} within ${timeoutMs} ms (${mailsTo(address).length} received before).`));
        }, timeoutMs);
        const waiter: Waiter = {
          to: address,
          after,
          resolve: (mail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        };
        waiters.push(waiter);
      });
    },
    async quietFor(to, ms) {
      const before = mailsTo(to).length;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return mailsTo(to).slice(before);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
