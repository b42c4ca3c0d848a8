// The delivery-trouble rule: which recent mails deserve a warning, and what it says; the
// runbooks' recent-mail check judges by the same rule.
import { describe, expect, it } from 'vitest';
import type { EmailLogEntry } from '../../src/contract/schemas.ts';
import { PassThrough } from 'node:stream';
import type { Deps } from '../../src/cli/deps.ts';
import { Output } from '../../src/cli/render/output.ts';
import { DELIVERY_WINDOW_DAYS, STUCK_AFTER_MINUTES, deliveryWarnings, isStuck } from '../../src/cli/delivery-warnings.ts';
import { deliveryTrouble } from '../../src/troubleshoot/checks/recent-mail.ts';
import { checkDeliveryAfter, printDeliveryWarnings } from '../../src/commands/delivery-check.ts';

const NOW = new Date('2026-05-10T12:00:00.000Z');
const TO = 'ana@contoso.example';
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

let seq = 0;
function mail(status: EmailLogEntry['status'], ageMinutes: number, more: Partial<EmailLogEntry> = {}): EmailLogEntry {
  seq += 1;
  return {
    id: `eml_${seq}`,
    createdAt: minutesAgo(ageMinutes),
    template: 'verify_account',
    subject: `Mail ${seq}`,
    recipient: TO,
    eventSlug: 'summit',
    status,
    attempts: status === 'queued' || status === 'captured' ? 0 : 1,
    lastError: null,
    sentAt: status === 'sent' ? minutesAgo(ageMinutes - 1) : null,
    cause: 'agent',
    causeActor: 'jane@northwind.example',
    ...more,
  };
}

describe('deliveryWarnings', () => {
  it('says nothing when there is no mail, or the recent mail went out, or a fresh mail is on its way', () => {
    expect(deliveryWarnings([], NOW)).toEqual([]);
    expect(deliveryWarnings([mail('sent', 60), mail('sent', 600)], NOW)).toEqual([]);
    expect(deliveryWarnings([mail('queued', 1), mail('sent', 600)], NOW)).toEqual([]);
  });

  it('a mail sent after failed attempts is no trouble: its old error is not current', () => {
    expect(deliveryWarnings([mail('sent', 30, { attempts: 3, lastError: '421 try again later' })], NOW)).toEqual([]);
  });

  it('names the failed mails, the error, and what the caller can do', () => {
    const warnings = deliveryWarnings(
      [mail('failed', 10, { attempts: 8, lastError: '550 Mailbox unavailable', subject: 'Verify your account' }), mail('failed', 20, { attempts: 8, lastError: 'ECONNREFUSED' }), mail('sent', 3000)],
      NOW,
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^The last 2 emails to ana@contoso\.example failed \(newest: "Verify your account", 2026-05-10 11:50 UTC\): 550 Mailbox unavailable\. /);
    expect(warnings[0]).toContain('The person did not get them');
    expect(warnings[0]).toContain('check the address for typos');
    expect(warnings[0]).toContain('blocks mail from the platform');
    expect(warnings[0]).toContain(`t1 users timeline ${TO} --kind mail`);
  });

  it('one failed mail reads in the singular; failures not at the top are "recent", not "the last"', () => {
    expect(deliveryWarnings([mail('failed', 10, { lastError: 'boom', subject: 'S' })], NOW)[0]).toMatch(/^The last email to \S+ failed \("S", [^)]+\): boom\. The person did not get it:/);
    const [warning] = deliveryWarnings([mail('queued', 1), mail('failed', 10, { lastError: 'boom' })], NOW);
    expect(warning).toMatch(/^An email to \S+ failed /);
  });

  it('failures before a later delivered mail are a milder note: the address works', () => {
    const warnings = deliveryWarnings([mail('sent', 5), mail('failed', 60, { lastError: '452 mailbox full', subject: 'Old' })], NOW);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^An email to \S+ failed earlier \("Old", 2026-05-10 11:00 UTC\): 452 mailbox full\. A later one was delivered, so the address works, but the person never got that one\.$/);
  });

  it('a queued mail that was retried, or waits for more than five minutes, is stuck', () => {
    expect(isStuck(mail('queued', 1), NOW)).toBe(false);
    expect(isStuck(mail('queued', 1, { attempts: 1, lastError: 'x' }), NOW)).toBe(true);
    expect(isStuck(mail('queued', 6), NOW)).toBe(true);
    expect(isStuck(mail('sent', 60), NOW)).toBe(false);

    const retried = deliveryWarnings([mail('queued', 2, { attempts: 2, lastError: 'connect ECONNREFUSED 127.0.0.1:25', subject: 'Reset' })], NOW);
    expect(retried).toEqual([
      expect.stringMatching(/^An email to \S+ is stuck in the queue \("Reset", [^,]+, 2 failed attempts; the mail server said: connect ECONNREFUSED 127\.0\.0\.1:25\)\. The platform keeps retrying, but the person has not got it yet;/),
    ]);
    const waiting = deliveryWarnings([mail('queued', 30), mail('queued', 40)], NOW);
    expect(waiting).toEqual([expect.stringMatching(/^2 emails to \S+ are waiting in the queue without a delivery attempt .*mail delivery may be stopped/)]);
  });

  it('captured mail: nothing reaches the person, and how to fix it', () => {
    const warnings = deliveryWarnings([mail('captured', 1), mail('captured', 30), mail('sent', 3000)], NOW);
    expect(warnings).toEqual([
      `Emails are only captured on this platform (no SMTP server configured): nothing reaches ${TO}, who never got the last 2 emails. To send email, the platform must run with "t1 platform start --smtp <url>" (or T1_SMTP_URL).`,
    ]);
  });

  it('does not repeat the captured state a command already told, nor claim it once mail is sent again', () => {
    expect(deliveryWarnings([mail('captured', 1), mail('captured', 30)], NOW, { capturedAlreadyTold: true })).toEqual([]);
    expect(deliveryWarnings([mail('queued', 1), mail('captured', 30)], NOW)).toEqual([]);
    // The told option hides only the captured state, not failures.
    expect(deliveryWarnings([mail('captured', 1), mail('failed', 30, { lastError: 'x' })], NOW, { capturedAlreadyTold: true })).toHaveLength(1);
  });

  it('looks at the last 7 days and the newest 20 mails only, in whatever order they come', () => {
    expect(deliveryWarnings([mail('failed', 8 * 24 * 60, { lastError: 'old' })], NOW)).toEqual([]);
    const many = [mail('failed', 200, { lastError: 'x' }), ...Array.from({ length: 20 }, (_, i) => mail('captured', i + 1))];
    const warnings = deliveryWarnings(many, NOW);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('never got the last 20 emails');
    expect(deliveryWarnings([mail('sent', 1), mail('failed', 5, { lastError: 'x' })].reverse(), NOW)[0]).toContain('failed earlier');
    expect(deliveryWarnings([mail('failed', 5, { lastError: 'x' })], NOW, { windowDays: 0 })).toEqual([]);
  });
});

/** Just enough of Deps for the check: a client whose mail log answers `emailLog`, captured stderr. */
function fakeDeps(emailLog: () => Promise<{ items: EmailLogEntry[] }>, json = false) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  let out = '';
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const io = { stdin: new PassThrough(), stdout, stderr, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false };
  const output = new Output(io, { json, color: false, verbose: false, interactive: false });
  const deps = { flags: { json, verbose: false }, output, now: () => NOW, client: async () => ({ emailLog }) } as unknown as Deps;
  return { deps, output, stderr: () => err, stdout: () => out };
}

describe('checking after an action', () => {
  const sent = { emailId: 'eml_new', template: 'verify_account' as const, recipient: TO, delivery: 'queued' as const };

  it('a mail log that cannot be read changes nothing: no warning, no error', async () => {
    const { deps, output, stderr } = fakeDeps(async () => {
      throw new Error('socket hang up');
    });
    const view = { ...sent };
    await expect(checkDeliveryAfter(deps, view, TO, sent)).resolves.toBe(view);
    printDeliveryWarnings(view, output);
    expect(stderr()).toBe('');
  });

  it('prints the warnings after the result on stderr, and at once (off stdout) with --json', async () => {
    const log = async () => ({ items: [mail('queued', 0), mail('failed', 30, { lastError: '550 no such user' })] });
    const human = fakeDeps(log);
    const view = await checkDeliveryAfter(human.deps, { ...sent }, TO, sent);
    expect(human.stderr()).toBe('');
    expect(JSON.stringify(view)).not.toContain('550');
    printDeliveryWarnings(view, human.output);
    expect(human.stderr()).toMatch(/^! An email to ana@contoso\.example failed .*550 no such user/);

    const machine = fakeDeps(log, true);
    await checkDeliveryAfter(machine.deps, { ...sent }, TO, sent);
    expect(machine.stderr()).toMatch(/^! An email to .* failed/);
    expect(machine.stdout()).toBe('');
  });

  it('does not repeat "captured" after the command said the mail was kept by the platform', async () => {
    const log = async () => ({ items: [mail('captured', 0), mail('captured', 10)] });
    const told = fakeDeps(log);
    const view = await checkDeliveryAfter(told.deps, { ...sent, delivery: 'captured' as const }, TO, { ...sent, delivery: 'captured' });
    printDeliveryWarnings(view, told.output);
    expect(told.stderr()).toBe('');
    // No mail sent (a link printed instead): nothing is checked.
    let asked = false;
    const none = fakeDeps(async () => {
      asked = true;
      return { items: [] };
    });
    await checkDeliveryAfter(none.deps, {}, TO, null);
    expect(asked).toBe(false);
  });
});

describe('the recent-mail check of the runbooks', () => {
  it('follows the same rule: a mail waiting past the stuck mark, never tried, is not delivered', () => {
    const waiting = mail('queued', STUCK_AFTER_MINUTES + 1);
    const onItsWay = mail('queued', 1);
    const { undelivered } = deliveryTrouble([onItsWay, waiting, mail('sent', 60)], NOW);
    expect(undelivered.map((m) => m.id)).toEqual([waiting.id]);
    expect(deliveryWarnings([waiting], NOW).join(' ')).toContain(waiting.subject);
  });

  it('looks back as far as the warnings do', () => {
    const old = mail('failed', (DELIVERY_WINDOW_DAYS * 24 + 1) * 60);
    expect(deliveryTrouble([old], NOW).recent).toEqual([]);
    expect(deliveryWarnings([old], NOW)).toEqual([]);
  });
});
