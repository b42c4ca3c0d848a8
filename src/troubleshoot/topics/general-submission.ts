// A repeating "General Submission" error on the registration form. When the log knows why
// the submissions failed (closed registration, too many attempts, a field the form
// refused) that is the answer; when none reached the platform, the guide's browser ladder,
// then an escalation.
import { browserLadder, ladderBrowserCheck } from '../checks/browser-ladder.ts';
import { formAttempts, formSubmissionsCheck, reasonWords, refusalReasons } from '../checks/form-submissions.ts';
import { registrationOpenCheck } from '../checks/registration-open.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, USER_AGENT_QUESTION, finding, type Runbook } from '../runbook.ts';

/** What the caller does about each reason the form refused a submission for. */
const WHAT_TO_DO: Record<string, string> = {
  required_field_missing: 'fill in every field marked with a star (*)',
  terms_not_accepted: 'tick the box that you agree to the terms and conditions',
  password_rejected: 'choose a password that meets the rules shown under the password field, and type it the same way twice',
  public_domain: 'register with your work email address (addresses at public email providers are not accepted)',
  domain_not_approved: "register with your address at one of the event's approved domains",
  invalid_email: 'check the email address for typos',
  field_too_long: 'shorten the field the form points to',
  field_not_allowed: 'remove unusual characters from the field the form points to',
};

export const runbook: Runbook = {
  id: 'general-submission',
  title: 'A repeating "General Submission" error',
  group: 'errors',
  phrases: ['general submission error', 'general submission', 'error when I press register', 'form will not submit', 'submission failed again', 'keeps giving me an error when I submit'],
  questions: [EMAIL_QUESTION, EVENT_QUESTION, USER_AGENT_QUESTION],
  checks: [registrationOpenCheck, formSubmissionsCheck, ladderBrowserCheck],
  async conclude(context, findings) {
    const { answers, facts } = context;
    const event = await facts.event(answers.event!);
    if (!event) {
      return { explain: `There is no event "${answers.event}": check the slug.`, tell: 'I cannot find that event. Could you tell me its name, or read me the address of the page?', fixes: [] };
    }
    if (finding(findings, 'registration-open')?.verdict === 'fail') {
      return {
        explain: `${finding(findings, 'registration-open')!.summary} The form refuses every submission until the organiser opens registration again.`,
        tell: `Registration for ${event.title} is closed, which is why your submission does not go through. Only the organiser can open it again.`,
        fixes: [],
      };
    }
    const last = (await formAttempts(facts, answers.email!, answers.event!))[0];
    if (last && last.kind !== 'registration.refused') {
      return {
        explain: `${finding(findings, 'form-submissions')!.summary} The registration did go through; the error they saw was not a refusal.`,
        tell: `Your registration did go through${last.kind === 'registration.repeated' ? ' (you were already registered)' : ''}. Please check your inbox, and the spam or promotions folder, for our email about ${event.title}.`,
        fixes: [],
      };
    }
    if (last?.reason === 'rate_limited') {
      return {
        explain: `${finding(findings, 'form-submissions')!.summary} After many tries in a short time the form refuses every submission for up to an hour.`,
        tell: 'The form was sent many times in a short while, so it is pausing new attempts for your address. Please wait an hour, then fill it in once and press Register a single time.',
        fixes: [],
      };
    }
    if (last?.reason === 'shut_out') {
      return {
        explain: `${finding(findings, 'form-submissions')!.summary} The organiser shut this person out; the form changes nothing for them. Only the organiser can let them back in.`,
        tell: 'Your registration cannot be completed from the form. I will ask the event organiser to look into it.',
        fixes: [],
        escalate: 'The organiser shut this person out of the event: hand over to the organiser if the caller should be let back in.',
      };
    }
    if (last) {
      const reasons = refusalReasons(last).filter((r) => Object.hasOwn(WHAT_TO_DO, r));
      const todo = reasons.map((r) => WHAT_TO_DO[r]!);
      return {
        explain: `${finding(findings, 'form-submissions')!.summary} The form refused the submission and said why next to the fields: ${reasons.map(reasonWords).join('; ') || 'see the log'}. Walk them through those fields${reasons.includes('required_field_missing') ? ' (see also the mandatory-field topic)' : ''}.`,
        tell: `Your last try did reach us, but the form could not accept it. Please ${todo.length > 0 ? todo.join(', and ') : 'look for the red message next to the fields'}, then press Register again.`,
        fixes: [],
      };
    }
    return browserLadder(context, findings, {
      symptom: 'the form keeps showing that error',
      retry: `fill in the form again at ${event.registrationUrl}`,
      end: {
        explain: 'if it still fails, escalate to platform support: the submissions never reached the platform',
        tell: 'If you still get the error after that, I will hand it to our technical team with the details.',
        escalate: `The "General Submission" error repeats on a supported browser after a restart and a cleared cache, and none of their submissions reached the platform: escalate with the browser, the device, ${event.registrationUrl} and the times they tried.`,
      },
    });
  },
};
