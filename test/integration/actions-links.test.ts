// Links work once. Of 20 concurrent POSTs of one login link exactly
// one signs the person in; expired and replaced links of every kind are refused with a
// page that offers a new one by email, and the fresh mail's link works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import type { LinkKind } from '../../src/platform/services/link-tokens.ts';
import { formsOf, headingOf, textOf, type Browser, type PageResponse } from '../helpers/browserless.ts';
import { linkRow, outboxCount, startActionWorld, testClock, type ActionWorld } from '../helpers/action-kit.ts';
import type { ReceivedMail } from '../helpers/smtp-sink.ts';
import { completeLink, linkKinds, mailLink, type KindSpec } from './link-kinds.ts';
import { lines } from './support.ts';

const LIVE = DEMO_EVENT_SLUGS.live;

const clock = testClock();
let w: ActionWorld;
beforeAll(async () => {
  w = await startActionWorld({ clock });
});
afterAll(async () => {
  await w?.close();
});

const KINDS = linkKinds(() => w, clock);

/** The dead-link page: 410, its title, and a form that asks for the email to send a new link. */
function expectDeadLinkPage(page: PageResponse, title: string, kind: LinkKind, url: string): void {
  expect(page.status).toBe(410);
  expect(headingOf(page.body)).toBe(title);
  expect(textOf(page.body)).toContain('Enter your email address and we will send you a new one.');
  const renew = formsOf(page.body).find((f) => f.action === '/links/renew');
  expect(renew).toEqual({
    action: '/links/renew',
    method: 'post',
    fields: { csrf: expect.any(String), kind, token: new URL(url).pathname.split('/').at(-1), email: '' },
  });
  expect(page.body).toContain('Send me a new link');
}

/** Asks for a new link from the dead-link page; the fresh mail's link works. */
async function renewAndComplete(spec: KindSpec, email: string, browser: Browser, dead: PageResponse): Promise<void> {
  const before = w.sink.mailsTo(email).length;
  const answer = await browser.submit(dead, { email }, '/links/renew');
  expect(answer.status).toBe(200);
  expect(headingOf(answer.body)).toBe('Check your inbox');
  const fresh = await w.sink.nextMail(email, { after: before });
  expect(fresh.subject).toBe(spec.subject);
  expect(fresh.link.startsWith(`${w.url}${spec.path}`)).toBe(true);
  expect(fresh.link).not.toBe(dead.url);
  const freshBrowser = w.browser();
  const page = await freshBrowser.get(fresh.link);
  expect(page.status).toBe(200);
  await completeLink(spec, freshBrowser, page);
  expect((await linkRow(w, fresh.link)).used_at).not.toBeNull();
}

describe('a login link', () => {
  it('signs in exactly once when 20 POSTs of it arrive at the same time', async () => {
    const person = 'sarah.oconnor@humongousinsurance.example';
    const printed = await w.t1(['magic-link', 'create', person, '--event', LIVE, '--yes']);
    const [url] = lines(printed.stdout);
    const browser = w.browser();
    const page = await browser.get(url!);
    expect(page.status).toBe(200);
    const [form] = formsOf(page.body);
    const target = new URL(form!.action, url).toString();
    const sessionsBefore = await w.platform.platform.ctx.db.selectFrom('tokens').select('id').where('kind', '=', 'session').execute();

    const answers = await Promise.all(Array.from({ length: 20 }, () => browser.post(target, form!.fields)));

    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([303, ...Array<number>(19).fill(410)]);
    const winner = answers.find((a) => a.status === 303)!;
    expect(winner.location).toBe(`${w.url}/e/${LIVE}`);
    expect(winner.setCookies.t1_session).toBeTruthy();
    for (const loser of answers.filter((a) => a.status === 410)) {
      expect(headingOf(loser.body)).toBe('This link was already used');
      expect(loser.setCookies.t1_session).toBeUndefined();
    }
    const sessionsAfter = await w.platform.platform.ctx.db.selectFrom('tokens').select('id').where('kind', '=', 'session').execute();
    expect(sessionsAfter.length - sessionsBefore.length).toBe(1);
  });

  it('that is unknown or mangled is refused without offering a new one', async () => {
    const page = await w.browser().get('/login-link/not-a-token-that-was-ever-issued-xx');
    expect(page.status).toBe(410);
    expect(headingOf(page.body)).toBe('This link is not valid');
    expect(formsOf(page.body)).toEqual([]);
  });
});

describe('a replaced link of every kind', () => {
  const people: Record<LinkKind, string> = {
    verify_email: 'omar.haddad@blueyonderairlines.example',
    magic_link: 'hannah.schmidt@fabrikam.example',
    set_password: 'lukas.becker@fabrikam.example',
    reset_password: 'fatima.alsayed@northwind.example',
    mfa_enroll: 'amara.nwosu@northwind.example',
  };

  for (const spec of KINDS) {
    it(`${spec.kind}: the older link is refused and offers a new one; the newer works`, async () => {
      const email = people[spec.kind];
      const older = await mailLink(w, spec, email);
      const newer = await mailLink(w, spec, email);

      const browser = w.browser();
      const dead = await browser.get(older.link);
      expectDeadLinkPage(dead, 'A newer link replaced this one', spec.kind, older.link);
      // Posting the old link's form is refused the same way and changes nothing.
      const post = await browser.post(older.link, { csrf: formsOf(dead.body)[0]!.fields.csrf!, password: 'x'.repeat(20), confirmation: 'x'.repeat(20), code: '000000' });
      expect(post.status).toBe(410);
      expect((await linkRow(w, older.link)).used_at).toBeNull();

      expect((await w.browser().get(newer.link)).status).toBe(200);
      await renewAndComplete(spec, email, browser, dead);
    });
  }
});

describe('an expired link of every kind', () => {
  const people: Record<LinkKind, string> = {
    verify_email: 'kwame.mensah@fourthcoffee.example',
    magic_link: 'ngozi.okafor@litware.example',
    set_password: 'rahul.mehta@tailspintoys.example',
    reset_password: 'noah.williams@relecloud.example',
    mfa_enroll: 'kenji.watanabe@proseware.example',
  };
  const mails = new Map<LinkKind, ReceivedMail>();

  beforeAll(async () => {
    for (const spec of KINDS) {
      const mail = await mailLink(w, spec, people[spec.kind]);
      expect((await w.browser().get(mail.link)).status).toBe(200);
      mails.set(spec.kind, mail);
    }
    // Past the longest lifetime here: set-password links live three days.
    clock.advance(3 * 24 * 3_600_000 + 60_000);
  });

  for (const spec of KINDS) {
    it(`${spec.kind}: is refused with a page that sends a new one; the new one works`, async () => {
      const email = people[spec.kind];
      const mail = mails.get(spec.kind)!;
      const browser = w.browser();
      const dead = await browser.get(mail.link);
      expectDeadLinkPage(dead, 'This link has expired', spec.kind, mail.link);
      const post = await browser.post(mail.link, { csrf: formsOf(dead.body)[0]!.fields.csrf!, password: 'x'.repeat(20), confirmation: 'x'.repeat(20), code: '000000' });
      expect(post.status).toBe(410);
      expect(headingOf(post.body)).toBe('This link has expired');
      expect((await linkRow(w, mail.link)).used_at).toBeNull();

      await renewAndComplete(spec, email, browser, dead);
    });
  }

  it('sends nothing when the email given on the page is not the link owner’s', async () => {
    const email = 'priya.natarajan@fabrikam.example';
    const spec = KINDS[0]!;
    const mail = await mailLink(w, spec, email);
    clock.advance(3 * 24 * 3_600_000);
    const browser = w.browser();
    const dead = await browser.get(mail.link);
    expect(dead.status).toBe(410);
    const outboxBefore = await outboxCount(w, email);
    const answer = await browser.submit(dead, { email: 'someone.else@contoso.example' }, '/links/renew');
    expect(answer.status).toBe(200);
    expect(headingOf(answer.body)).toBe('Check your inbox');
    expect(await outboxCount(w, email)).toBe(outboxBefore);
    expect(await outboxCount(w, 'someone.else@contoso.example')).toBe(0);
  });
});
