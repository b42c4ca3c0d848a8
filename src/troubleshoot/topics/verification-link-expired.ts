// "Something went wrong" on the verification link: usually the link expired. The link
// pages log what the person met (expired, already used, replaced by a newer email), so
// the answer names it; a new verification email fixes it, and a repeat is escalated.
import { formatUtc } from '../../cli/render/format.ts';
import { linkRefusalCheck, linkRefusals, linksOf, linkStateCheck } from '../checks/emailed-links.ts';
import { recentMailCheck } from '../checks/recent-mail.ts';
import { registrationCheck } from '../checks/registration.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, finding, type Fix, type Runbook } from '../runbook.ts';

export const runbook: Runbook = {
  id: 'verification-link-expired',
  title: '"Something went wrong" on the verification link',
  group: 'errors',
  phrases: [
    'something went wrong',
    'verification link expired',
    'the verify account link does not work',
    'activation link says something went wrong',
    'clicked verify and got an error',
    'confirmation email link is broken',
  ],
  questions: [EMAIL_QUESTION, EVENT_QUESTION],
  checks: [registrationCheck, linkRefusalCheck('verify_email', 'verification-refusals'), linkStateCheck('verify_email', 'verification-link'), recentMailCheck],
  async conclude({ answers, facts }, findings) {
    const email = answers.email!;
    const slug = answers.event!;
    const user = await facts.user(email);
    const status = user ? await facts.status(email, slug) : null;
    if (!user || !status) {
      return {
        explain: `${email} has no registration for ${slug}, so no verification link of theirs can work for it.`,
        tell: 'I cannot find a registration under that address for this event. Please check the address with me, or register again on the registration page.',
        fixes: [],
      };
    }
    if (status.registration.status === 'blocked' || status.registration.status === 'unregistered') {
      return {
        explain: `The registration is ${status.explanation.statusLabel.toLowerCase()} (${status.explanation.label}); the platform sends no verification email while it is.`,
        tell: 'Your registration for this event is not active, so the link cannot complete it. I am passing your request to the event organiser.',
        fixes: [],
        escalate: 'The registration is closed off by the organiser or cancelled; only the organiser can change that.',
      };
    }
    const resend: Fix = { label: 'Resend the verification email', argv: ['verification', 'resend', email, '--event', slug] };
    const refusals = await linkRefusals(facts, email, 'verify_email', slug);
    const last = refusals[0];
    const newest = (await linksOf(facts, email, 'verify_email', slug))[0];
    const mail = finding(findings, 'recent-mail');
    const mailNote = mail?.verdict === 'fail' ? ` Note: ${mail.summary}` : '';
    const repeated = new Set(refusals.filter((r) => r.reason === 'expired').map((r) => r.tokenId)).size >= 2;
    const escalate = repeated
      ? `Links of ${refusals.filter((r) => r.reason === 'expired').length} different verification emails were refused as expired: if the new one fails too, escalate with these times.`
      : undefined;

    // Only a complete registration can be called complete: no password yet, or an
    // unanswered invitation, still needs its own email.
    if (user.account.emailVerifiedAt && (status.registration.stage === 'verified' || status.registration.stage === 'joined')) {
      return {
        explain: `The address was already verified at ${formatUtc(user.account.emailVerifiedAt)} and the registration is complete (${status.explanation.label}); the old link has nothing left to do${last ? ` (it was refused: ${last.reason})` : ''}.`,
        tell: 'Good news: your email address is already confirmed and your registration is complete. You do not need that link any more; sign in on the event page. I can send you the "registration complete" email with the sign-in button again.',
        fixes: [{ label: 'Email "registration complete" with the sign-in button', argv: resend.argv }],
      };
    }
    if (last?.reason === 'replaced' && newest?.state === 'active') {
      return {
        explain: `The caller used an older verification email; a newer link replaced it. The newest one (issued ${formatUtc(newest.createdAt)}) still works until ${formatUtc(newest.expiresAt)}.`,
        tell: 'That link came from an older email; only the newest one works. Please open the most recent "Verify your account" email from us and press its button. If you cannot find it, I can send a new one.',
        fixes: [resend],
      };
    }
    if (last?.reason === 'expired' || newest?.state === 'expired' || (newest?.state === 'replaced' && last?.reason !== 'invalid')) {
      return {
        explain: `The verification link expired${typeof last?.detail.expiredAt === 'string' ? ` at ${formatUtc(last.detail.expiredAt)}` : newest?.expiresAt ? ` at ${formatUtc(newest.expiresAt)}` : ''}; that is what "Something went wrong" means here. A new verification email fixes it.${mailNote}`,
        tell: 'The link in your email has expired; links stop working after a while to keep your account safe. On the page that opened, enter your email address and press "Send me a new link", or I can send you a new email right now. Open the newest email and press "Verify".',
        fixes: [resend],
        escalate: escalate ?? 'If the new link fails too, escalate with the time of each attempt.',
      };
    }
    if (last?.reason === 'invalid') {
      return {
        explain: 'The link the caller opened is not one the platform issued: usually a link cut short when copied, or broken across two lines by the mail program.',
        tell: 'The link did not reach us in one piece. Please press the button in the email instead of copying the link, or copy the whole link. I can also send you a new email.',
        fixes: [resend],
        escalate: 'If a link pressed straight from the newest email also fails, escalate with the browser and the time.',
      };
    }
    if (!newest) {
      return {
        explain: `No verification link was ever issued to ${email} for this event (stage: ${status.explanation.label}).${mailNote}`,
        tell: 'I am sending you a new verification email now. Open it and press the button to confirm your address.',
        fixes: [resend],
      };
    }
    return {
      explain: `The newest verification link still works (until ${formatUtc(newest.expiresAt)}) and no refused click is recorded, so the error did not come from an expired link.${mailNote}`,
      tell: 'Your newest verification link is still valid. Please open the most recent "Verify your account" email and press its button once. If you still see "Something went wrong", tell me the time and which browser you use.',
      fixes: [resend],
      escalate: 'If the caller still gets "Something went wrong" from a valid link, escalate with the browser, the time and a screenshot.',
    };
  },
};
