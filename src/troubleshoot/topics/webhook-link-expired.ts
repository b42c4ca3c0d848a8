// "Your link has expired" on the set-password link of a webhook registration (a form on
// a social network pushed the person to the platform, which emailed a set-password
// link). The guide's steps: "Send me a new link" on that page, the new email, the
// password, then the "Registration complete" email; or the agent sends the link.
import { formatUtc } from '../../cli/render/format.ts';
import { linkRefusalCheck, linkRefusals, linksOf, linkStateCheck } from '../checks/emailed-links.ts';
import { registrationCheck } from '../checks/registration.ts';
import { webhookRegistrationCheck } from '../checks/webhook-registration.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, finding, type Fix, type Runbook } from '../runbook.ts';

export const WEBHOOK_STEPS =
  'On the page that says the link has expired, enter your email address and press "Send me a new link". ' +
  'A new "Set your password" email arrives: press its button, type your new password twice and press "Set password". ' +
  'A "Registration complete" email follows, and you can sign in.';

export const runbook: Runbook = {
  id: 'webhook-link-expired',
  title: '"Your link has expired" on the set-password link (webhook registration)',
  group: 'errors',
  phrases: [
    'your link has expired',
    'set password link expired',
    'registered on LinkedIn and the link expired',
    'the set me up link does not work any more',
    'link expired before I set my password',
    'password email link is too old',
  ],
  questions: [EMAIL_QUESTION, EVENT_QUESTION],
  checks: [registrationCheck, webhookRegistrationCheck, linkRefusalCheck('set_password'), linkStateCheck('set_password')],
  async conclude({ answers, facts }, findings) {
    const email = answers.email!;
    const slug = answers.event!;
    const user = await facts.user(email);
    const status = user ? await facts.status(email, slug) : null;
    if (!user || !status) {
      return {
        explain: `${email} has no registration for ${slug}: the integration's webhook did not register them${finding(findings, 'webhook-registration')?.summary ? ` (${finding(findings, 'webhook-registration')!.summary})` : ''}. A set-password link cannot be sent without a registration.`,
        tell: 'I cannot find a registration under that address for this event. Please check the address with me; if you registered through a form on another site, please submit it again or register on the event page.',
        fixes: [],
        escalate: 'If the person did submit the form on the social network, the customer should investigate their integration (the webhook did not arrive or was refused).',
      };
    }
    if (status.registration.status === 'blocked' || status.registration.status === 'unregistered') {
      return {
        explain: `The registration is ${status.explanation.statusLabel.toLowerCase()} (${status.explanation.label}); the platform sends no set-password link while it is.`,
        tell: 'Your registration for this event is not active, so a new link cannot be sent. I am passing your request to the event organiser.',
        fixes: [],
        escalate: 'The registration is closed off by the organiser or cancelled; only the organiser can change that.',
      };
    }
    const via = finding(findings, 'webhook-registration');
    const viaNote = via && via.verdict !== 'ok' ? ` (${via.summary})` : '';
    if (user.account.passwordSet) {
      return {
        explain: `The password is already set${viaNote}, so the set-password link has nothing left to do and a new one cannot be sent. If they forgot the password, send a reset link.`,
        tell: 'Your password is already set, so that old link no longer works. Sign in with your email address and your password. If you do not remember it, I am sending you a link to choose a new one.',
        fixes: [{ label: 'Email a password reset link', argv: ['password', 'reset', email, '--send', '--event', slug] }],
      };
    }
    const send: Fix = { label: 'Email a new set-password link', argv: ['set-password-link', 'send', email, '--event', slug] };
    const last = (await linkRefusals(facts, email, 'set_password', slug))[0];
    const newest = (await linksOf(facts, email, 'set_password', slug))[0];
    const lifetime = (await facts.event(slug))?.linkLifetimes.setPasswordMinutes;
    const lasts = lifetime ? ` Set-password links of this event last ${lifetime >= 1440 && lifetime % 1440 === 0 ? `${lifetime / 1440} day${lifetime === 1440 ? '' : 's'}` : `${lifetime} minutes`}.` : '';
    if (last?.reason === 'replaced' && newest?.state === 'active') {
      return {
        explain: `The caller opened an older set-password email; a newer link (issued ${formatUtc(newest.createdAt)}) replaced it and still works until ${formatUtc(newest.expiresAt)}${viaNote}.`,
        tell: `That link came from an older email; only the newest one works. Please open the most recent "Set your password" email and press its button. If you cannot find it: ${WEBHOOK_STEPS}`,
        fixes: [send],
      };
    }
    return {
      explain: `${newest ? `The newest set-password link is ${newest.state}${newest.state === 'expired' ? ` since ${formatUtc(newest.expiresAt)}` : ''}` : 'No set-password link is on record'}${last ? `; the caller's click at ${formatUtc(last.at)} was refused (${last.reason})` : ''}${viaNote}.${lasts} The person can ask for a new one on the page itself, or the agent sends it.`,
      tell: `Links stop working after a while to keep your account safe. ${WEBHOOK_STEPS} If you prefer, I can send you the new email right now.`,
      fixes: [send],
      escalate: 'If the new link is refused too, escalate with the time of each attempt.',
    };
  },
};
