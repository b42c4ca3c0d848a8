// Every kind of link is used at most once, even when one person's browser (or an
// attacker holding the link) submits it many times at the same instant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formsOf, headingOf } from '../helpers/browserless.ts';
import { linkRow, startActionWorld, testClock, type ActionWorld } from '../helpers/action-kit.ts';
import { linkKinds, mailLink } from './link-kinds.ts';
import type { LinkKind } from '../../src/platform/services/link-tokens.ts';

const clock = testClock();
let w: ActionWorld;
beforeAll(async () => {
  w = await startActionWorld({ clock });
});
afterAll(async () => {
  await w?.close();
});

const KINDS = linkKinds(() => w, clock);
const PARALLEL = 12;
const people: Record<LinkKind, string> = {
  verify_email: 'omar.haddad@blueyonderairlines.example',
  magic_link: 'hannah.schmidt@fabrikam.example',
  set_password: 'lukas.becker@fabrikam.example',
  reset_password: 'fatima.alsayed@northwind.example',
  mfa_enroll: 'amara.nwosu@northwind.example',
};

describe(`${PARALLEL} simultaneous submissions of one link`, () => {
  for (const spec of KINDS) {
    it(`${spec.kind}: exactly one succeeds, the others are told it was used`, async () => {
      const mail = await mailLink(w, spec, people[spec.kind]);
      const browser = w.browser();
      const page = await browser.get(mail.link);
      expect(page.status).toBe(200);
      const [form] = formsOf(page.body);
      const target = new URL(form!.action, page.url).toString();
      const fields = { ...form!.fields, ...spec.answers(page) };

      const answers = await Promise.all(Array.from({ length: PARALLEL }, () => browser.post(target, fields)));

      const losers = answers.filter((a) => a.status === 410);
      const winners = answers.filter((a) => a.status !== 410);
      expect(winners).toHaveLength(1);
      spec.expectDone(winners[0]!);
      expect(losers).toHaveLength(PARALLEL - 1);
      for (const loser of losers) expect(headingOf(loser.body)).toBe('This link was already used');
      expect((await linkRow(w, mail.link)).used_at).not.toBeNull();
    });
  }
});
