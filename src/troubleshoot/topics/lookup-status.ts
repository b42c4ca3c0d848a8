// How to look up and verify a registration status: the registration check, then the
// status and stage in plain words, what the platform waits for and the next step, with
// the status view's commands offered as fixes when they are support actions.
import type { RegistrationStage } from '../../contract/vocabulary.ts';
import { eventOf } from '../checks/emailed-links.ts';
import { registrationCheck } from '../checks/registration.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, type Fix, type Runbook } from '../runbook.ts';

/** Commands of the status view an agent may run as a fix: support actions (audited, confirmed). */
const ACTIONS: Record<string, string> = {
  'verification resend': 'Resend the verification email',
  'set-password-link send': 'Email a new set-password link',
  'magic-link create': 'Email a login link',
  'password reset': 'Email a password reset link',
  'invitations send': 'Send the invitation again',
};

/** A status-view command ("t1 verification resend a@b --event x") as a fix, or null when it is not a complete support action. */
export function commandFix(command: string): Fix | null {
  const argv = command.trim().split(/\s+/);
  if (argv[0] !== 't1' || argv.some((a) => a.includes('<') || a.includes('>'))) return null;
  const label = ACTIONS[`${argv[1]} ${argv[2]}`];
  if (!label) return null;
  const rest = argv.slice(1);
  // A login link the agent is not meant to paste goes by email.
  if (argv[1] === 'magic-link' && !rest.includes('--send')) rest.push('--send');
  return { label, argv: rest };
}

/** What each stage means for the caller, in their words. */
const TELL: Record<RegistrationStage, string> = {
  invite_sent: 'You have been invited, but the registration is not finished yet: open the invitation email from us and follow its button.',
  password_not_set: 'You are registered, but you have not chosen a password yet, so you cannot sign in. Use the "set your password" email from us to choose one.',
  pending_verification: 'You filled in the registration form, but the registration is not complete until you confirm your email address with the button in our "Verify your account" email.',
  login_link_sent: 'You are registered. This event does not use a password: you get in with the login link we email you; each link works once.',
  verified: 'Your registration is complete. You can sign in; before the event starts you will see a "coming soon" page, which is expected.',
  joined: 'You are registered and you have already entered the event. You can sign in again at any time while it runs.',
  cancelled_by_person: 'Your registration was cancelled from your side. If you want to attend after all, you can register again while registration is open.',
  removed_by_organizer: 'The organiser removed your registration. I cannot restore it myself; I am passing your request to the organiser.',
  blocked_by_organizer: 'The organiser has blocked access to this event for your account. I am passing your request to the organiser.',
  chat_restricted: 'You can attend the event, but the organiser has turned off chat for your account. Only the organiser can change that.',
};

export const runbook: Runbook = {
  id: 'lookup-status',
  title: 'Look up and verify a registration status',
  group: 'how-to',
  phrases: [
    'am I registered',
    'check my registration',
    'what is my registration status',
    'is my registration complete',
    'did my registration go through',
    'look up a user',
    'verify registration status',
  ],
  questions: [EMAIL_QUESTION, { ...EVENT_QUESTION, prompt: 'Which event (slug)? Leave empty when they have one registration, or to list them all', optional: true }],
  checks: [registrationCheck],
  async conclude({ answers, facts }) {
    const email = answers.email!;
    const user = await facts.user(email);
    if (!user) {
      return {
        explain: `No account has ${email}: the person is not registered for any event under this address.`,
        tell: 'I cannot find any registration under that address. Please check the spelling with me, or tell me another address you may have used. If you have not registered yet, please do so on the event registration page.',
        fixes: [],
      };
    }
    const slug = await eventOf(answers, facts);
    if (!slug) {
      const list = user.registrations.map((r) => `${r.eventSlug}: ${r.status}/${r.stage}`).join('; ');
      return {
        explain: user.registrations.length === 0
          ? `${email} has an account but no registration for any event.`
          : `${email} has ${user.registrations.length} registrations (${list}). Ask which event the call is about and run again with --event.`,
        tell: user.registrations.length === 0
          ? 'You have an account with us, but no registration for an event yet. Please register on the page of the event you want to attend.'
          : 'You are registered for more than one of our events. Which event are you calling about?',
        fixes: [],
      };
    }
    const view = await facts.status(email, slug);
    if (!view) {
      const others = user.registrations.map((r) => r.eventSlug).join(', ');
      return {
        explain: `${email} is not registered for ${slug}${others ? `; they are registered for ${others}` : ''}.`,
        tell: 'You are not registered for this event under that address. Please register on the event registration page, or tell me another address you may have used.',
        fixes: [],
      };
    }
    const { explanation: x, registration: r } = view;
    const fixes = x.commands.map(commandFix).filter((f): f is Fix => f !== null);
    const lookups = x.commands.filter((c) => !commandFix(c));
    const warnings = view.warnings.length > 0 ? ` Account: ${view.warnings.join(' ')}` : '';
    const shut = r.status === 'blocked' || (r.status === 'unregistered' && r.stage === 'removed_by_organizer');
    const locked = view.account.locked && !shut;
    if (locked) fixes.unshift({ label: 'Unlock the account', argv: ['users', 'unlock', email] });
    return {
      explain: `${x.statusLabel}, ${x.label} (${r.status}/${r.stage}; ${r.role}, ${r.type === 'registration' ? 'registration form' : r.type}, for ${view.event.title}). ${x.meaning} Next step: ${x.nextStep}${lookups.length ? ` To look further: ${lookups.join('; ')}.` : ''}${warnings}`,
      tell: locked ? `${TELL[r.stage]} Your account is locked at the moment after several unsuccessful sign-in attempts; I am unlocking it for you.` : TELL[r.stage],
      fixes,
      escalate: shut ? 'Tier one cannot lift a block or a removal by the organiser; escalate to the event organiser with the ticket id.' : undefined,
    };
  },
};
