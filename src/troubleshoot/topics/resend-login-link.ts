// How to resend the login-link email (login-link events). Each link works once and
// lives as long as the event says. When the caller says the link "was already used",
// the links list shows when and from which browser: a mail scanner that presses the
// button shows up as a use minutes before the caller's click, from another browser.
import type { BrowserView, LinkView, TimelineEntry } from '../../contract/schemas.ts';
import { browserText } from '../../cli/render/activity.ts';
import { formatUtc } from '../../cli/render/format.ts';
import { linkRefusals, linksOf, linkStateCheck } from '../checks/emailed-links.ts';
import { recentMailCheck } from '../checks/recent-mail.ts';
import { registrationCheck } from '../checks/registration.ts';
import type { PlatformFacts } from '../facts.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, finding, type Check, type Runbook } from '../runbook.ts';

const sameBrowser = (a: BrowserView | null, b: BrowserView | null) => !!a && !!b && a.family === b.family && a.version === b.version && a.os === b.os;

interface BurntLink {
  link: LinkView;
  /** The caller's own click, refused because the link was used already. */
  click: TimelineEntry | undefined;
  /** The use was not the caller's: another browser than their click, or a program the pages do not know. */
  foreign: boolean;
  minutesBefore: number | null;
}

/** The newest used login link, with the caller's refused click on it when there is one. */
async function burntLink(facts: PlatformFacts, email: string, event: string): Promise<BurntLink | null> {
  const link = (await linksOf(facts, email, 'magic_link', event)).find((l) => l.state === 'used');
  if (!link?.usedAt) return null;
  const click = (await linkRefusals(facts, email, 'magic_link', event)).find((r) => r.tokenId === link.id && r.reason === 'already_used');
  const foreign = click ? !sameBrowser(click.browser, link.usedBrowser) : link.usedBrowser?.family === 'other';
  const minutesBefore = click ? Math.round((Date.parse(click.at) - Date.parse(link.usedAt)) / 60_000) : null;
  return { link, click, foreign, minutesBefore };
}

const lifetimeText = (minutes: number) => (minutes % 60 === 0 && minutes >= 60 ? `${minutes / 60} hour${minutes === 60 ? '' : 's'}` : `${minutes} minutes`);

const usedLinkCheck: Check = {
  id: 'login-link-use',
  title: 'Who used the last login link',
  async run({ answers, facts }) {
    const burnt = await burntLink(facts, answers.email!, answers.event!);
    if (!burnt) return null;
    const { link, click, foreign, minutesBefore } = burnt;
    const by = link.usedBrowser ? browserText(link.usedBrowser) : 'an unknown browser';
    const evidence = [`${link.id} used ${link.usedAt} from ${by}${link.usedNetwork ? `, ${link.usedNetwork}` : ''}`, ...(click ? [`${click.at} refused already_used from ${browserText(click.browser) || 'an unknown browser'}`] : [])];
    if (click && foreign) {
      return {
        check: 'login-link-use',
        verdict: 'fail',
        summary: `The link was used at ${formatUtc(link.usedAt)} from ${by}, ${minutesBefore} minute${minutesBefore === 1 ? '' : 's'} before the caller's click from ${browserText(click.browser) || 'another browser'}: most likely their mail security opened it.`,
        evidence,
      };
    }
    if (click) return { check: 'login-link-use', verdict: 'warn', summary: `The link was used at ${formatUtc(link.usedAt)} from ${by}, the same browser as the later refused click: the caller had already used it once.`, evidence };
    return {
      check: 'login-link-use',
      verdict: foreign ? 'warn' : 'ok',
      summary: `The last used link was used at ${formatUtc(link.usedAt)} from ${by}${foreign ? ', which is not a browser: possibly a mail scanner' : ''}.`,
      evidence,
    };
  },
};

export const runbook: Runbook = {
  id: 'resend-login-link',
  title: 'Resend the login-link email',
  group: 'how-to',
  phrases: [
    'resend the login link',
    'my login link expired',
    'the link was already used',
    'the magic link does not work',
    "I didn't get the login email",
    'send me a new link to get in',
  ],
  questions: [EMAIL_QUESTION, EVENT_QUESTION],
  checks: [registrationCheck, linkStateCheck('magic_link', 'login-link'), usedLinkCheck, recentMailCheck],
  async conclude({ answers, facts }, findings) {
    const email = answers.email!;
    const slug = answers.event!;
    const status = await facts.status(email, slug);
    const event = await facts.event(slug);
    if (!status || !event) {
      return {
        explain: !event ? `There is no event ${slug}.` : `${email} is not registered for ${event.title}, so no login link can be sent.`,
        tell: 'I cannot find a registration under that address for this event. Please check the spelling with me, or register on the event registration page.',
        fixes: [],
      };
    }
    if (status.registration.status === 'blocked' || status.registration.status === 'unregistered' || status.account.blocked) {
      return {
        explain: `The registration is ${status.explanation.statusLabel.toLowerCase()} (${status.explanation.label}); the platform issues no login link while it is.`,
        tell: 'Your registration for this event is not active, so I cannot send you a login link. I am passing your request to the event organiser.',
        fixes: [],
        escalate: 'The registration is closed off by the organiser or cancelled; only the organiser can change that.',
      };
    }
    const lifetime = lifetimeText(event.linkLifetimes.loginLinkMinutes);
    const fix = { label: 'Email a new login link', argv: ['magic-link', 'create', email, '--event', slug, '--send'] };
    const burnt = await burntLink(facts, email, slug);
    const mail = finding(findings, 'recent-mail');
    const failing = mail?.verdict === 'fail';
    const mailNote = failing ? ` Before resending: ${mail!.summary}` : '';
    const passwordNote = event.loginMethod === 'password' ? ` ${event.title} signs people in with a password; a login link still lets them in once.` : '';
    const rules = `Each login link works once and stops working ${lifetime} after it is sent.`;
    const newest = (await linksOf(facts, email, 'magic_link', slug))[0];
    if (burnt?.click && burnt.foreign && newest?.id === burnt.link.id) {
      return {
        explain: `The link was used at ${formatUtc(burnt.link.usedAt)} from ${browserText(burnt.link.usedBrowser) || 'an unknown browser'}, ${burnt.minutesBefore} minutes before the caller's own click (${formatUtc(burnt.click.at)}, ${browserText(burnt.click.browser) || 'another browser'}), which was refused as already used. Mail security that opens links and presses their button does this. ${rules}${mailNote}${passwordNote}`,
        tell: `Your link was opened at ${formatUtc(burnt.link.usedAt)}, a few minutes before you clicked it, by another program, most likely the security filter of your mailbox, which opens links to check them. Each link works only once, so it was spent. I am sending you a new one: please open the newest email and press the button as soon as it arrives. If it happens again, ask your IT team whether your mail security opens links.`,
        fixes: [fix],
        escalate: 'If a fresh link is burnt again before the caller clicks it, escalate with the times and browsers from "t1 links".',
      };
    }
    const state = newest
      ? newest.state === 'active'
        ? `The newest login link (issued ${formatUtc(newest.createdAt)}) still works until ${formatUtc(newest.expiresAt)}; a new one replaces it.`
        : `The newest login link is ${newest.state}${newest.state === 'expired' ? ` since ${formatUtc(newest.expiresAt)}` : newest.state === 'used' ? ` (used ${formatUtc(newest.usedAt)} from ${browserText(newest.usedBrowser) || 'an unknown browser'})` : ''}.`
      : 'No login link was issued to them for this event yet.';
    return {
      explain: `${state} ${rules}${mailNote}${passwordNote}`,
      tell: `${failing ? 'Our last email to you could not be delivered, so let us first check that your address is spelled correctly. ' : ''}I am sending you a new login link now. It works once, and only for ${lifetime}, so please open the newest email and press the button soon. Older links stop working.`,
      fixes: [fix],
      escalate: failing ? 'If the address is right and mail to it keeps failing, escalate with the mail server error.' : undefined,
    };
  },
};
