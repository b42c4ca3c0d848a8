// "I can't set my password": the event's password rules, and which one refused the
// caller's password, from the log; then whether their set-password link still works.
import { formatUtc } from '../../cli/render/format.ts';
import { linksOf, linkStateCheck } from '../checks/emailed-links.ts';
import { passwordAttempts, passwordRefusalCheck, ruleFor, rulesSentence } from '../checks/password-refusals.ts';
import { registrationCheck } from '../checks/registration.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, type Check, type Fix, type Runbook } from '../runbook.ts';

const rulesCheck: Check = {
  id: 'password-rules',
  title: "The event's password rules",
  async run({ answers, facts }) {
    const event = await facts.event(answers.event!);
    if (!event) return { check: 'password-rules', verdict: 'fail', summary: `There is no event ${answers.event}.`, evidence: [] };
    if (event.loginMethod === 'magic_link') return { check: 'password-rules', verdict: 'warn', summary: `${event.title} signs people in with login links: nobody needs a password for it.`, evidence: ['login method magic_link'] };
    const { minLength, maxLength } = event.passwordPolicy;
    return {
      check: 'password-rules',
      verdict: 'ok',
      summary: `${event.title}: ${minLength} to ${maxLength} characters, no common password, not the email address, both entries the same.`,
      evidence: [`minLength ${minLength}`, `maxLength ${maxLength}`],
    };
  },
};

export const runbook: Runbook = {
  id: 'cannot-set-password',
  title: 'Unable to set a password',
  group: 'common',
  phrases: [
    "I can't set my password",
    'my password is not accepted',
    'set password does not work',
    'what are the password requirements',
    'password keeps being refused',
    'the set password page gives an error',
  ],
  questions: [EMAIL_QUESTION, EVENT_QUESTION],
  checks: [registrationCheck, rulesCheck, passwordRefusalCheck, linkStateCheck('set_password')],
  async conclude({ answers, facts }) {
    const email = answers.email!;
    const slug = answers.event!;
    const user = await facts.user(email);
    const event = await facts.event(slug);
    const status = user ? await facts.status(email, slug) : null;
    if (!event) {
      return { explain: `There is no event ${slug}.`, tell: 'I cannot find that event. Which event are you registering for?', fixes: [] };
    }
    const formRefusal = !status ? (await passwordAttempts(facts, email, slug)).find((a) => a.where === 'registration form' && a.reason !== null) : undefined;
    if (formRefusal?.reason) {
      const rule = ruleFor(formRefusal.reason, event.passwordPolicy);
      return {
        explain: `The registration form refused the password at ${formatUtc(formRefusal.entry.at)} because ${rule}, so the registration was not saved. The rules of ${event.title}: ${rulesSentence(event.passwordPolicy)}.`,
        tell: `Your registration was not saved because the password was not accepted: ${rule}. For this event a password must be ${rulesSentence(event.passwordPolicy)}. Please fill in the registration form again with a password that follows these rules.`,
        fixes: [],
      };
    }
    if (!user || !status) {
      return {
        explain: `${email} is not registered for ${event.title}, so there is no password to set for it.`,
        tell: 'I cannot find a registration under that address for this event. Please check the address with me, or register first; the registration form asks for a password.',
        fixes: [],
      };
    }
    if (status.registration.status === 'blocked' || status.registration.status === 'unregistered') {
      return {
        explain: `The registration is ${status.explanation.statusLabel.toLowerCase()} (${status.explanation.label}); the platform sends no set-password link while it is.`,
        tell: 'Your registration for this event is not active, so a password cannot be set for it. I am passing your request to the event organiser.',
        fixes: [],
        escalate: 'The registration is closed off by the organiser or cancelled; only the organiser can change that.',
      };
    }
    if (event.loginMethod === 'magic_link') {
      return {
        explain: `${event.title} uses login links, not passwords: there is no password to set.`,
        tell: 'This event does not use passwords. You get in with a login link we email you; I am sending you a new one now. It works once.',
        fixes: [{ label: 'Email a login link', argv: ['magic-link', 'create', email, '--event', slug, '--send'] }],
      };
    }
    const policy = event.passwordPolicy;
    const rules = rulesSentence(policy);
    const attempts = await passwordAttempts(facts, email, slug);
    const last = attempts[0];
    const link = (await linksOf(facts, email, 'set_password', slug))[0];
    const newLink: Fix = { label: 'Email a new set-password link', argv: ['set-password-link', 'send', email, '--event', slug] };
    const reset: Fix = { label: 'Email a password reset link', argv: ['password', 'reset', email, '--send', '--event', slug] };

    if (user.account.passwordSet && (!last || last.reason === null)) {
      return {
        explain: `The account already has a password${last ? ` (set ${formatUtc(last.entry.at)} on the ${last.where})` : ''}${link?.state === 'used' ? '; the set-password link was used for it and works no more' : ''}. A new set-password link cannot be sent; a reset link chooses a new password.`,
        tell: 'Your password is already set, so the old "set password" link no longer works. Sign in with your email address and that password. If you do not remember it, I am sending you a link to choose a new one.',
        fixes: [reset],
      };
    }
    if (last && last.reason !== null) {
      const rule = ruleFor(last.reason, policy);
      const onForm = last.where === 'registration form';
      const linkDead = !onForm && !user.account.passwordSet && (!link || link.state !== 'active');
      const again = onForm
        ? 'Please fill in the registration form again with a password that follows these rules.'
        : linkDead
          ? 'Your link has stopped working, so I am sending you a new one; open the newest email and choose a password that follows these rules.'
          : 'Please open the same link again and choose a password that follows these rules; the link still works.';
      return {
        explain: `The platform refused the password at ${formatUtc(last.entry.at)} on the ${last.where} because ${rule}. The rules of ${event.title}: ${rules}.${link ? ` The newest set-password link is ${link.state}.` : ''}`,
        tell: `The password was not accepted because ${rule}. For this event a password must be ${rules}. ${again}`,
        fixes: linkDead ? [user.account.passwordSet ? reset : newLink] : [],
        escalate: attempts.filter((a) => a.reason !== null).length >= 5 ? 'If a password that follows every rule is still refused, escalate with the times of the refusals.' : undefined,
      };
    }
    if (!user.account.passwordSet && link && link.state !== 'active') {
      return {
        explain: `No refusal is recorded; the newest set-password link is ${link.state}${link.state === 'expired' ? ` (since ${formatUtc(link.expiresAt)})` : ''}, so the page cannot take a password. A new link is needed.`,
        tell: `The link in your email has stopped working. I am sending you a new one: open the newest email, press the button and choose a password that is ${rules}.`,
        fixes: [newLink],
      };
    }
    if (!user.account.passwordSet && !link) {
      return {
        explain: 'The account has no password and no set-password link was ever issued for this event, so the person has nowhere to set one.',
        tell: `I am sending you an email with a link to set your password. Choose one that is ${rules}.`,
        fixes: [newLink],
      };
    }
    return {
      explain: `No refused password is recorded and the set-password link still works. Explain the rules of ${event.title}: ${rules}.`,
      tell: `For this event a password must be ${rules}. Please open the link in the newest email from us again and try a password that follows these rules. If the page shows an error, tell me what it says.`,
      fixes: [],
      escalate: 'If the page refuses a password that follows every rule and nothing is logged, escalate with the browser and the time.',
    };
  },
};
