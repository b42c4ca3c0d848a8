// "I did not receive the registration email": the mail log first (what was sent, and
// what became of it), then the guide's inbox steps when it was delivered.
import { ACTIVITY_REASONS, describeActivity, type ActivityReason } from '../../contract/activity.ts';
import { lastAddressRefusal } from '../checks/address-rules.ts';
import { deliveryFor, mailDeliveryCheck, missingMailOutcome, registrationEmailFix } from '../checks/mail-delivery.ts';
import { registrationCheck } from '../checks/registration.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, type Runbook } from '../runbook.ts';

export const runbook: Runbook = {
  id: 'no-registration-email',
  title: "Didn't receive the registration email",
  group: 'common',
  phrases: [
    'did not receive the registration email',
    'never got the verification email',
    'no confirmation email',
    'email not arriving',
    'where is my email',
    'nothing in my inbox after registering',
  ],
  questions: [EMAIL_QUESTION, EVENT_QUESTION],
  checks: [registrationCheck, mailDeliveryCheck],
  async conclude(context) {
    const { answers, facts } = context;
    const email = answers.email!;
    const event = answers.event!;
    if (!(await facts.user(email)) || !(await facts.status(email, event))) {
      const refusal = await lastAddressRefusal(context);
      const refused = (await facts.timeline(email)).find((e) => (e.kind === 'registration.refused' || e.kind === 'webhook.refused') && (!e.eventSlug || e.eventSlug === event));
      const why = refusal ? { entry: refusal.entry, reason: refusal.rule } : refused ? { entry: refused, reason: refused.reason } : null;
      const words = why?.reason && Object.hasOwn(ACTIVITY_REASONS, why.reason) ? ACTIVITY_REASONS[why.reason as ActivityReason] : 'it was refused';
      return {
        explain: why
          ? `${email} is not registered for ${event}: the attempt was refused (${describeActivity(why.entry)}), so no email was sent.`
          : `${email} is not registered for ${event}, and nothing was recorded for it: the caller may have used another address, or the registration never went through.`,
        tell: why
          ? `Your registration did not go through (${words}), which is why no email came. Please register again once that is sorted out; I can tell you what to change.`
          : 'I cannot find a registration under that address. Could you spell the address you registered with for me? If you used another one, we will look at that; otherwise please register again.',
        fixes: [],
      };
    }
    return missingMailOutcome(await deliveryFor(context), await registrationEmailFix(context, email, event));
  },
};
