// "The credentials provided are incorrect": the log says which: a wrong password, no
// password set yet, an address with no account, or a lock.
import { signInCheck } from '../checks/sign-in.ts';
import { registrationCheck } from '../checks/registration.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, type Fix, type Runbook } from '../runbook.ts';

export const runbook: Runbook = {
  id: 'credentials-incorrect',
  title: '"The credentials provided are incorrect" at sign-in',
  group: 'errors',
  phrases: ['credentials provided are incorrect', 'wrong password', 'cannot log in', 'password not accepted', 'email or password is not correct'],
  questions: [EMAIL_QUESTION, EVENT_QUESTION],
  checks: [registrationCheck, signInCheck],
  async conclude({ answers, facts }) {
    const email = answers.email!;
    const event = answers.event!;
    const user = await facts.user(email);
    const last = (await facts.timeline(email)).find((e) => e.kind === 'sign_in.failed');
    const reset: Fix = { label: 'Email a password reset link', argv: ['password', 'reset', email, '--send', '--event', event] };
    if (!user || last?.reason === 'unknown_address') {
      return {
        explain: `No account has ${email}: the caller may be typing another address, or never registered.`,
        tell: 'We have no account under that address. Please check the spelling, try the address you registered with, or register if you have not yet.',
        fixes: [],
      };
    }
    if (user.account.locked) {
      return {
        explain: 'The account is locked after too many failed sign-ins; even the right password is refused until it is unlocked or the lock runs out.',
        tell: 'Your account was locked after several unsuccessful attempts. I am unlocking it now; if you are not sure of your password, use the reset link we send you.',
        fixes: [{ label: 'Unlock the account', argv: ['users', 'unlock', email] }, reset],
      };
    }
    if (!user.account.passwordSet || last?.reason === 'no_password') {
      return {
        explain: 'The account has no password yet (it came from an invitation, a webhook or an import), so no password can match.',
        tell: 'Your account does not have a password yet. I am sending you an email with a link to set one; then sign in with it.',
        fixes: [{ label: 'Email a set-password link', argv: ['set-password-link', 'send', email, '--event', event] }],
      };
    }
    return {
      explain: last ? 'The recorded attempts used a wrong password.' : 'No failed attempt is recorded for this address; the caller may be on another event or address.',
      tell: 'The password did not match. Please check that Caps Lock is off and try again, or choose a new password with the reset link we send you.',
      fixes: [reset],
    };
  },
};
