// "Please check this box if you want to proceed": the terms and privacy box was not
// ticked (the log records the refusal as terms_not_accepted); the caller ticks it.
import { formAttempts, reasonWords, refusalReasons } from '../checks/form-submissions.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, type Runbook } from '../runbook.ts';

const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export const runbook: Runbook = {
  id: 'check-this-box',
  title: '"Please check this box if you want to proceed"',
  group: 'errors',
  phrases: ['please check this box if you want to proceed', 'check this box', 'terms and conditions box', 'privacy policy checkbox', 'it will not let me proceed'],
  questions: [EMAIL_QUESTION, EVENT_QUESTION],
  checks: [
    {
      id: 'terms-box',
      title: 'Whether their submissions ticked the terms box',
      async run({ answers, facts }) {
        const attempts = await formAttempts(facts, answers.email!, answers.event!);
        const last = attempts[0];
        if (last && last.kind !== 'registration.refused') {
          return { check: 'terms-box', verdict: 'ok', summary: `Their last submission (${minute(last.at)}) went through: the box was ticked.`, evidence: [`${last.at} ${last.kind}`] };
        }
        const refusal = attempts.find((e) => e.kind === 'registration.refused' && refusalReasons(e).includes('terms_not_accepted'));
        if (!refusal) {
          return { check: 'terms-box', verdict: 'warn', summary: `No submission of ${answers.email} for ${answers.event} is recorded as refused for the terms box.`, evidence: attempts.slice(0, 3).map((e) => `${e.at} ${e.kind} ${e.reason ?? ''}`.trim()) };
        }
        const others = refusalReasons(refusal).filter((r) => r !== 'terms_not_accepted');
        return {
          check: 'terms-box',
          verdict: 'fail',
          summary: `Refused ${minute(refusal.at)}: the terms and privacy box was not ticked${others.length > 0 ? ` (also: ${others.map(reasonWords).join('; ')})` : ''}.`,
          evidence: [`${refusal.at} reasons ${refusalReasons(refusal).join(', ')}`],
        };
      },
    },
  ],
  async conclude({ answers, facts }) {
    const event = await facts.event(answers.event!);
    const last = (await formAttempts(facts, answers.email!, answers.event!))[0];
    if (last && last.kind !== 'registration.refused') {
      return {
        explain: 'Their newest submission was accepted: the box was ticked and they are past this error.',
        tell: `Your registration went through. Please check your inbox, and the spam or promotions folder, for our email about ${event?.title ?? 'the event'}.`,
        fixes: [],
      };
    }
    const others = last ? refusalReasons(last).filter((r) => r !== 'terms_not_accepted') : [];
    return {
      explain: `The message means the box accepting the terms and conditions and the privacy policy (under "The fine print", just above Register) was left unticked; the form cannot be sent without it.${others.length > 0 ? ` Their last try also had: ${others.map(reasonWords).join('; ')} (see the mandatory-field topic for empty fields).` : ''}`,
      tell:
        'Just above the Register button, under "The fine print", there is a small box next to "I have read and agree to the terms and conditions and the privacy policy". Please click it so a tick appears, ' +
        (event?.loginMethod === 'password' ? 'type your password again in both password fields, ' : '') +
        'then press Register again.',
      fixes: [],
    };
  },
};
