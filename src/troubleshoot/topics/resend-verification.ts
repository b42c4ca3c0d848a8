// How to resend the verification email on the person's behalf. `t1 verification resend`
// sends what their state calls for: "verify your account" while the address is not
// confirmed, a set-password link when a password event meets an account with none,
// otherwise "registration complete" with the sign-in button. Recent delivery failures
// are named first: resending into a mailbox that refuses mail does not help.
import { ACTIVATION_TEMPLATES, RESEND_COOLDOWN_SECONDS } from '../../contract/vocabulary.ts';
import { formatUtc } from '../../cli/render/format.ts';
import { recentMailCheck } from '../checks/recent-mail.ts';
import { registrationCheck } from '../checks/registration.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, finding, type Check, type CheckContext, type Runbook } from '../runbook.ts';

type Activation = (typeof ACTIVATION_TEMPLATES)[number];

const SUBJECTS: Record<Activation, string> = {
  set_password: '"Set your password" email with a link to choose a password',
  verify_account: '"Verify your account" email with a link to confirm the address',
  registration_complete: '"Registration complete" email with the sign-in button',
};

/** The email `verification resend` sends for the person's state (as the platform decides it), or null when it sends none. */
async function activationFor({ answers, facts }: Pick<CheckContext, 'answers' | 'facts'>): Promise<Activation | null> {
  const email = answers.email!;
  const [user, event, status] = [await facts.user(email), await facts.event(answers.event!), await facts.status(email, answers.event!)];
  if (!user || !event || !status) return null;
  if (status.registration.status === 'blocked' || status.registration.status === 'unregistered' || user.account.blocked) return null;
  if (event.loginMethod === 'password' && !user.account.passwordSet) return 'set_password';
  if (!user.account.emailVerifiedAt && event.verifyEmail) return 'verify_account';
  return 'registration_complete';
}

const whichEmailCheck: Check = {
  id: 'which-email',
  title: 'Which email their state calls for',
  async run(context) {
    const which = await activationFor(context);
    if (!which) return null;
    const user = (await context.facts.user(context.answers.email!))!;
    const why =
      which === 'set_password'
        ? 'the account has no password yet'
        : which === 'verify_account'
          ? 'the address is not confirmed yet'
          : `the address was confirmed${user.account.emailVerifiedAt ? ` at ${formatUtc(user.account.emailVerifiedAt)}` : ''} and nothing waits for verification`;
    return { check: 'which-email', verdict: 'ok', summary: `A resend sends the ${SUBJECTS[which]}: ${why}.`, evidence: [which] };
  },
};

const lastResendCheck: Check = {
  id: 'last-resend',
  title: 'The last registration email',
  async run({ answers, facts, now }) {
    const last = (await facts.mails(answers.email!)).filter((m) => (ACTIVATION_TEMPLATES as readonly string[]).includes(m.template) && m.eventSlug === answers.event).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
    if (!last) return null;
    const seconds = Math.floor((now.getTime() - Date.parse(last.createdAt)) / 1000);
    if (seconds < RESEND_COOLDOWN_SECONDS) {
      return { check: 'last-resend', verdict: 'warn', summary: `"${last.subject}" went out ${seconds} seconds ago: give them a minute to find it (the platform refuses another one within a minute).`, evidence: [`${last.createdAt} ${last.template} ${last.status}`] };
    }
    return { check: 'last-resend', verdict: 'ok', summary: `The last one, "${last.subject}", was sent ${formatUtc(last.createdAt)} (${last.status}).`, evidence: [`${last.createdAt} ${last.template} ${last.status}`] };
  },
};

export const runbook: Runbook = {
  id: 'resend-verification',
  title: 'Resend the verification email',
  group: 'how-to',
  phrases: [
    "I didn't get the verification email",
    'resend the verification email',
    'send the activation email again',
    'never received the confirmation email',
    'the verify your account email is missing',
    'can you send me the email again',
  ],
  questions: [EMAIL_QUESTION, EVENT_QUESTION],
  checks: [registrationCheck, whichEmailCheck, lastResendCheck, recentMailCheck],
  async conclude(context, findings) {
    const { answers, facts } = context;
    const email = answers.email!;
    const slug = answers.event!;
    const status = await facts.status(email, slug);
    const which = await activationFor(context);
    if (!status || !which) {
      const shut = status !== null;
      return {
        explain: shut
          ? `The registration is ${status.explanation.statusLabel.toLowerCase()} (${status.explanation.label}); the platform sends no registration email while it is.`
          : `${email} is not registered for ${slug}, so there is nothing to resend.`,
        tell: shut
          ? 'Your registration for this event is not active, so I cannot send the email. I am passing your request to the event organiser.'
          : 'I cannot find a registration under that address for this event. Please check the spelling with me, or register on the event registration page.',
        fixes: [],
        escalate: shut ? 'The registration is closed off by the organiser or cancelled; only the organiser can change that.' : undefined,
      };
    }
    const event = await facts.event(slug);
    const activate = event ? new URL('activate', event.registrationUrl.replace(/register$/, '')).toString() : null;
    const mail = finding(findings, 'recent-mail');
    const recent = finding(findings, 'last-resend');
    const failing = mail?.verdict === 'fail';
    const what =
      which === 'verify_account'
        ? 'a new "Verify your account" email. Open it and press the button to confirm your address; only the newest one works'
        : which === 'set_password'
          ? 'an email with a link to set your password. Open it, press the button and choose your password; only the newest one works'
          : 'a "Registration complete" email with a button to sign in. Your address is already confirmed, so there is nothing left to verify';
    const warning = failing
      ? ` Before resending: ${mail!.summary} Check the address with the caller and ask whether their mail server blocks mail from the platform.`
      : mail?.verdict === 'warn'
        ? ` Note: ${mail.summary}`
        : '';
    return {
      explain: `"t1 verification resend" picks the email from their state: the ${SUBJECTS[which]}.${recent?.verdict === 'warn' ? ` ${recent.summary} If they insist, run it yourself with --force.` : ''}${warning}${activate ? ` They can also ask for it themselves at ${activate}.` : ''}`,
      tell: `${failing ? 'Our last email to you could not be delivered, so let us first check that your address is spelled correctly. ' : ''}I am sending you ${what}. It should arrive within a few minutes; look in your spam, junk or promotions folders too.`,
      fixes: [{ label: which === 'registration_complete' ? 'Email "registration complete" with the sign-in button' : which === 'set_password' ? 'Email a set-password link (verification resend)' : 'Resend the verification email', argv: ['verification', 'resend', email, '--event', slug] }],
      escalate: failing ? 'If the address is right and mail to it keeps failing, escalate with the mail server error.' : undefined,
    };
  },
};
