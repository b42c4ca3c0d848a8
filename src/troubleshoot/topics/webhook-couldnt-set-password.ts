// "Couldn't set password" after a webhook registration: first whether the address is
// registered at all and how (the integration's webhook), then what the log says: a
// password rule, or a set-password link that expired, was used or was replaced.
import { formatUtc } from '../../cli/render/format.ts';
import { linkRefusalCheck, linkRefusals, linksOf, linkStateCheck } from '../checks/emailed-links.ts';
import { passwordAttempts, passwordRefusalCheck, ruleFor, rulesSentence } from '../checks/password-refusals.ts';
import { registrationCheck } from '../checks/registration.ts';
import { webhookRegistrationCheck } from '../checks/webhook-registration.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, finding, type Fix, type Runbook } from '../runbook.ts';
import { WEBHOOK_STEPS } from './webhook-link-expired.ts';

export const runbook: Runbook = {
  id: 'webhook-couldnt-set-password',
  title: '"Couldn\'t set password" after a webhook registration',
  group: 'errors',
  phrases: [
    "couldn't set password",
    'could not set my password',
    'setting the password failed',
    'error when I press set password',
    'registered through LinkedIn and cannot set a password',
    'password will not save',
  ],
  questions: [EMAIL_QUESTION, EVENT_QUESTION],
  checks: [registrationCheck, webhookRegistrationCheck, passwordRefusalCheck, linkRefusalCheck('set_password'), linkStateCheck('set_password')],
  async conclude({ answers, facts }, findings) {
    const email = answers.email!;
    const slug = answers.event!;
    const user = await facts.user(email);
    const status = user ? await facts.status(email, slug) : null;
    const via = finding(findings, 'webhook-registration');
    if (!user || !status) {
      return {
        explain: `${email} is not registered for ${slug}${via ? `: ${via.summary}` : ''} Without a registration there is no password to set.`,
        tell: 'I cannot find a registration under that address for this event. Please check the address with me; if you registered through a form on another site, please submit it again or register on the event page.',
        fixes: [],
        escalate: 'If the person did submit the form on the social network, the customer should investigate their integration (the webhook did not arrive or was refused).',
      };
    }
    if (status.registration.status === 'blocked' || status.registration.status === 'unregistered') {
      return {
        explain: `The registration is ${status.explanation.statusLabel.toLowerCase()} (${status.explanation.label}); no password can be set for it.`,
        tell: 'Your registration for this event is not active, so a password cannot be set for it. I am passing your request to the event organiser.',
        fixes: [],
        escalate: 'The registration is closed off by the organiser or cancelled; only the organiser can change that.',
      };
    }
    const how = via?.verdict === 'ok' ? 'registered by webhook' : (via?.summary ?? 'registered');
    const event = await facts.event(slug);
    const send: Fix = { label: 'Email a new set-password link', argv: ['set-password-link', 'send', email, '--event', slug] };
    const attempts = await passwordAttempts(facts, email, slug);
    const lastTry = attempts[0];
    const newest = (await linksOf(facts, email, 'set_password', slug))[0];
    const refusals = await linkRefusals(facts, email, 'set_password', slug);
    const lastRefusal = refusals[0];
    const persists = new Set(refusals.map((r) => r.tokenId)).size >= 2;
    const escalate = persists
      ? `Set-password links from ${new Set(refusals.map((r) => r.tokenId)).size} different emails were refused: the issue persists, escalate with these times.`
      : 'If a new link does not let them set a password either, escalate with the time of each attempt.';

    if (user.account.passwordSet) {
      return {
        explain: `The account (${how}) already has a password${lastTry?.reason === null ? `, set ${formatUtc(lastTry.entry.at)}` : ''}: the set-password link was used and works no more. A reset link chooses a new password.`,
        tell: 'Your password is set already, so the old link no longer works. Sign in with your email address and your password. If you do not remember it, I am sending you a link to choose a new one.',
        fixes: [{ label: 'Email a password reset link', argv: ['password', 'reset', email, '--send', '--event', slug] }],
      };
    }
    const lastLinkEvent = lastRefusal && (!lastTry || lastRefusal.at > lastTry.entry.at);
    if (lastTry && lastTry.reason !== null && !lastLinkEvent && newest?.state === 'active') {
      const rule = ruleFor(lastTry.reason, event?.passwordPolicy);
      const rules = event ? rulesSentence(event.passwordPolicy) : 'long enough and not a common password';
      return {
        explain: `The account is ${how}. The page refused the password at ${formatUtc(lastTry.entry.at)} because ${rule}; the link still works until ${formatUtc(newest.expiresAt)}.`,
        tell: `The password was not accepted because ${rule}. A password for this event must be ${rules}. Please open the same link again and choose one that follows these rules; the link still works.`,
        fixes: [],
        escalate: attempts.filter((a) => a.reason !== null).length >= 5 ? 'If a password that follows every rule is still refused, escalate with the times of the refusals.' : undefined,
      };
    }
    if (!newest || newest.state !== 'active' || lastLinkEvent) {
      const what = lastRefusal
        ? `the caller's click at ${formatUtc(lastRefusal.at)} was refused (${lastRefusal.reason})`
        : newest
          ? `the newest set-password link is ${newest.state}${newest.state === 'expired' ? ` since ${formatUtc(newest.expiresAt)}` : ''}`
          : 'no set-password link is on record';
      const newestNote = newest?.state === 'active' && lastRefusal?.reason === 'replaced' ? ` A newer link (issued ${formatUtc(newest.createdAt)}) still works: the newest email is the one to use.` : '';
      return {
        explain: `The account is ${how}; ${what}.${newestNote} The page offers a new link, or the agent sends it.`,
        tell: newestNote
          ? 'That link came from an older email; only the newest one works. Please open the most recent "Set your password" email and press its button. I can also send you a new one now.'
          : `The link has stopped working. ${WEBHOOK_STEPS} If you prefer, I can send you the new email right now.`,
        fixes: [send],
        escalate,
      };
    }
    return {
      explain: `The account is ${how}, the newest set-password link still works (until ${formatUtc(newest.expiresAt)}) and no refused password or link is recorded: the log does not explain the error.`,
      tell: 'Your link is still valid. Please open the newest "Set your password" email, press its button, type the same password in both boxes and press "Set password". If it fails again, tell me exactly what the page says.',
      fixes: [send],
      escalate: 'The log shows no refusal: if it fails again, escalate with the browser, the time and a screenshot.',
    };
  },
};
