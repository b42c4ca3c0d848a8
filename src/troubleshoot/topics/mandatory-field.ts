// "Mandatory field not filled out: <field> is required": the log names the fields a
// refused submission left empty; the caller fills in every field marked with a star.
import { formAttempts, missingFields, reasonWords, refusalReasons } from '../checks/form-submissions.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, type Runbook } from '../runbook.ts';

const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export const runbook: Runbook = {
  id: 'mandatory-field',
  title: '"Mandatory field not filled out: <field> is required"',
  group: 'errors',
  phrases: ['mandatory field not filled out', 'field is required', 'required field error', 'form says a field is missing', 'cannot submit, it says required'],
  questions: [EMAIL_QUESTION, EVENT_QUESTION],
  checks: [
    {
      id: 'missing-fields',
      title: 'Fields their submissions left empty',
      async run({ answers, facts }) {
        const attempts = await formAttempts(facts, answers.email!, answers.event!);
        const event = await facts.event(answers.event!);
        const label = (name: string) => event?.formFields.find((f) => f.name === name)?.label ?? name;
        const last = attempts[0];
        if (last && last.kind !== 'registration.refused') {
          return { check: 'missing-fields', verdict: 'ok', summary: `Their last submission (${minute(last.at)}) went through: nothing is missing any more.`, evidence: [`${last.at} ${last.kind}`] };
        }
        const refusal = attempts.find((e) => e.kind === 'registration.refused' && refusalReasons(e).includes('required_field_missing'));
        if (!refusal) {
          return {
            check: 'missing-fields',
            verdict: 'warn',
            summary: `No submission of ${answers.email} for ${answers.event} was refused for an empty field${last ? ` (the last one was refused: ${last.reason})` : ''}.`,
            evidence: attempts.slice(0, 3).map((e) => `${e.at} ${e.kind} ${e.reason ?? ''}`.trim()),
          };
        }
        const fields = missingFields(refusal);
        return {
          check: 'missing-fields',
          verdict: 'fail',
          summary: fields.length > 0 ? `Refused ${minute(refusal.at)}: ${list(fields.map(label))} left empty.` : `Refused ${minute(refusal.at)}: a required field was left empty (the log names the fields only for the main problem: ${refusal.reason}).`,
          evidence: [`${refusal.at} reasons ${refusalReasons(refusal).join(', ')}`, ...(fields.length > 0 ? [`fields ${fields.join(', ')}`] : [])],
        };
      },
    },
  ],
  async conclude({ answers, facts }) {
    const event = await facts.event(answers.event!);
    const attempts = await formAttempts(facts, answers.email!, answers.event!);
    const label = (name: string) => event?.formFields.find((f) => f.name === name)?.label ?? name;
    const requiredLabels = event?.formFields.filter((f) => f.required).map((f) => f.label) ?? [];
    const allRequired = [...requiredLabels, 'Email', ...(event?.loginMethod === 'password' ? ['Password', 'Repeat password'] : [])];
    const last = attempts[0];
    if (last && last.kind !== 'registration.refused') {
      return {
        explain: 'Their newest submission was accepted after the refusal: they are past this error.',
        tell: `Your registration went through. Please check your inbox, and the spam or promotions folder, for our email about ${event?.title ?? 'the event'}.`,
        fixes: [],
      };
    }
    const refusal = attempts.find((e) => e.kind === 'registration.refused' && refusalReasons(e).includes('required_field_missing'));
    const fields = refusal ? missingFields(refusal).map(label) : [];
    const named = fields.length > 0 ? `The form was refused because ${list(fields)} ${fields.length === 1 ? 'was' : 'were'} left empty.` : 'The log does not name the empty fields.';
    return {
      explain: `${named} Every required field (marked *) must be filled in: ${list(allRequired)}${event ? '' : ' (event not found: check the slug)'}.${refusal && refusalReasons(refusal).length > 1 ? ` The same submission also had: ${refusalReasons(refusal).filter((r) => r !== 'required_field_missing').map(reasonWords).join('; ')}.` : ''}`,
      tell:
        (fields.length > 0 ? `The form could not be sent because ${list(fields)} ${fields.length === 1 ? 'was' : 'were'} empty. ` : '') +
        `Please fill in every field marked with a star (*): ${list(allRequired)}. ` +
        (event?.loginMethod === 'password' ? 'The password fields empty themselves after an error, so type the password again in both. ' : '') +
        'Then press Register again.',
      fixes: [],
    };
  },
};
