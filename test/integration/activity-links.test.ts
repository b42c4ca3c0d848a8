// The activity log, links: what an agent reads with `t1 links` and `t1 users timeline`
// after a mail scanner burnt a login link, a link expired, a newer link replaced an
// older one, a 2FA enrollment page was opened too late, and a person typed passwords
// the set-password and reset pages refused. Every step goes through the real pages over
// HTTP with the browser's User-Agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { formatUtc } from '../../src/cli/render/format.ts';
import { headingOf } from '../helpers/browserless.ts';
import { rows } from './support.ts';
import { expectNoSecretsInActivity, KINDS_BY_FILE, kindsStored, links, parsed, startActivityWorld, summaries, timeline, UA, type ActivityWorld } from './activity-support.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming;
const LIVE = DEMO_EVENT_SLUGS.live;
const HOUR = 3_600_000;

let w: ActivityWorld;
beforeAll(async () => {
  w = await startActivityWorld();
});
afterAll(async () => {
  await w?.close();
});

/** How a sentence names a time: "2026-12-01 18:02 UTC". */
const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const chrome = { family: 'chrome', version: '156', os: 'Windows', supported: true };
const scannerBrowser = { family: 'other', version: null, os: 'Windows', supported: null };

describe('a login link burnt by a mail scanner', () => {
  const person = DEMO_EXAMPLES.personWithOneRegistration; // Ngozi, live event, login links
  let usedAt: string;
  let linkId: string;

  beforeAll(async () => {
    expect((await w.t1(['magic-link', 'create', person, '--event', LIVE, '--send', '--yes'])).exitCode).toBe(0);
    const mail = await w.mail.nextMail(person, { after: 0 });

    // The scanner opens the link and presses the button, as some do.
    const scanner = w.browser(UA.scanner);
    const before = w.clock.now().toISOString();
    const page = await scanner.get(mail.link);
    expect(page.status).toBe(200);
    const posted = await scanner.submit(page);
    expect(posted.status).toBe(303);
    const after = w.clock.now().toISOString();

    // Ten minutes later the person clicks it in Chrome and sees the dead-link page.
    w.clock.advance(10 * 60_000);
    const dead = await w.browser(UA.chromeWindows).get(mail.link);
    expect(dead.status).toBe(410);
    expect(headingOf(dead.body)).toBe('This link was already used');

    const view = await links(w, person);
    expect(view.items).toHaveLength(1);
    linkId = view.items[0].id;
    usedAt = view.items[0].usedAt;
    expect(usedAt >= before && usedAt <= after).toBe(true);
  });

  it('t1 links shows it used at the scanner\'s time, from the scanner\'s browser and network', async () => {
    const view = await links(w, person);
    expect(view.items[0]).toMatchObject({
      id: linkId,
      kind: 'magic_link',
      eventSlug: LIVE,
      cause: 'agent',
      createdBy: 'token:test agent',
      state: 'used',
      usedAt,
      usedBrowser: scannerBrowser,
      usedNetwork: '127.0.0.0/24',
      // Only the scanner's visit opened the page; the person's click was a refusal.
      opened: { count: 1, lastBrowser: scannerBrowser },
    });

    const table = await w.t1(['links', person]);
    expect(table.exitCode).toBe(0);
    const [row, ...rest] = rows(table.stdout);
    expect(rest).toEqual([]);
    expect(row).toEqual([
      linkId,
      'login link',
      LIVE,
      expect.any(String),
      'agent token:test agent',
      expect.any(String),
      `used ${formatUtc(usedAt)}`,
      expect.stringMatching(/^once, .*\(last: an unrecognised browser or program on Windows\)$/),
      'an unrecognised browser or program on Windows, 127.0.0.0/24',
    ]);
  });

  it('the timeline shows the use by the scanner, then the person\'s refusal "already used"', async () => {
    const view = await timeline(w, person, ['--kind', 'link,sign_in']);
    const [refused, ...older] = view.items;
    expect(refused).toMatchObject({
      kind: 'link.refused',
      outcome: 'refused',
      reason: 'already_used',
      tokenId: linkId,
      browser: chrome,
      network: '127.0.0.0/24',
      summary: `Login link refused: already used at ${minute(usedAt)}`,
    });
    expect(refused!.detail).toMatchObject({ linkKind: 'magic_link', usedAt });
    const used = older.find((e) => e.kind === 'link.used')!;
    expect(used).toMatchObject({ browser: scannerBrowser, tokenId: linkId, summary: 'Login link used' });
    expect(Math.abs(Date.parse(used.at) - Date.parse(usedAt))).toBeLessThan(1_000);
    // The scanner got the session: the sign-in is on its browser too.
    expect(older.find((e) => e.kind === 'sign_in.succeeded')).toMatchObject({ browser: scannerBrowser, summary: 'Signed in with a login link' });
    expect(summaries(view)).toEqual([
      'New login link issued by agent token:test agent',
      'Login link opened (page shown, not used yet)',
      'Login link used',
      'Signed in with a login link',
      `Login link refused: already used at ${minute(usedAt)}`,
    ]);

    // As an agent reads it off a terminal: one tab-separated line, browser last.
    const plain = await w.t1(['users', 'timeline', person, '--kind', 'link', '--limit', '1']);
    expect(plain.exitCode).toBe(0);
    expect(rows(plain.stdout)).toEqual([[refused!.at, 'link.refused', 'refused', 'already_used', LIVE, `Login link refused: already used at ${minute(usedAt)}`, 'Chrome 156 on Windows']]);
    expect(plain.stderr).toContain('More entries are older');
  });
});

describe('a link replaced by a newer one', () => {
  const person = 'arjun.patel@litware.example';

  it('the old link is refused as replaced, naming the newer link', async () => {
    for (let i = 0; i < 2; i++) expect((await w.t1(['magic-link', 'create', person, '--event', LIVE, '--send', '--yes'])).exitCode).toBe(0);
    const first = await w.mail.nextMail(person, { after: 0 });
    await w.mail.nextMail(person, { after: 1 });
    const page = await w.browser(UA.safariIphone).get(first.link);
    expect(page.status).toBe(410);
    expect(headingOf(page.body)).toBe('A newer link replaced this one');

    const [newer, older] = (await links(w, person)).items;
    expect(older).toMatchObject({ state: 'replaced', replacedBy: newer.id, opened: { count: 0 } });
    expect(newer).toMatchObject({ state: 'active', replacedBy: null });

    const view = await timeline(w, person, ['--kind', 'link']);
    expect(view.items[0]).toMatchObject({
      kind: 'link.refused',
      reason: 'replaced',
      tokenId: older.id,
      detail: { linkKind: 'magic_link', replacedBy: newer.id },
      browser: { family: 'safari', version: '26', os: 'iOS' },
      summary: `Login link refused: replaced by a newer link (${newer.id})`,
    });
    expect(view.items.find((e) => e.kind === 'link.issued' && e.tokenId === newer.id)?.summary).toBe('New login link issued by agent token:test agent; it replaced 1 older one');
  });
});

describe('an expired verification link', () => {
  const person = 'kwame.mensah@fourthcoffee.example'; // pending verification, summit

  it('is refused as expired; the renew form issues a new one that works', async () => {
    expect((await w.t1(['verification', 'resend', person, '--event', SUMMIT, '--yes'])).exitCode).toBe(0);
    const mail = await w.mail.nextMail(person, { after: 0 });
    w.clock.advance(49 * HOUR); // verification links live 48 hours on the summit
    const browser = w.browser();
    const dead = await browser.get(mail.link);
    expect(dead.status).toBe(410);
    expect(headingOf(dead.body)).toBe('This link has expired');

    const view = await timeline(w, person, ['--kind', 'link']);
    const expired = view.items[0]!;
    expect(expired).toMatchObject({ kind: 'link.refused', reason: 'expired', browser: chrome, summary: 'Verification link refused: the link had expired' });
    const [row] = (await links(w, person)).items;
    expect(row).toMatchObject({ id: expired.tokenId, state: 'expired' });
    expect(expired.detail.expiredAt).toBe(row.expiresAt);

    // The person asks for a new one from the dead-link page, and uses it.
    const renewed = await browser.submit(dead, { email: person }, '/links/renew');
    expect(renewed.status).toBe(200);
    const fresh = await w.mail.nextMail(person, { after: 1 });
    const done = await browser.submit(await browser.get(fresh.link));
    expect(headingOf(done.body)).toBe('Registration complete');

    const after = await timeline(w, person);
    const tail = summaries(after, 'link.refused', 'link.issued', 'link.opened', 'link.used', 'registration.completed').slice(-5);
    expect(tail).toEqual([
      'Verification link refused: the link had expired',
      // The expired link also counts as replaced once a newer one is issued (see the report).
      expect.stringMatching(/^New verification link issued by the "send me a new link" form on an expired or used link(; it replaced 1 older one)?$/),
      'Verification link opened (page shown, not used yet)',
      'Verification link used',
      'Registration completed (email verified)',
    ]);
    const renewMail = after.items.find((e) => e.kind === 'mail.queued' && e.cause === 'renew_form');
    expect(renewMail?.summary).toBe('"Verify your account for Northwind Product Summit 2027" email queued, caused by the "send me a new link" form on an expired or used link');
  });
});

describe('a 2FA enrollment link opened after it expired', () => {
  const person = 'elena.petrova@contoso.example';

  it('is refused as expired', async () => {
    expect((await w.t1(['mfa', 'qr', person, '--send', '--yes'])).exitCode).toBe(0);
    const mail = await w.mail.nextMail(person, { after: 0 });
    w.clock.advance(25 * HOUR); // enrollment links live 24 hours
    const page = await w.browser().get(mail.link);
    expect(page.status).toBe(410);
    const view = await timeline(w, person, ['--kind', 'link']);
    expect(view.items[0]).toMatchObject({ kind: 'link.refused', reason: 'expired', detail: { linkKind: 'mfa_enroll' }, summary: '2FA enrollment link refused: the link had expired' });
    expect(view.items[1]).toMatchObject({ kind: 'link.issued', summary: 'New 2FA enrollment link issued by agent token:test agent' });
    expect((await links(w, person)).items[0]).toMatchObject({ kind: 'mfa_enroll', state: 'expired' });
  });
});

describe('passwords refused on the set-password and reset pages', () => {
  it('records each refusal with its reason and never burns the link', async () => {
    const person = DEMO_EXAMPLES.passwordNotSetPerson; // Benjamin, created by webhook
    expect((await w.t1(['set-password-link', 'send', person, '--event', SUMMIT, '--yes'])).exitCode).toBe(0);
    const mail = await w.mail.nextMail(person, { after: 0 });
    const browser = w.browser(UA.chromeWindows);
    const attempts: [string, string][] = [
      ['short-pw', 'short-pw'],
      ['password1234', 'password1234'],
      ['benjamin.cohen', 'benjamin.cohen'],
      ['harbour-lights-1971', 'harbour-lights-1972'],
    ];
    for (const [password, confirmation] of attempts) {
      const refused = await browser.submit(await browser.get(mail.link), { password, confirmation });
      expect(refused.status).toBe(422);
    }
    const done = await browser.submit(await browser.get(mail.link), { password: 'harbour-lights-1971', confirmation: 'harbour-lights-1971' });
    expect(done.status).toBe(200);

    const view = await timeline(w, person, ['--kind', 'password,link,registration']);
    const refusals = view.items.filter((e) => e.kind === 'password.refused').reverse();
    expect(refusals.map((e) => [e.reason, e.summary, e.browser?.family, e.detail.linkKind])).toEqual([
      ['too_short', 'Password refused: too short', 'chrome', 'set_password'],
      ['too_common', 'Password refused: too common', 'chrome', 'set_password'],
      ['contains_email', 'Password refused: it is the email address', 'chrome', 'set_password'],
      ['mismatch', 'Password refused: the two passwords did not match', 'chrome', 'set_password'],
    ]);
    expect(summaries(view).slice(-4)).toEqual(['Set-password link opened (page shown, not used yet)', 'Set-password link used', 'Password set from an emailed link', 'Registration completed (password set)']);
    expect((await links(w, person)).items[0]).toMatchObject({ kind: 'set_password', state: 'used', opened: { count: 5 }, usedBrowser: chrome });
  });

  it('the reset page records its refusals and the new password', async () => {
    const person = 'tomas.silva@contoso.example';
    expect((await w.t1(['password', 'reset', person, '--send', '--yes'])).exitCode).toBe(0);
    const mail = await w.mail.nextMail(person, { after: 0 });
    const browser = w.browser(UA.safariIphone);
    expect((await browser.submit(await browser.get(mail.link), { password: 'lisbon-tram-28', confirmation: 'lisbon-tram-29' })).status).toBe(422);
    expect((await browser.submit(await browser.get(mail.link), { password: 'lisbon-tram-28', confirmation: 'lisbon-tram-28' })).status).toBe(200);
    const view = await timeline(w, person, ['--kind', 'password']);
    expect(summaries(view)).toEqual(['Password refused: the two passwords did not match', 'New password chosen from a reset link']);
    expect(view.items.map((e) => e.detail.linkKind)).toEqual(['reset_password', 'reset_password']);
    expect(view.items[0]!.browser).toMatchObject({ family: 'safari', os: 'iOS' });
  });
});

describe('who may read links and timelines', () => {
  it('a viewer token reads both', async () => {
    const person = DEMO_EXAMPLES.personWithOneRegistration;
    const list = await w.t1(['--json', 'links', person], { role: 'viewer' });
    expect(list.exitCode).toBe(0);
    expect(JSON.parse(list.stdout).items[0].state).toBe('used');
    const view = parsed<{ items: unknown[] }>(await w.t1(['--json', 'users', 'timeline', person], { role: 'viewer' }));
    expect(view.items.length).toBeGreaterThan(5);
  });
});

describe('at rest', () => {
  it('produced the kinds this file covers', () => {
    const stored = kindsStored(w);
    for (const kind of KINDS_BY_FILE['activity-links']) expect(stored, kind).toContain(kind);
  });

  it('the activity table holds no password, link token or cookie, and only truncated networks', () => {
    const { rows: count, secrets } = expectNoSecretsInActivity(w);
    expect(count).toBeGreaterThan(40);
    expect(secrets).toBeGreaterThan(15);
  });
});
