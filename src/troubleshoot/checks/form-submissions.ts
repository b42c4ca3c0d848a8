// What became of the person's last registration form submissions for the event, from the
// activity log: refused (and why, which fields), or taken.
import type { TimelineEntry } from '../../contract/schemas.ts';
import { ACTIVITY_REASONS, describeActivity, type ActivityReason } from '../../contract/activity.ts';
import type { Check } from '../runbook.ts';

const FORM_KINDS = new Set(['registration.refused', 'registration.submitted', 'registration.repeated', 'registration.completed']);

/** The person's registration entries for the event, newest first. */
export async function formAttempts(facts: { timeline(email: string): Promise<TimelineEntry[]> }, email: string, event: string): Promise<TimelineEntry[]> {
  return (await facts.timeline(email)).filter((e) => e.source === 'activity' && FORM_KINDS.has(e.kind) && e.eventSlug === event);
}

/** Every reason a refusal gave: the main one and the others the form listed. */
export function refusalReasons(entry: TimelineEntry): string[] {
  const others = Array.isArray(entry.detail.problems) ? entry.detail.problems.filter((p): p is string => typeof p === 'string') : [];
  return [...new Set([entry.reason ?? 'unknown', ...others])];
}

/** The fields a refusal named as left empty (only when that was its main reason). */
export function missingFields(entry: TimelineEntry): string[] {
  return entry.reason === 'required_field_missing' && Array.isArray(entry.detail.fields) ? entry.detail.fields.filter((f): f is string => typeof f === 'string') : [];
}

export function reasonWords(reason: string): string {
  return Object.hasOwn(ACTIVITY_REASONS, reason) ? ACTIVITY_REASONS[reason as ActivityReason] : reason;
}

const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** The newest registration attempt for the event: refused (fail), taken (ok), or none reached the platform (warn). */
export const formSubmissionsCheck: Check = {
  id: 'form-submissions',
  title: 'Their registration form submissions',
  async run({ answers, facts }) {
    if (!answers.email || !answers.event) return null;
    const attempts = await formAttempts(facts, answers.email, answers.event);
    const evidence = attempts.slice(0, 5).map((e) => `${e.at} ${describeActivity(e)}`);
    const last = attempts[0];
    if (!last) return { check: 'form-submissions', verdict: 'warn', summary: `No registration form submission from ${answers.email} for ${answers.event} reached the platform.`, evidence };
    if (last.kind === 'registration.refused') {
      const refused = attempts.filter((e) => e.kind === 'registration.refused').length;
      return { check: 'form-submissions', verdict: 'fail', summary: `Last submission (${minute(last.at)}) refused: ${describeActivity(last).replace(/^Registration refused: /, '')}${refused > 1 ? ` (${refused} refusals recorded)` : ''}.`, evidence };
    }
    return { check: 'form-submissions', verdict: 'ok', summary: `Last submission (${minute(last.at)}) went through: ${describeActivity(last)}.`, evidence };
  },
};
