// t1 escalate: the tier-two packet for a person whose verification link expired, whose
// last mail the server refused and who typed a wrong password, all made through the real
// pages and actions; checked for its contents, scanned for every secret the traffic
// carried, written to a private file, and rendered safely for a hostile name.
import { readFile, stat } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID } from '../../src/platform/seed/demo.ts';
import { enrolPhone, userSubject } from '../helpers/sms-enrol.ts';
import { VERSION } from '../../src/version.ts';
import { mdCode, mdText } from '../../src/troubleshoot/escalation.ts';
import { signIn, waitFor } from '../helpers/action-kit.ts';
import { collectMailSecrets, LINK_PATH, parsed, startActivityWorld, UA, type ActivityWorld } from './activity-support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming;
const HOUR = 3_600_000;
const person = 'kwame.mensah@fourthcoffee.example'; // pending verification on the summit, login links on the live event

let w: ActivityWorld;
beforeAll(async () => {
  w = await startActivityWorld();
  // A verification email, opened in Chrome but not used; two days later the link is dead.
  expect((await w.t1(['verification', 'resend', person, '--event', SUMMIT, '--ticket', 'SUP-70', '--reason', 'caller asked', '--yes'])).exitCode).toBe(0);
  const mail = await w.mail.nextMail(person, { after: 0 });
  const chrome = w.browser(UA.chromeWindows);
  expect((await chrome.get(mail.link)).status).toBe(200);
  w.clock.advance(49 * HOUR);
  expect((await chrome.get(mail.link)).status).toBe(410);
  // A wrong password from the phone.
  expect((await signIn(w.browser(UA.safariIphone), SUMMIT, person, 'my-wrong-guess-42')).status).toBe(401);
  // The next email is refused by the mail server and waits for its retry.
  w.mail.refuseNext(person, 5);
  expect((await w.t1(['verification', 'resend', person, '--event', SUMMIT, '--force', '--yes'])).exitCode).toBe(0);
  await waitFor(async () => parsed<{ items: { attempts: number }[] }>(await w.t1(['--json', 'mail', 'log', person])).items[0]!.attempts, 1);
});
afterAll(async () => {
  await w?.close();
});

/** Every secret of the traffic (typed passwords, link tokens, API tokens) found in the text. */
function leaks(text: string): string[] {
  collectMailSecrets(w);
  const found = [...w.secrets].filter(([, plain]) => text.includes(plain)).map(([name]) => name);
  for (const match of text.matchAll(/https?:\/\/[^\s)"'`|]+/g)) {
    if (LINK_PATH.test(new URL(match[0]).pathname)) found.push(`link URL ${match[0]}`);
  }
  return found;
}

describe('t1 escalate', () => {
  it('--json holds the person, status, event settings, timeline, mails, links, diagnosis and the topic run, and no secret', async () => {
    const result = await w.t1(['--json', 'escalate', person, '--ticket', 'SUP-77', '--event', SUMMIT, '--topic', 'credentials-incorrect', '--note', 'Caller says the link never worked']);
    const packet = parsed<any>(result);
    expect(packet).toMatchObject({
      ticket: 'SUP-77',
      note: 'Caller says the link never worked',
      t1Version: VERSION,
      platform: { url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), version: expect.any(String) },
      person: { email: person, id: expect.stringMatching(/^usr_/), name: 'Kwame Mensah', account: { passwordSet: true, locked: false, emailVerifiedAt: null } },
      registrations: [{ event: SUMMIT, status: 'registered', stage: 'pending_verification', label: 'Registered: waiting for email verification' }],
      events: [{ slug: SUMMIT, loginMethod: 'password', verifyEmail: true, registrationOpen: expect.any(Boolean), approvedDomains: expect.any(Array), refusePublicDomains: expect.any(Boolean), passwordPolicy: { minLength: expect.any(Number) }, linkLifetimes: { verificationMinutes: 48 * 60 } }],
      browser: { source: 'last-visit', browser: 'Safari 26 on iOS', supported: true, verdict: 'ok' },
    });
    // The timeline in sentences, newest first, with browsers and request ids.
    const summaries = packet.timeline.map((e: any) => e.summary);
    expect(summaries).toContain('Verification link refused: the link had expired');
    expect(summaries).toContain('Sign-in refused: wrong password');
    expect(summaries).toContainEqual(expect.stringMatching(/^Verification email resent by /));
    expect(packet.timeline.find((e: any) => e.kind === 'agent.verification.resend' && e.ticket === 'SUP-70')).toMatchObject({ note: 'caller asked' });
    expect(packet.timeline.find((e: any) => e.kind === 'sign_in.failed')).toMatchObject({ browser: 'Safari 26 on iOS', network: expect.stringMatching(/\/24$/) });
    expect(packet.timeline.length).toBeLessThanOrEqual(50);
    expect(packet.requestIds.length).toBeGreaterThan(0);
    for (const id of packet.requestIds) expect(packet.timeline.some((e: any) => e.requestId === id)).toBe(true);
    // Mails with their delivery and cause; links with their state.
    expect(packet.mails[0]).toMatchObject({ template: 'verify_account', status: 'queued', attempts: 1, lastError: expect.stringMatching(/451/), cause: expect.stringMatching(/^agent /) });
    expect(packet.mails[1]).toMatchObject({ status: 'sent' });
    expect(packet.links.map((l: any) => [l.kind, l.state])).toEqual([
      ['verify_email', 'active'],
      ['verify_email', expect.stringMatching(/^(expired|replaced)$/)],
    ]);
    // Opened once in Chrome; the second visit, after expiry, was a refusal.
    expect(packet.links[1]).toMatchObject({ opened: 1 });
    // What was tried: the diagnosis and the topic.
    expect(packet.diagnosis.results.find((r: any) => r.check === 'mail')).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/451/) });
    expect(packet.diagnosis.results.find((r: any) => r.check === 'verification')).toMatchObject({ verdict: 'fail' });
    expect(packet.troubleshooting).toMatchObject({ topic: 'credentials-incorrect', findings: expect.any(Array), outcome: { explain: expect.any(String), fixes: [{ argv: ['password', 'reset', person, '--send', '--event', SUMMIT] }] } });

    // The scan: nothing the traffic carried (typed password, link tokens, API tokens, cookies).
    expect(w.secrets.size).toBeGreaterThan(3);
    expect(leaks(result.stdout)).toEqual([]);
    // No field that could carry one (the platform URL is the only URL, and it is no link).
    expect(result.stdout).not.toMatch(/"(token|password|secret|code|setupKey|otpauthUri|link)"\s*:/i);
  });

  it('prints Markdown by default, and writes it to --out with mode 0600', async () => {
    const result = await w.t1(['escalate', person, '--ticket', 'SUP-77', '--user-agent', 'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko']);
    expect(result.exitCode, result.stderr).toBe(0);
    const md = result.stdout;
    expect(md.split('\n')[0]).toBe('# Escalation SUP-77: Kwame Mensah (`kwame.mensah@fourthcoffee.example`)');
    for (const heading of ['## Person', '## Registrations', '## Event settings', '## What was checked', '## Browser', '## Timeline (newest', '## Emails', '## Links', '## Request ids']) expect(md).toContain(heading);
    expect(md).toContain('✗ Internet Explorer 11 on Windows: not supported (from the User-Agent the caller gave).');
    expect(md).toMatch(/\| .* UTC \| Verification link refused: the link had expired \| `product-summit-2027` \| Chrome 156 on Windows \|/);
    expect(md).toMatch(/✗ \*\*Email verification \(product-summit-2027\):\*\* Waiting for email verification/);
    expect(md).toContain(`\`t1 verification resend ${person} --event product-summit-2027\``);
    expect(leaks(md)).toEqual([]);

    const dir = mkdtempSync(join(tmpdir(), 't1-escalate-'));
    const file = join(dir, 'SUP-77.md');
    const written = await w.t1(['escalate', person, '--ticket', 'SUP-77', '--out', file]);
    expect(written.exitCode, written.stderr).toBe(0);
    expect(written.stdout).toBe(`Wrote the escalation packet for ${person} (ticket SUP-77) to ${file}.\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('# Escalation SUP-77');
    expect(leaks(text)).toEqual([]);
  });

  it('neutralises hostile text from the platform in the Markdown', async () => {
    const evil = 'evil.name@contoso.example';
    const first = 'Bob` | <img src=x onerror=alert(1)> |';
    const last = '**Tables** [click](https://evil.example) ~~x~~';
    expect((await w.t1(['invitations', 'send', evil, '--event', SUMMIT, '--first-name', first, '--last-name', last, '--yes'])).exitCode).toBe(0);
    const result = await w.t1(['escalate', evil, '--ticket', 'SUP-|x|']);
    expect(result.exitCode, result.stderr).toBe(0);
    const md = result.stdout;
    expect(md).not.toMatch(/(?<!\\)<img/);
    expect(md).not.toContain('**Tables**');
    expect(md).not.toContain('[click]');
    const nameRow = md.split('\n').find((l) => l.startsWith('| Name |'))!;
    // Two cells: only the three unescaped pipes of the row itself.
    expect(nameRow.replace(/\\\|/g, '').match(/\|/g)).toHaveLength(3);
    expect(nameRow).toContain('Bob\\` \\| \\<img src=x onerror=alert(1)\\> \\|');
    expect(md.split('\n')[0]).toMatch(/^# Escalation SUP-\\\|x\\\|: /);

    // What the client would already have dropped, and what it lets through, is inert too.
    // The escape character goes; what followed it is plain (escaped) text.
    expect(mdText('a\u001b[2J\u202eb\r\nc | `d` & <e>')).toBe('a\\[2Jb c \\| \\`d\\` &amp; \\<e\\>');
    expect(mdCode('id`with|pipe')).toBe('`` id`with\\|pipe ``');
    expect(mdText(null)).toBe('-');
  });

  it('shows the phone codes go to and the texts sent, the number only masked', async () => {
    const texted = 'tomas.silva@contoso.example';
    const ctx = w.platform.platform.ctx;
    await ctx.db.updateTable('organisations').set({ mfa_methods: 'app,sms' }).where('id', '=', DEMO_ORG_ID).execute();
    const phone = await enrolPhone(ctx, await userSubject(ctx, texted));
    const digits = phone.replace(/\D/g, '').slice(2);
    const packet = parsed<{ person: { mfa: { methods: { sms: { maskedPhone: string } | null } } }; texts: { purpose: string; status: string; phone: string }[] }>(
      await w.t1(['--json', 'escalate', texted, '--ticket', 'SUP-78']),
    );
    const masked = packet.person.mfa.methods.sms!.maskedPhone;
    expect(packet.texts).toEqual([expect.objectContaining({ purpose: 'enroll', status: 'captured', phone: masked })]);
    const md = (await w.t1(['escalate', texted, '--ticket', 'SUP-78'])).stdout;
    expect(md).toContain('## Text messages');
    expect(md).toContain(`| Text message codes | to ${masked}, since `);
    for (const text of [JSON.stringify(packet), md]) expect(text).not.toContain(digits);
  });

  it('needs --ticket (exit 2), and exits 3 for an address the platform never saw', async () => {
    expect((await w.t1(['escalate', person])).exitCode).toBe(2);
    const unknown = await w.t1(['escalate', 'nobody.ever@contoso.example', '--ticket', 'SUP-1']);
    expect(unknown.exitCode).toBe(3);
    expect((await w.t1(['escalate', person, '--ticket', 'SUP-1', '--topic', 'no-such-topic'])).exitCode).toBe(3);
  });
});
